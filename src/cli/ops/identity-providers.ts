import { addProvider, listProviders, removeProvider, setProviderEnabled, showProvider, testProvider, updateProvider, type ProviderTest } from '../../core/admin/identity-providers.js';
import { providerView, type ProviderInput } from '../../core/federation/providers.js';
import type { IdentityProviderRecord } from '../../store/ports.js';
import { federationAdapters } from '../../federation/adapters.js';
import type { AdminContext } from '../../core/admin/context.js';
import type { Operations } from '../store-options.js';
import { seg } from '../remote/admin-http.js';
import { orderBy, without } from './order.js';

type View = Record<string, unknown>;
type Kind = IdentityProviderRecord['kind'];

/**
 * What `tessera idp …` does, against a store or a running server. `issuer` is the server's URL the
 * redirect URI is built on; a running server always uses its own.
 */
export interface IdentityProviderOperations {
  add(input: ProviderInput, issuer: string | undefined): Promise<View>;
  /** Without redirect URIs, as `idp list --json` has always printed them. */
  list(): Promise<View[]>;
  show(name: string, issuer: string | undefined): Promise<View>;
  kindOf(name: string): Promise<Kind>;
  update(name: string, input: ProviderInput, issuer: string | undefined): Promise<View>;
  setEnabled(name: string, enabled: boolean): Promise<View>;
  remove(name: string): Promise<void>;
  test(name: string, username: string | undefined): Promise<ProviderTest>;
}

const WIRE: [keyof ProviderInput, string][] = [
  ['name', 'name'], ['kind', 'kind'], ['displayName', 'display_name'], ['priority', 'priority'], ['domains', 'domains'], ['secret', 'secret'], ['trustEmail', 'trust_email'], ['ldap', 'ldap'], ['oidc', 'oidc'], ['oauth2', 'oauth2'],
];
function wire(input: ProviderInput): View {
  const body: View = {};
  for (const [field, name] of WIRE) if (input[field] !== undefined) body[name] = input[field];
  return body;
}

/** The issuer a local command builds redirect URIs on: the flag, TESSERA_ISSUER, or what the server recorded. */
async function issuerOf(admin: AdminContext, issuer: string | undefined): Promise<string | undefined> {
  return issuer ?? process.env['TESSERA_ISSUER'] ?? (await admin.stores.settings.get('issuer'));
}

const listed = (view: View) => without(view, 'redirect_uri');

export const identityProviderOperations: Operations<IdentityProviderOperations> = {
  local: (admin) => ({
    add: async (input, issuer) => providerView(await addProvider(admin, input), await issuerOf(admin, issuer)),
    list: async () => (await listProviders(admin.stores)).map((r) => providerView(r, undefined)),
    show: async (name, issuer) => providerView(await showProvider(admin.stores, name), await issuerOf(admin, issuer)),
    kindOf: async (name) => (await showProvider(admin.stores, name)).kind,
    update: async (name, input, issuer) => providerView(await updateProvider(admin, name, input), await issuerOf(admin, issuer)),
    setEnabled: async (name, enabled) => providerView(await setProviderEnabled(admin, name, enabled), undefined),
    remove: (name) => removeProvider(admin, name),
    test: (name, username) => testProvider(admin.stores, admin.pepper, federationAdapters, name, username),
  }),
  remote: (api) => {
    const path = (name: string, tail = '') => `/identity-providers/${seg(name.toLowerCase())}${tail}`;
    return {
      add: (input) => api.post('/identity-providers', wire(input)),
      list: async () => orderBy(await api.all('/identity-providers'), (p) => Number(p['priority']), (p) => String(p['name'])).map(listed),
      show: (name) => api.get(path(name)),
      kindOf: async (name) => (await api.get(path(name)))['kind'] as Kind,
      update: (name, input) => api.patch(path(name), wire(input)),
      setEnabled: async (name, enabled) => listed(await api.post(path(name, enabled ? '/enable' : '/disable'))),
      remove: async (name) => {
        await api.delete(path(name));
      },
      test: async (name, username) => api.post<ProviderTest>(path(name, '/test'), username === undefined ? {} : { username }),
    };
  },
};
