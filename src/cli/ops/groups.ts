import { AccessNotFoundError } from '../../core/access/access-input.js';
import { addGroupMember, createGroup, deleteGroup, describeGroup, groupView, removeGroupMember, updateGroup, type GroupInput } from '../../core/admin/groups.js';
import type { Operations } from '../store-options.js';
import { seg, type AdminHttp } from '../remote/admin-http.js';
import { orderBy, without } from './order.js';
import { remoteSub } from './users.js';

type View = Record<string, unknown>;
type Member = { sub: string; username: string | null };

/** What `tessera group …` does, against a store or a running server. Groups are named by name. */
export interface GroupOperations {
  create(name: string, input: GroupInput): Promise<View>;
  update(name: string, input: GroupInput): Promise<View>;
  list(): Promise<View[]>;
  /** The group and its members. */
  show(name: string): Promise<View>;
  delete(name: string): Promise<void>;
  addMember(name: string, user: string): Promise<{ added: boolean }>;
  removeMember(name: string, user: string): Promise<{ removed: boolean }>;
}

/** Members by username (then sub): the admin API pages them by sub, the store by when they joined; people read names. */
const byName = (members: Member[]) => orderBy(members, (m) => (m.username ?? '').toLowerCase(), (m) => m.sub);

async function describedLocally(stores: Parameters<typeof describeGroup>[0], name: string): Promise<View> {
  const described = await describeGroup(stores, name);
  return { ...described, members: byName(described['members'] as Member[]) };
}

/** A group's id, found by its name (names are unique whatever their case). */
export async function groupId(api: AdminHttp, name: string): Promise<string> {
  const group = (await api.all('/groups')).find((g) => String(g['name']).toLowerCase() === name.toLowerCase());
  if (!group) throw new AccessNotFoundError(`no group '${name}'`);
  return String(group['id']);
}

async function describedRemotely(api: AdminHttp, id: string): Promise<View> {
  const [group, members] = await Promise.all([api.get(`/groups/${seg(id)}`), api.all<Member>(`/groups/${seg(id)}/members`)]);
  return { ...without(group, 'id'), members: byName(members) };
}

const wire = (input: GroupInput): View => ({
  ...(input.description !== undefined ? { description: input.description } : {}),
  ...(input.mappings !== undefined ? { mappings: input.mappings } : {}),
});

export const groupOperations: Operations<GroupOperations> = {
  local: (admin) => ({
    create: async (name, input) => {
      await createGroup(admin, name, input);
      return describedLocally(admin.stores, name);
    },
    update: async (name, input) => {
      await updateGroup(admin, name, input);
      return describedLocally(admin.stores, name);
    },
    list: async () => {
      const [groups, providers] = await Promise.all([admin.stores.groups.list(), admin.stores.identityProviders.list()]);
      return groups.map((g) => groupView(g, providers));
    },
    show: (name) => describedLocally(admin.stores, name),
    delete: (name) => deleteGroup(admin, name),
    addMember: (name, user) => addGroupMember(admin, name, user),
    removeMember: (name, user) => removeGroupMember(admin, name, user),
  }),
  remote: (api) => ({
    create: async (name, input) => {
      const created = await api.post('/groups', { name, ...wire(input) });
      return describedRemotely(api, String(created['id']));
    },
    update: async (name, input) => {
      const id = await groupId(api, name);
      await api.patch(`/groups/${seg(id)}`, wire(input));
      return describedRemotely(api, id);
    },
    list: async () => orderBy(await api.all('/groups'), (g) => String(g['name']).toLowerCase()).map((g) => without(g, 'id')),
    show: async (name) => describedRemotely(api, await groupId(api, name)),
    delete: async (name) => {
      await api.delete(`/groups/${seg(await groupId(api, name))}`);
    },
    addMember: async (name, user) => {
      const [id, sub] = await Promise.all([groupId(api, name), remoteSub(api, user)]);
      return { added: (await api.put<{ changed: boolean }>(`/groups/${seg(id)}/members/${seg(sub)}`)).changed };
    },
    removeMember: async (name, user) => {
      const [id, sub] = await Promise.all([groupId(api, name), remoteSub(api, user)]);
      return { removed: (await api.delete<{ changed: boolean }>(`/groups/${seg(id)}/members/${seg(sub)}`)).changed };
    },
  }),
};
