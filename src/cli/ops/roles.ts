import { AccessNotFoundError } from '../../core/access/access-input.js';
import { createRole, deleteRole, describeRole, grantRole, listRoles, revokeRole, roleView, updateRole, type HolderRef, type RoleInput, type RoleRef } from '../../core/admin/roles.js';
import { findApi } from '../../core/admin/apis.js';
import type { Operations } from '../store-options.js';
import { seg, type AdminHttp } from '../remote/admin-http.js';
import { orderBy, without } from './order.js';
import { remoteApi } from './apis.js';
import { groupId } from './groups.js';
import { remoteSub } from './users.js';

type View = Record<string, unknown>;

/** What `tessera role …` and `tessera api role …` do, against a store or a running server. */
export interface RoleOperations {
  create(ref: RoleRef, input: RoleInput): Promise<View>;
  /** The role changed, with who holds it. */
  update(ref: RoleRef, input: RoleInput): Promise<View>;
  delete(ref: RoleRef): Promise<void>;
  /** The role, with who holds it (users by username, groups by name). */
  show(ref: RoleRef): Promise<View>;
  grant(ref: RoleRef, to: HolderRef): Promise<{ granted: boolean }>;
  revoke(ref: RoleRef, from: HolderRef): Promise<{ revoked: boolean }>;
  /** All roles (undefined), the global ones (null), or one API's. */
  list(api: string | null | undefined): Promise<View[]>;
}

const shown = (view: View) => without(view, 'id', 'api_id');

/** A role of the server, found as the store finds it: by owner, and name whatever its case. */
async function remoteRole(api: AdminHttp, ref: RoleRef): Promise<View> {
  const owner = ref.api === undefined ? undefined : await remoteApi(api, ref.api);
  const roles = await api.all('/roles', { api_id: owner ? String(owner['id']) : 'global' });
  const role = roles.find((r) => String(r['name']).toLowerCase() === ref.name.toLowerCase());
  if (!role) throw new AccessNotFoundError(owner ? `API '${String(owner['identifier'])}' has no role '${ref.name}'` : `no global role '${ref.name}'`);
  return role;
}

async function describedRemotely(api: AdminHttp, id: string): Promise<View> {
  const [role, holders] = await Promise.all([api.get(`/roles/${seg(id)}`), api.get<{ users: string[]; groups: string[] }>(`/roles/${seg(id)}/holders`)]);
  const groups = holders.groups.length > 0 ? await api.all('/groups') : [];
  const users = await Promise.all(holders.users.map(async (sub) => String((await api.find(`/users/${seg(sub)}`))?.['username'] ?? sub)));
  return { ...shown(role), users, groups: holders.groups.map((g) => String(groups.find((x) => x['id'] === g)?.['name'] ?? g)) };
}

async function holderPath(api: AdminHttp, holder: HolderRef): Promise<string> {
  return 'user' in holder ? `users/${seg(await remoteSub(api, holder.user))}` : `groups/${seg(await groupId(api, holder.group))}`;
}

export const roleOperations: Operations<RoleOperations> = {
  local: (admin) => ({
    create: async (ref, input) => roleView(await createRole(admin, ref, input), ref.api === undefined ? undefined : await findApi(admin.stores, ref.api)),
    update: async (ref, input) => {
      await updateRole(admin, ref, input);
      return describeRole(admin.stores, ref);
    },
    delete: (ref) => deleteRole(admin, ref),
    show: (ref) => describeRole(admin.stores, ref),
    grant: (ref, to) => grantRole(admin, ref, to),
    revoke: (ref, from) => revokeRole(admin, ref, from),
    list: (api) => listRoles(admin.stores, api),
  }),
  remote: (api) => ({
    create: async (ref, input) => {
      const owner = ref.api === undefined ? undefined : await remoteApi(api, ref.api);
      return shown(await api.post('/roles', { name: ref.name, ...(owner ? { api_id: owner['id'] } : {}), ...input }));
    },
    update: async (ref, input) => {
      const id = String((await remoteRole(api, ref))['id']);
      await api.patch(`/roles/${seg(id)}`, input);
      return describedRemotely(api, id);
    },
    delete: async (ref) => {
      await api.delete(`/roles/${seg(String((await remoteRole(api, ref))['id']))}`);
    },
    show: async (ref) => describedRemotely(api, String((await remoteRole(api, ref))['id'])),
    grant: async (ref, to) => {
      const [role, holder] = await Promise.all([remoteRole(api, ref), holderPath(api, to)]);
      return { granted: (await api.put<{ changed: boolean }>(`/roles/${seg(String(role['id']))}/${holder}`)).changed };
    },
    revoke: async (ref, from) => {
      const [role, holder] = await Promise.all([remoteRole(api, ref), holderPath(api, from)]);
      return { revoked: (await api.delete<{ changed: boolean }>(`/roles/${seg(String(role['id']))}/${holder}`)).changed };
    },
    list: async (only) => {
      const apiId = only === undefined ? undefined : only === null ? 'global' : String((await remoteApi(api, only))['id']);
      const roles = await api.all('/roles', apiId === undefined ? {} : { api_id: apiId });
      // The store's order: by owner (global roles as '*'), then name.
      return orderBy(roles, (r) => (r['api_id'] === null ? '*' : String(r['api_id'])), (r) => String(r['name']).toLowerCase()).map(shown);
    },
  }),
};
