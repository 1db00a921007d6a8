import { Type } from '@sinclair/typebox';
import { mfaLevelSettings, type Client, type MfaLevel } from '../../clients/client.js';
import { clientView, createClient, deleteClient, findClient, listClients, rotateClientSecret, updateClient, type ClientUpdate } from '../../admin/clients.js';
import type { AdminCall, AdminRoute } from '../route.js';
import { Nullable } from '../schemas.js';
import { pageOf, pageQuery, paginate } from '../pagination.js';

const Uri = Type.String({ maxLength: 2000 });
const Ttl = Nullable(Type.Integer({ minimum: 1, description: 'seconds; null: the server default' }));
/** RFC 7591 member names, as `tessera client show --json` prints them. */
const Settings = {
  client_name: Type.String({ maxLength: 200 }),
  client_type: Type.Union([Type.Literal('confidential'), Type.Literal('public')]),
  application_type: Type.Union([Type.Literal('web'), Type.Literal('native')]),
  redirect_uris: Type.Array(Uri, { maxItems: 50 }),
  post_logout_redirect_uris: Type.Array(Uri, { maxItems: 50 }),
  grant_types: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 10 }),
  scope: Type.String({ maxLength: 4000, description: 'space-separated' }),
  token_endpoint_auth_method: Type.String({ maxLength: 50 }),
  require_mfa: Type.Boolean(),
  require_mfa_level: Type.Union([Type.Literal('off'), Type.Literal('on'), Type.Literal('phishing-resistant')], { description: 'phishing-resistant: a passkey; takes precedence over require_mfa' }),
  first_party: Type.Boolean(),
  default_api: Nullable(Type.String({ maxLength: 2000 })),
  attribute_claims: Type.Array(Type.String({ maxLength: 40 }), { maxItems: 32 }),
  id_token_signed_response_alg: Nullable(Type.String({ maxLength: 10 })),
  access_token_alg: Nullable(Type.String({ maxLength: 10 })),
  access_token_ttl: Ttl,
  id_token_ttl: Ttl,
  refresh_token_ttl: Ttl,
  refresh_token_absolute_ttl: Ttl,
  logo_uri: Uri,
  policy_uri: Uri,
  tos_uri: Uri,
  client_uri: Uri,
  contacts: Type.Array(Type.String({ maxLength: 320 }), { maxItems: 10 }),
  description: Type.String({ maxLength: 500 }),
};
const ClientCreate = Type.Object({ ...Type.Partial(Type.Object(Settings)).properties, client_name: Settings.client_name }, { additionalProperties: false });
const ClientPatch = Type.Partial(Type.Object({ ...Settings, disabled: Type.Boolean() }, { additionalProperties: false }));
const ClientSchema = Type.Object(
  { client_id: Type.String(), client_name: Type.String(), client_type: Type.String(), redirect_uris: Type.Array(Type.String()), grant_types: Type.Array(Type.String()), scope: Type.String(), disabled: Type.Boolean(), client_secret: Type.Optional(Type.String({ description: 'only when this call made it' })) },
  { additionalProperties: true },
);

/** The wire's RFC 7591 names to the core's input. */
function toInput(body: Record<string, unknown>): ClientUpdate {
  const input: Record<string, unknown> = {};
  const names: Record<string, string> = {
    client_name: 'name', client_type: 'type', application_type: 'applicationType', redirect_uris: 'redirectUris', post_logout_redirect_uris: 'postLogoutRedirectUris',
    grant_types: 'grantTypes', token_endpoint_auth_method: 'tokenEndpointAuthMethod', require_mfa: 'requireMfa', first_party: 'firstParty', default_api: 'defaultApi',
    attribute_claims: 'attributeClaims', id_token_signed_response_alg: 'idTokenAlg', access_token_alg: 'accessTokenAlg', disabled: 'disabled',
  };
  for (const [wire, field] of Object.entries(names)) if (body[wire] !== undefined) input[field] = body[wire];
  // The level says more than the boolean: when both are sent, the level decides.
  if (typeof body['require_mfa_level'] === 'string') Object.assign(input, mfaLevelSettings(body['require_mfa_level'] as MfaLevel));
  if (typeof body['scope'] === 'string') input['scopes'] = body['scope'].split(' ').filter((s) => s !== '');
  const lifetimes: Record<string, number | null> = {};
  for (const [wire, field] of [['access_token_ttl', 'accessToken'], ['id_token_ttl', 'idToken'], ['refresh_token_ttl', 'refreshToken'], ['refresh_token_absolute_ttl', 'refreshTokenAbsolute']] as const) {
    if (body[wire] !== undefined) lifetimes[field] = body[wire] as number | null;
  }
  if (Object.keys(lifetimes).length > 0) input['lifetimes'] = lifetimes;
  const extras: Record<string, unknown> = {};
  for (const name of ['logo_uri', 'policy_uri', 'tos_uri', 'client_uri', 'contacts', 'description']) if (body[name] !== undefined) extras[name] = body[name];
  if (Object.keys(extras).length > 0) input['extras'] = extras;
  return input as ClientUpdate;
}

/** The client as RFC 7591 names it, with the version its ETag (and an If-Match write) stands for. */
const resource = (client: Client, secret?: string): Record<string, unknown> => ({ ...clientView(client, secret), version: client.version });
const show = async ({ admin, params }: AdminCall) => resource(await findClient(admin.stores, params['id']!));

export const clientRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/clients', operationId: 'listClients', summary: 'List clients (applications)', tag: 'Clients', write: false,
    query: Type.Object(pageQuery, { additionalProperties: false }), response: pageOf(ClientSchema),
    handle: async ({ admin, query }) => ({ body: paginate((await listClients(admin.stores)).map((c) => resource(c)), (c) => String(c['client_id']), query) }),
  },
  {
    method: 'POST', path: '/clients', operationId: 'createClient', summary: 'Register a client; a confidential one gets its secret in this answer only', tag: 'Clients', write: true, status: 201,
    body: ClientCreate, response: ClientSchema,
    handle: async ({ admin, body }) => {
      const { client, secret } = await createClient(admin, toInput(body as Record<string, unknown>));
      return { body: resource(client, secret), location: `/clients/${client.clientId}` };
    },
  },
  { method: 'GET', path: '/clients/{id}', operationId: 'getClient', summary: 'Show a client (never its secret)', tag: 'Clients', write: false, etag: true, response: ClientSchema, handle: async (call) => ({ body: await show(call) }) },
  {
    method: 'PATCH', path: '/clients/{id}', operationId: 'updateClient', summary: 'Change a client; disabled: true revokes its consents and tokens', tag: 'Clients', write: true,
    body: ClientPatch, response: ClientSchema, current: show,
    handle: async ({ admin, params, body, expectedVersion }) => {
      const { client, secret } = await updateClient(admin, params['id']!, toInput(body as Record<string, unknown>), expectedVersion === undefined ? {} : { expectedVersion });
      return { body: resource(client, secret) };
    },
  },
  {
    method: 'POST', path: '/clients/{id}/secret', operationId: 'rotateClientSecret', summary: 'Replace the secret; the old one stops at once; the new one is in this answer only', tag: 'Clients', write: true, response: ClientSchema, current: show,
    handle: async ({ admin, params }) => {
      const { client, secret } = await rotateClientSecret(admin, params['id']!);
      return { body: resource(client, secret) };
    },
  },
  {
    method: 'DELETE', path: '/clients/{id}', operationId: 'deleteClient', summary: 'Delete a client: its consents and tokens are revoked at once', tag: 'Clients', write: true, status: 204, current: show,
    handle: async ({ admin, params }) => {
      await deleteClient(admin, params['id']!);
      return {};
    },
  },
];
