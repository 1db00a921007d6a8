import type { Client } from '../../store/ports.js';
import { createClient, deleteClient, findClient, listClients, rotateClientSecret, updateClient, type NewClient } from '../admin/clients.js';
import { MFA_LEVELS, mfaLevelOf, mfaLevelSettings, type MfaLevel } from '../clients/client.js';
import type { ClientDetail, ClientRow, Entered } from './page-data.js';
import { lines, shownTime, type ConsoleCall, type ConsoleRoute, type ShowOptions } from './route.js';

/** The grant types the create form offers; others are set through the CLI or the admin API. */
export const OFFERED_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

const row = (c: Client): ClientRow => ({ clientId: c.clientId, name: c.name, type: c.type, disabled: c.disabled });

async function listPage(call: ConsoleCall, options: ShowOptions = {}, entered: Entered = {}) {
  const clients = (await listClients(call.admin.stores)).map(row).sort((a, b) => a.name.localeCompare(b.name));
  return call.show('clients', 'Clients', { view: 'clients', clients, entered }, options);
}

function clientPage(call: ConsoleCall, client: Client, options: ShowOptions & { secret?: string } = {}) {
  const detail: ClientDetail = { ...row(client), redirectUris: client.redirectUris, scopes: client.scopes, grantTypes: client.grantTypes, createdAt: shownTime(client.createdAt), mfaLevel: mfaLevelOf(client) };
  const { secret, ...rest } = options;
  return call.show('clients', client.name, { view: 'client', client: detail, ...(secret ? { secret } : {}) }, rest);
}

const current = async (call: ConsoleCall, options: ShowOptions = {}) => clientPage(call, await findClient(call.admin.stores, call.params['id']!), options);

function clientAction(path: string, run: (call: ConsoleCall, clientId: string) => Promise<ReturnType<typeof clientPage>>, confirm?: string): ConsoleRoute {
  return { method: 'POST', path: `/clients/{id}${path}`, ...(confirm ? { confirm } : {}), handle: (call) => run(call, call.params['id']!), onError: current };
}

export const clientRoutes: ConsoleRoute[] = [
  { method: 'GET', path: '/clients', handle: (call) => listPage(call) },
  {
    method: 'POST',
    path: '/clients',
    async handle(call) {
      const f = call.form;
      const grants = OFFERED_GRANTS.filter((g) => f[`grant:${g}`] !== undefined);
      const input: NewClient = {
        name: (f['name'] ?? '').trim(),
        type: f['type'] === 'public' ? 'public' : 'confidential',
        redirectUris: lines(f['redirect_uris']),
        scopes: lines(f['scope']),
        ...(grants.length > 0 ? { grantTypes: grants } : {}),
      };
      const { client, secret } = await createClient(call.admin, input);
      return clientPage(call, client, { status: 201, notice: 'Client created.', ...(secret ? { secret } : {}) });
    },
    onError: (call, options) => {
      const { csrf: _csrf, ...entered } = call.form;
      return listPage(call, options, entered);
    },
  },
  { method: 'GET', path: '/clients/{id}', handle: (call) => current(call) },
  clientAction('/settings', async (call, id) => {
    const f = call.form;
    const level = MFA_LEVELS.find((l) => l === f['require_mfa']);
    const mfa = level === undefined ? {} : mfaLevelSettings(level as MfaLevel);
    const { client } = await updateClient(call.admin, id, { name: (f['name'] ?? '').trim(), redirectUris: lines(f['redirect_uris']), scopes: lines(f['scope']), ...mfa });
    return clientPage(call, client, { notice: 'Client saved.' });
  }),
  clientAction(
    '/secret',
    async (call, id) => {
      const { client, secret } = await rotateClientSecret(call.admin, id);
      return clientPage(call, client, { secret, notice: 'A new secret replaced the old one, which no longer works.' });
    },
    'Rotate the client secret? The current secret stops working at once.',
  ),
  clientAction(
    '/disable',
    async (call, id) => clientPage(call, (await updateClient(call.admin, id, { disabled: true })).client, { notice: 'Client disabled: its consents and tokens were revoked.' }),
    'Disable this client? Its consents and tokens are revoked at once.',
  ),
  clientAction('/enable', async (call, id) => clientPage(call, (await updateClient(call.admin, id, { disabled: false })).client, { notice: 'Client enabled.' })),
  {
    method: 'POST',
    path: '/clients/{id}/delete',
    confirm: 'Delete this client? Its consents and tokens are revoked, and this cannot be undone.',
    async handle(call) {
      const client = await findClient(call.admin.stores, call.params['id']!);
      await deleteClient(call.admin, client.clientId);
      return listPage(call, { notice: `Client ${client.name} deleted.` });
    },
    onError: current,
  },
];
