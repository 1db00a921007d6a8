import { Type } from '@sinclair/typebox';
import type { ApiRecord, RoleRecord, Stores } from '../../../store/ports.js';
import { AccessNotFoundError } from '../../access/access-input.js';
import { createRole, deleteRole, grantRole, revokeRole, roleView, updateRole, type RoleRef } from '../../admin/roles.js';
import type { AdminCall, AdminRoute } from '../route.js';
import { Changed, Id, Nullable, Timestamp } from '../schemas.js';
import { pageOf, pageQuery, paginate } from '../pagination.js';
import { apiById } from './apis.js';
import { groupById } from './groups.js';
import { userBySub } from './users.js';

const RoleCreate = Type.Object(
  {
    name: Type.String({ maxLength: 64 }),
    api_id: Type.Optional(Nullable(Type.String({ maxLength: 200, description: "the API's id; absent or null: a global role" }))),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
const RolePatch = Type.Object({ description: Type.Optional(Type.String({ maxLength: 500 })), scopes: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 })) }, { additionalProperties: false });
const RoleSchema = Type.Object({ id: Id, name: Type.String(), api: Nullable(Type.String()), api_id: Nullable(Type.String()), description: Type.String(), scopes: Type.Array(Type.String()), created_at: Timestamp });
const Holders = Type.Object({ users: Type.Array(Type.String(), { description: 'subs' }), groups: Type.Array(Type.String(), { description: 'group ids' }) });

async function roleById(stores: Stores, id: string): Promise<{ role: RoleRecord; api: ApiRecord | undefined; ref: RoleRef }> {
  const role = (await stores.roles.list()).find((r) => r.id === id);
  if (!role) throw new AccessNotFoundError(`no role with id '${id}'`);
  const api = role.apiId === null ? undefined : await apiById(stores, role.apiId);
  return { role, api, ref: api ? { api: api.identifier, name: role.name } : { name: role.name } };
}

const resource = (role: RoleRecord, api: ApiRecord | undefined) => ({ id: role.id, ...roleView(role, api), api_id: role.apiId });

async function show({ admin, params }: AdminCall) {
  const { role, api } = await roleById(admin.stores, params['id']!);
  return resource(role, api);
}

type Holder = { user: string } | { group: string };
async function holder(call: AdminCall): Promise<Holder> {
  if (call.params['kind'] === 'users') return { user: (await userBySub(call.admin.stores, call.params['holder']!)).id };
  return { group: (await groupById(call.admin.stores, call.params['holder']!)).name };
}

const holderPath = '/roles/{id}/{kind}/{holder}';
const holderCheck = (call: AdminCall) => {
  if (call.params['kind'] !== 'users' && call.params['kind'] !== 'groups') throw new AccessNotFoundError('roles are held by users or groups');
};

export const roleRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/roles', operationId: 'listRoles', summary: "List roles: all, the global ones (api_id=global), or one API's", tag: 'Roles', write: false,
    query: Type.Object({ ...pageQuery, api_id: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }), response: pageOf(RoleSchema),
    handle: async ({ admin, query }) => {
      const only = query['api_id'];
      const apiId = only === undefined ? undefined : only === 'global' ? null : (await apiById(admin.stores, only as string)).id;
      const [roles, apis] = await Promise.all([admin.stores.roles.list(apiId), admin.stores.apis.list()]);
      return { body: paginate(roles.map((r) => resource(r, apis.find((a) => a.id === r.apiId))), (r) => r.id, query) };
    },
  },
  {
    method: 'POST', path: '/roles', operationId: 'createRole', summary: 'Define a role of an API, or a global one', tag: 'Roles', write: true, status: 201,
    body: RoleCreate, response: RoleSchema,
    handle: async ({ admin, body }) => {
      const input = body as { name: string; api_id?: string | null; description?: string; scopes?: string[] };
      const api = input.api_id ? await apiById(admin.stores, input.api_id) : undefined;
      const role = await createRole(admin, api ? { api: api.identifier, name: input.name } : { name: input.name }, {
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
      });
      return { body: resource(role, api), location: `/roles/${role.id}` };
    },
  },
  { method: 'GET', path: '/roles/{id}', operationId: 'getRole', summary: 'Show a role', tag: 'Roles', write: false, etag: true, response: RoleSchema, handle: async (call) => ({ body: await show(call) }) },
  {
    method: 'PATCH', path: '/roles/{id}', operationId: 'updateRole', summary: "Change a role's description or scopes", tag: 'Roles', write: true,
    body: RolePatch, response: RoleSchema, current: show,
    handle: async (call) => {
      const { ref, api } = await roleById(call.admin.stores, call.params['id']!);
      return { body: resource(await updateRole(call.admin, ref, call.body as { description?: string; scopes?: string[] }), api) };
    },
  },
  {
    method: 'DELETE', path: '/roles/{id}', operationId: 'deleteRole', summary: 'Delete a role and every grant of it', tag: 'Roles', write: true, status: 204, current: show,
    handle: async ({ admin, params }) => {
      await deleteRole(admin, (await roleById(admin.stores, params['id']!)).ref);
      return {};
    },
  },
  {
    method: 'GET', path: '/roles/{id}/holders', operationId: 'listRoleHolders', summary: 'Who holds a role: users (by sub) and groups (by id) it is granted to', tag: 'Roles', write: false, response: Holders,
    handle: async ({ admin, params }) => {
      const holders = await admin.stores.roles.holders((await roleById(admin.stores, params['id']!)).role.id);
      return { body: { users: holders.filter((h) => h.kind === 'user').map((h) => h.id), groups: holders.filter((h) => h.kind === 'group').map((h) => h.id) } };
    },
  },
  {
    method: 'PUT', path: holderPath, operationId: 'grantRole', summary: 'Grant a role to a user (kind users, by sub) or a group (kind groups, by id)', tag: 'Roles', write: true, response: Changed,
    handle: async (call) => {
      holderCheck(call);
      const { ref } = await roleById(call.admin.stores, call.params['id']!);
      return { body: { changed: (await grantRole(call.admin, ref, await holder(call))).granted } };
    },
  },
  {
    method: 'DELETE', path: holderPath, operationId: 'revokeRole', summary: 'Take a role back from a user or a group', tag: 'Roles', write: true, response: Changed,
    handle: async (call) => {
      holderCheck(call);
      const { ref } = await roleById(call.admin.stores, call.params['id']!);
      return { body: { changed: (await revokeRole(call.admin, ref, await holder(call))).revoked } };
    },
  },
];
