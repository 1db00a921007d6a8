import { clientView, createClient, deleteClient, findClient, listClients, rotateClientSecret, updateClient, type ClientUpdate, type NewClient } from '../../core/admin/clients.js';
import { mfaLevelOf } from '../../core/clients/client.js';
import type { Operations } from '../store-options.js';
import { seg, type AdminHttp } from '../remote/admin-http.js';
import { orderBy } from './order.js';

type View = Record<string, unknown>;

/** What `tessera client …` does, against a store or a running server; each answer is the client's RFC 7591 view. */
export interface ClientOperations {
  create(input: NewClient): Promise<View>;
  list(): Promise<View[]>;
  show(clientId: string): Promise<View>;
  update(clientId: string, input: ClientUpdate): Promise<View>;
  rotateSecret(clientId: string): Promise<View>;
  delete(clientId: string): Promise<void>;
}

/** One line of `client list`'s table. */
export const clientSummary = (view: View): View => ({
  client_id: view['client_id'], name: view['client_name'], type: view['client_type'], grant_types: view['grant_types'], first_party: view['first_party'], disabled: view['disabled'],
});

const WIRE: [keyof NewClient, string][] = [
  ['name', 'client_name'], ['type', 'client_type'], ['applicationType', 'application_type'], ['redirectUris', 'redirect_uris'], ['postLogoutRedirectUris', 'post_logout_redirect_uris'],
  ['grantTypes', 'grant_types'], ['tokenEndpointAuthMethod', 'token_endpoint_auth_method'], ['requireMfa', 'require_mfa'], ['firstParty', 'first_party'], ['defaultApi', 'default_api'],
  ['attributeClaims', 'attribute_claims'], ['idTokenAlg', 'id_token_signed_response_alg'], ['accessTokenAlg', 'access_token_alg'], ['disabled' as keyof NewClient, 'disabled'],
];
const LIFETIMES = [['accessToken', 'access_token_ttl'], ['idToken', 'id_token_ttl'], ['refreshToken', 'refresh_token_ttl'], ['refreshTokenAbsolute', 'refresh_token_absolute_ttl']] as const;

/** The admin API's client carries its `version` (what If-Match writes over); the CLI prints the client as it always has. */
function withoutVersion(client: Record<string, unknown>): Record<string, unknown> {
  const { version: _version, ...rest } = client;
  return rest;
}

/** The core's input in the admin API's RFC 7591 names (resources/clients.ts reads them back). */
function toWire(input: ClientUpdate): View {
  const body: View = {};
  const fields = input as Record<string, unknown>;
  for (const [field, wire] of WIRE) if (fields[field] !== undefined) body[wire] = fields[field];
  // The admin API knows the level by its own name (require_mfa stays for on|off).
  if (input.requireMfa !== undefined && input.requirePhishingResistant !== undefined) body['require_mfa_level'] = mfaLevelOf({ requireMfa: input.requireMfa, requirePhishingResistant: input.requirePhishingResistant });
  if (input.scopes !== undefined) body['scope'] = input.scopes.join(' ');
  for (const [field, wire] of LIFETIMES) if (input.lifetimes?.[field] !== undefined) body[wire] = input.lifetimes[field];
  if (input.extras !== undefined) Object.assign(body, input.extras);
  return body;
}

export const clientOperations: Operations<ClientOperations> = {
  local: (admin) => ({
    create: async (input) => {
      const { client, secret } = await createClient(admin, input);
      return clientView(client, secret);
    },
    list: async () => (await listClients(admin.stores)).map((c) => clientView(c)),
    show: async (clientId) => clientView(await findClient(admin.stores, clientId)),
    update: async (clientId, input) => {
      const { client, secret } = await updateClient(admin, clientId, input);
      return clientView(client, secret);
    },
    rotateSecret: async (clientId) => {
      const { client, secret } = await rotateClientSecret(admin, clientId);
      return clientView(client, secret);
    },
    delete: async (clientId) => {
      await deleteClient(admin, clientId);
    },
  }),
  remote: (api: AdminHttp) => ({
    create: async (input) => withoutVersion(await api.post('/clients', toWire(input))),
    list: async () => orderBy((await api.all('/clients')).map(withoutVersion), (c) => Number(c['client_id_issued_at']), (c) => String(c['client_id'])),
    show: async (clientId) => withoutVersion(await api.get(`/clients/${seg(clientId)}`)),
    update: async (clientId, input) => withoutVersion(await api.patch(`/clients/${seg(clientId)}`, toWire(input))),
    rotateSecret: async (clientId) => withoutVersion(await api.post(`/clients/${seg(clientId)}/secret`)),
    delete: async (clientId) => {
      await api.delete(`/clients/${seg(clientId)}`);
    },
  }),
};
