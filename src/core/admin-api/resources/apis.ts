import { Type } from '@sinclair/typebox';
import type { ApiRecord, Stores } from '../../../store/ports.js';
import { apiView, type ApiInput } from '../../apis/apis.js';
import { ApiNotFoundError, createApi, deleteApi, updateApi } from '../../admin/apis.js';
import type { AdminCall, AdminRoute } from '../route.js';
import { Id, Nullable, Timestamp } from '../schemas.js';
import { pageOf, pageQuery, paginate } from '../pagination.js';

const Scope = Type.Object({ name: Type.String({ maxLength: 200 }), description: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
const Settings = {
  name: Type.String({ maxLength: 100 }),
  scopes: Type.Array(Scope, { maxItems: 100 }),
  access_token_ttl: Nullable(Type.Integer({ minimum: 1, description: 'seconds; null: the server default' })),
  access_token_alg: Nullable(Type.Union([Type.Literal('ES256'), Type.Literal('RS256')])),
  rbac: Type.Boolean(),
  introspection_clients: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 }),
};
const ApiCreate = Type.Object(
  { identifier: Type.String({ maxLength: 2000, description: 'absolute URI without fragment (RFC 8707); never changes' }), ...Type.Partial(Type.Object(Settings)).properties, name: Settings.name },
  { additionalProperties: false },
);
const ApiPatch = Type.Partial(Type.Object(Settings, { additionalProperties: false }));
export const ApiSchema = Type.Object({
  id: Id,
  identifier: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Scope),
  access_token_ttl: Nullable(Type.Integer()),
  access_token_alg: Nullable(Type.String()),
  rbac: Type.Boolean(),
  introspection_clients: Type.Array(Type.String()),
  created_at: Timestamp,
});

export const apiResource = (api: ApiRecord) => ({ id: api.id, ...apiView(api) });

/** An API by its id (the path's), never by a name a caller could confuse with another's. */
export async function apiById(stores: Stores, id: string): Promise<ApiRecord> {
  const api = await stores.apis.findById(id);
  if (!api) throw new ApiNotFoundError(id);
  return api;
}

function toInput(body: Record<string, unknown>): ApiInput {
  const input: ApiInput = {};
  if (body['identifier'] !== undefined) input.identifier = body['identifier'] as string;
  if (body['name'] !== undefined) input.name = body['name'] as string;
  if (body['scopes'] !== undefined) input.scopes = body['scopes'] as ApiInput['scopes'] & object;
  if (body['access_token_ttl'] !== undefined) input.accessTokenTtl = body['access_token_ttl'] as number | null;
  if (body['access_token_alg'] !== undefined) input.accessTokenAlg = body['access_token_alg'] as string | null;
  if (body['rbac'] !== undefined) input.rbac = body['rbac'] as boolean;
  if (body['introspection_clients'] !== undefined) input.introspectionClients = body['introspection_clients'] as string[];
  return input;
}

const show = async ({ admin, params }: AdminCall) => apiResource(await apiById(admin.stores, params['id']!));

export const apiRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/apis', operationId: 'listApis', summary: 'List APIs (resource servers)', tag: 'APIs', write: false,
    query: Type.Object({ ...pageQuery, identifier: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
    response: pageOf(ApiSchema),
    handle: async ({ admin, query }) => {
      const all = (await admin.stores.apis.list()).filter((a) => query['identifier'] === undefined || a.identifier === query['identifier']);
      return { body: paginate(all.map(apiResource), (a) => a.id, query) };
    },
  },
  {
    method: 'POST', path: '/apis', operationId: 'createApi', summary: 'Define an API', tag: 'APIs', write: true, status: 201,
    body: ApiCreate, response: ApiSchema,
    handle: async ({ admin, body }) => {
      const api = await createApi(admin, toInput(body as Record<string, unknown>));
      return { body: apiResource(api), location: `/apis/${api.id}` };
    },
  },
  { method: 'GET', path: '/apis/{id}', operationId: 'getApi', summary: 'Show an API', tag: 'APIs', write: false, etag: true, response: ApiSchema, handle: async (call) => ({ body: await show(call) }) },
  {
    method: 'PATCH', path: '/apis/{id}', operationId: 'updateApi', summary: 'Change an API; absent fields keep their value', tag: 'APIs', write: true,
    body: ApiPatch, response: ApiSchema, current: show,
    handle: async ({ admin, params, body }) => {
      const api = await apiById(admin.stores, params['id']!);
      return { body: apiResource(await updateApi(admin, api.identifier, toInput(body as Record<string, unknown>))) };
    },
  },
  {
    method: 'DELETE', path: '/apis/{id}', operationId: 'deleteApi', summary: 'Delete an API and its roles', tag: 'APIs', write: true, status: 204, current: show,
    handle: async ({ admin, params }) => {
      await deleteApi(admin, (await apiById(admin.stores, params['id']!)).identifier);
      return {};
    },
  },
];
