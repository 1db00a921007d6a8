import { Type } from '@sinclair/typebox';
import { addProvider, listProviders, removeProvider, setProviderEnabled, showProvider, testProvider, updateProvider } from '../../admin/identity-providers.js';
import { providerView, type ProviderInput } from '../../federation/providers.js';
import type { IdentityProviderRecord } from '../../../store/ports.js';
import type { AdminCall, AdminRoute } from '../route.js';
import { pageOf, pageQuery, paginate } from '../pagination.js';
import { Nullable } from '../schemas.js';

/** The settings of each kind, typed here and checked further by the core (the rules of `tessera idp add|update`). */
const Text = (maxLength = 2000) => Type.String({ maxLength });
const Scopes = Type.Array(Text(200), { maxItems: 20 });
const LdapSettings = Type.Partial(
  Type.Object(
    {
      url: Text(),
      startTls: Type.Boolean(),
      caFile: Type.Union([Text(), Type.Null()]),
      bindDn: Text(),
      userBase: Text(),
      userFilter: Text(),
      preset: Type.Union([Type.Literal('openldap'), Type.Literal('ad')]),
      attributes: Type.Partial(Type.Object({ id: Text(100), username: Text(100), email: Text(100), name: Text(100), groups: Text(100) }, { additionalProperties: false })),
      groupSearch: Type.Union([Type.Object({ base: Text(), filter: Text() }, { additionalProperties: false }), Type.Null()]),
      timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
    },
    { additionalProperties: false },
  ),
);
const OidcSettings = Type.Partial(Type.Object({ issuer: Text(), clientId: Text(500), scopes: Scopes }, { additionalProperties: false }));
const OAuth2Settings = Type.Partial(
  Type.Object(
    {
      preset: Text(40),
      authorizationEndpoint: Text(),
      tokenEndpoint: Text(),
      userEndpoint: Text(),
      clientId: Text(500),
      scopes: Scopes,
      mapping: Type.Partial(Type.Object({ subject: Text(200), username: Text(200), email: Text(200), emailVerified: Type.Union([Text(200), Type.Null()]), name: Text(200) }, { additionalProperties: false })),
    },
    { additionalProperties: false },
  ),
);
const Common = {
  display_name: Type.String({ maxLength: 100 }),
  priority: Type.Integer({ minimum: 0, maximum: 1000 }),
  domains: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 50 }),
  secret: Type.String({ maxLength: 4096, description: 'bind password (LDAP) or client secret; write-only, sealed at rest' }),
  trust_email: Type.Boolean(),
  ldap: LdapSettings,
  oidc: OidcSettings,
  oauth2: OAuth2Settings,
};
const ProviderCreate = Type.Object(
  { name: Type.String({ maxLength: 64 }), kind: Type.Union([Type.Literal('ldap'), Type.Literal('oidc'), Type.Literal('oauth2')]), ...Type.Partial(Type.Object(Common)).properties },
  { additionalProperties: false },
);
const ProviderPatch = Type.Partial(Type.Object({ ...Common, secret: Type.Union([Common.secret, Type.Null()]) }, { additionalProperties: false }));
const ProviderSchema = Type.Object(
  { name: Type.String(), kind: Type.String(), display_name: Type.String(), enabled: Type.Boolean(), priority: Type.Integer(), domains: Type.Array(Type.String()), has_secret: Type.Boolean(), redirect_uri: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

function toInput(body: Record<string, unknown>): ProviderInput {
  const input: Record<string, unknown> = {};
  const names: Record<string, string> = { name: 'name', kind: 'kind', display_name: 'displayName', priority: 'priority', domains: 'domains', secret: 'secret', trust_email: 'trustEmail', ldap: 'ldap', oidc: 'oidc', oauth2: 'oauth2' };
  for (const [wire, field] of Object.entries(names)) if (body[wire] !== undefined) input[field] = body[wire];
  return input as ProviderInput;
}

const ProviderTestSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Optional(Type.String({ description: 'what was checked, when ok' })),
  entry: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'the directory entry a sign-in as username would map (LDAP, with username); null: none found' }))),
  problem: Type.Optional(Type.String({ description: 'why the check failed, when not ok' })),
});

const view = (call: AdminCall, record: IdentityProviderRecord) => providerView(record, call.ctx.config.issuer);
const show = async (call: AdminCall) => view(call, await showProvider(call.admin.stores, call.params['name']!));

export const identityProviderRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/identity-providers', operationId: 'listIdentityProviders', summary: 'List upstream identity providers (directories, OpenID and OAuth 2.0 providers)', tag: 'Identity providers', write: false,
    query: Type.Object(pageQuery, { additionalProperties: false }), response: pageOf(ProviderSchema),
    handle: async (call) => ({ body: paginate((await listProviders(call.admin.stores)).map((r) => view(call, r)), (p) => String(p['name']), call.query) }),
  },
  {
    method: 'POST', path: '/identity-providers', operationId: 'createIdentityProvider', summary: 'Add an identity provider', tag: 'Identity providers', write: true, status: 201,
    body: ProviderCreate, response: ProviderSchema,
    handle: async (call) => {
      const record = await addProvider(call.admin, toInput(call.body as Record<string, unknown>));
      return { body: view(call, record), location: `/identity-providers/${encodeURIComponent(record.name)}` };
    },
  },
  { method: 'GET', path: '/identity-providers/{name}', operationId: 'getIdentityProvider', summary: 'Show an identity provider (never its secret)', tag: 'Identity providers', write: false, etag: true, response: ProviderSchema, handle: async (call) => ({ body: await show(call) }) },
  {
    method: 'PATCH', path: '/identity-providers/{name}', operationId: 'updateIdentityProvider', summary: 'Change an identity provider', tag: 'Identity providers', write: true,
    body: ProviderPatch, response: ProviderSchema, current: show,
    handle: async (call) => ({ body: view(call, await updateProvider(call.admin, call.params['name']!, toInput(call.body as Record<string, unknown>))) }),
  },
  {
    method: 'POST', path: '/identity-providers/{name}/enable', operationId: 'enableIdentityProvider', summary: 'Offer the provider on the login page', tag: 'Identity providers', write: true, response: ProviderSchema,
    current: show,
    handle: async (call) => ({ body: view(call, await setProviderEnabled(call.admin, call.params['name']!, true)) }),
  },
  {
    method: 'POST', path: '/identity-providers/{name}/disable', operationId: 'disableIdentityProvider', summary: 'Stop sign-ins through the provider', tag: 'Identity providers', write: true, response: ProviderSchema,
    current: show,
    handle: async (call) => ({ body: view(call, await setProviderEnabled(call.admin, call.params['name']!, false)) }),
  },
  {
    method: 'DELETE', path: '/identity-providers/{name}', operationId: 'deleteIdentityProvider', summary: "Remove a provider and its users' links to it (the users stay)", tag: 'Identity providers', write: true, status: 204, current: show,
    handle: async (call) => {
      await removeProvider(call.admin, call.params['name']!);
      return {};
    },
  },
  {
    method: 'POST', path: '/identity-providers/{name}/test', operationId: 'testIdentityProvider',
    summary: "Check a provider as a sign-in would use it: the directory's service bind (with username, the entry a sign-in would find, no password), or the upstream's metadata; ok false says why not",
    tag: 'Identity providers', write: true, response: ProviderTestSchema,
    body: Type.Object({ username: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
    // A write: it makes the server connect out with the provider's secret, and can read directory entries.
    handle: async ({ ctx, admin, params, body }) => ({ body: await testProvider(admin.stores, admin.pepper, ctx.federation.adapters, params['name']!, (body as { username?: string }).username) }),
  },
];
