import { Type } from '@sinclair/typebox';
import type { GroupRecord, Stores } from '../../../store/ports.js';
import { AccessNotFoundError } from '../../access/access-input.js';
import { addGroupMember, createGroup, deleteGroup, describeGroup, groupView, removeGroupMember, updateGroup, type GroupInput } from '../../admin/groups.js';
import { userBySub } from './users.js';
import type { AdminCall, AdminRoute } from '../route.js';
import { Changed, Id, Timestamp } from '../schemas.js';
import { pageOf, pageQuery, paginate } from '../pagination.js';

const Mapping = Type.Object({ provider: Type.String({ maxLength: 100 }), group: Type.String({ maxLength: 1000 }) }, { additionalProperties: false });
const GroupCreate = Type.Object(
  { name: Type.String({ maxLength: 64 }), description: Type.Optional(Type.String({ maxLength: 500 })), mappings: Type.Optional(Type.Array(Mapping, { maxItems: 50 })) },
  { additionalProperties: false },
);
const GroupPatch = Type.Object({ description: Type.Optional(Type.String({ maxLength: 500 })), mappings: Type.Optional(Type.Array(Mapping, { maxItems: 50 })) }, { additionalProperties: false });
const GroupSchema = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.String(),
  mappings: Type.Array(Type.Object({ provider: Type.String(), group: Type.String() })),
  created_at: Timestamp,
});
const Member = Type.Object({ sub: Type.String(), username: Type.Union([Type.String(), Type.Null()]) });

/** A group by its id (the path's). */
export async function groupById(stores: Stores, id: string): Promise<GroupRecord> {
  const group = (await stores.groups.list()).find((g) => g.id === id);
  if (!group) throw new AccessNotFoundError(`no group with id '${id}'`);
  return group;
}

const input = (body: { description?: string; mappings?: { provider: string; group: string }[] }): GroupInput => ({
  ...(body.description !== undefined ? { description: body.description } : {}),
  ...(body.mappings !== undefined ? { mappings: body.mappings } : {}),
});

async function show({ admin, params }: AdminCall) {
  const group = await groupById(admin.stores, params['id']!);
  return { id: group.id, ...groupView(group, await admin.stores.identityProviders.list()) };
}

export const groupRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/groups', operationId: 'listGroups', summary: 'List groups', tag: 'Groups', write: false,
    query: Type.Object(pageQuery, { additionalProperties: false }), response: pageOf(GroupSchema),
    handle: async ({ admin, query }) => {
      const [groups, providers] = await Promise.all([admin.stores.groups.list(), admin.stores.identityProviders.list()]);
      return { body: paginate(groups.map((g) => ({ id: g.id, ...groupView(g, providers) })), (g) => g.id, query) };
    },
  },
  {
    method: 'POST', path: '/groups', operationId: 'createGroup', summary: 'Create a group', tag: 'Groups', write: true, status: 201,
    body: GroupCreate, response: GroupSchema,
    handle: async (call) => {
      const body = call.body as { name: string; description?: string; mappings?: { provider: string; group: string }[] };
      const group = await createGroup(call.admin, body.name, input(body));
      return { body: await show({ ...call, params: { id: group.id } }), location: `/groups/${group.id}` };
    },
  },
  { method: 'GET', path: '/groups/{id}', operationId: 'getGroup', summary: 'Show a group', tag: 'Groups', write: false, etag: true, response: GroupSchema, handle: async (call) => ({ body: await show(call) }) },
  {
    method: 'PATCH', path: '/groups/{id}', operationId: 'updateGroup', summary: "Change a group's description or provider mappings", tag: 'Groups', write: true,
    body: GroupPatch, response: GroupSchema, current: show,
    handle: async (call) => {
      await updateGroup(call.admin, (await groupById(call.admin.stores, call.params['id']!)).name, input(call.body as GroupInput & object));
      return { body: await show(call) };
    },
  },
  {
    method: 'DELETE', path: '/groups/{id}', operationId: 'deleteGroup', summary: 'Delete a group (its members lose the roles it gave)', tag: 'Groups', write: true, status: 204, current: show,
    handle: async ({ admin, params }) => {
      await deleteGroup(admin, (await groupById(admin.stores, params['id']!)).name);
      return {};
    },
  },
  {
    method: 'GET', path: '/groups/{id}/members', operationId: 'listGroupMembers', summary: 'List the members added to a group', tag: 'Groups', write: false,
    query: Type.Object(pageQuery, { additionalProperties: false }), response: pageOf(Member),
    handle: async ({ admin, params, query }) => {
      const described = await describeGroup(admin.stores, (await groupById(admin.stores, params['id']!)).name);
      return { body: paginate(described['members'] as { sub: string; username: string | null }[], (m) => m.sub, query) };
    },
  },
  {
    method: 'PUT', path: '/groups/{id}/members/{sub}', operationId: 'addGroupMember', summary: 'Add a user to a group', tag: 'Groups', write: true, response: Changed,
    handle: async ({ admin, params }) => {
      const [group, user] = await Promise.all([groupById(admin.stores, params['id']!), userBySub(admin.stores, params['sub']!)]);
      return { body: { changed: (await addGroupMember(admin, group.name, user.id)).added } };
    },
  },
  {
    method: 'DELETE', path: '/groups/{id}/members/{sub}', operationId: 'removeGroupMember', summary: 'Remove a user from a group', tag: 'Groups', write: true, response: Changed,
    handle: async ({ admin, params }) => {
      const [group, user] = await Promise.all([groupById(admin.stores, params['id']!), userBySub(admin.stores, params['sub']!)]);
      return { body: { changed: (await removeGroupMember(admin, group.name, user.id)).removed } };
    },
  },
];
