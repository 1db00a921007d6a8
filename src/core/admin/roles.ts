import type { ApiRecord, RoleHolder, RoleRecord, Stores } from '../../store/ports.js';
import { AccessInputError, AccessNotFoundError, buildRole, checkedDescription, checkedRoleScopes } from '../access/access-input.js';
import { findApi } from './apis.js';
import { findGroup } from './groups.js';
import { findUser } from './users.js';
import type { AdminContext } from './context.js';

/** Managing roles: one function per operation, for the CLI and the admin API to come. */

/** A role by name, of an API (its identifier or name) or global (api undefined). */
export interface RoleRef {
  api?: string;
  name: string;
}

/** Who to grant a role to, as an operator names them. */
export type HolderRef = { user: string } | { group: string };

export interface RoleInput {
  description?: string;
  /** Replaces the list. */
  scopes?: string[];
}

const label = (role: RoleRecord, api: ApiRecord | undefined) => (api ? `${api.identifier}#${role.name}` : role.name);

async function apiOf(stores: Stores, ref: RoleRef): Promise<ApiRecord | undefined> {
  return ref.api === undefined ? undefined : findApi(stores, ref.api);
}

export async function findRole(stores: Stores, ref: RoleRef): Promise<{ role: RoleRecord; api: ApiRecord | undefined }> {
  const api = await apiOf(stores, ref);
  const role = await stores.roles.find(api?.id ?? null, ref.name);
  if (!role) throw new AccessNotFoundError(api ? `API '${api.identifier}' has no role '${ref.name}'` : `no global role '${ref.name}'`);
  return { role, api };
}

/**
 * A role an API's `roles` claim would confuse with `role`: for a global role, any API's role of the
 * same name (ignoring case); for an API's role, a global one. Roles of different APIs never meet in
 * one claim, so they may share names.
 */
async function crossOwnerTwin(stores: Stores, role: RoleRecord): Promise<string | undefined> {
  const key = role.name.toLowerCase();
  const others = await stores.roles.list(role.apiId === null ? undefined : null);
  const twin = others.find((r) => r.id !== role.id && (r.apiId === null) !== (role.apiId === null) && r.name.toLowerCase() === key);
  if (!twin) return undefined;
  if (twin.apiId === null) return `the global role '${twin.name}'`;
  const api = await stores.apis.findById(twin.apiId);
  return `the role '${twin.name}' of API '${api?.identifier ?? twin.apiId}'`;
}

export async function createRole(admin: AdminContext, ref: RoleRef, input: RoleInput): Promise<RoleRecord> {
  const api = await apiOf(admin.stores, ref);
  const scopes = checkedRoleScopes(input.scopes ?? [], api, api ? [] : await admin.stores.apis.list());
  const role = buildRole({ name: ref.name, ...(input.description !== undefined ? { description: input.description } : {}), scopes }, api, admin.now);
  if (!(await admin.stores.roles.create(role))) {
    throw new AccessInputError(api ? `API '${api.identifier}' has a role '${ref.name}' already (or was deleted)` : `a global role '${ref.name}' exists already`);
  }
  // Checked after writing, so two creations racing cannot both miss each other: the later check sees
  // the other role, and its role is taken back (at worst both are, and the operator tries again).
  const twin = await crossOwnerTwin(admin.stores, role);
  if (twin) {
    await admin.stores.roles.delete(role.id);
    throw new AccessInputError(`'${ref.name}' is taken by ${twin}: a global role and an API's role cannot share a name, or the API's roles claim would not tell them apart`);
  }
  await admin.audit({ type: 'role.created', reason: label(role, api) });
  return role;
}

export async function updateRole(admin: AdminContext, ref: RoleRef, input: RoleInput): Promise<RoleRecord> {
  const { role, api } = await findRole(admin.stores, ref);
  const changes: { description?: string; scopes?: string[] } = {};
  if (input.description !== undefined) changes.description = checkedDescription(input.description);
  if (input.scopes !== undefined) changes.scopes = checkedRoleScopes(input.scopes, api, api ? [] : await admin.stores.apis.list());
  if (!(await admin.stores.roles.update(role.id, changes, admin.now))) throw new AccessNotFoundError(`role '${ref.name}' is gone`);
  await admin.audit({ type: 'role.changed', reason: label(role, api) });
  return { ...role, ...changes, updatedAt: admin.now };
}

/** Deletes a role and every grant of it; its holders lose it from their next token on. */
export async function deleteRole(admin: AdminContext, ref: RoleRef): Promise<void> {
  const { role, api } = await findRole(admin.stores, ref);
  if (!(await admin.stores.roles.delete(role.id))) throw new AccessNotFoundError(`role '${ref.name}' is gone`);
  await admin.audit({ type: 'role.deleted', reason: label(role, api) });
}

async function holderOf(stores: Stores, ref: HolderRef): Promise<{ holder: RoleHolder; userId: string | null; username: string | null; shown: string }> {
  if ('user' in ref) {
    const user = await findUser(stores, ref.user);
    return { holder: { kind: 'user', id: user.id }, userId: user.id, username: user.username, shown: `user ${user.username}` };
  }
  const group = await findGroup(stores, ref.group);
  return { holder: { kind: 'group', id: group.id }, userId: null, username: null, shown: `group ${group.name}` };
}

export async function grantRole(admin: AdminContext, ref: RoleRef, to: HolderRef): Promise<{ granted: boolean }> {
  const [{ role, api }, who] = await Promise.all([findRole(admin.stores, ref), holderOf(admin.stores, to)]);
  const granted = await admin.stores.roles.grant(role.id, who.holder, admin.now);
  if (granted) await admin.audit({ type: 'role.granted', userId: who.userId, username: who.username, reason: `${label(role, api)} to ${who.shown}` });
  return { granted };
}

export async function revokeRole(admin: AdminContext, ref: RoleRef, from: HolderRef): Promise<{ revoked: boolean }> {
  const [{ role, api }, who] = await Promise.all([findRole(admin.stores, ref), holderOf(admin.stores, from)]);
  const revoked = await admin.stores.roles.revoke(role.id, who.holder);
  if (revoked) await admin.audit({ type: 'role.revoked', userId: who.userId, username: who.username, reason: `${label(role, api)} from ${who.shown}` });
  return { revoked };
}

export function roleView(role: RoleRecord, api: ApiRecord | undefined): Record<string, unknown> {
  return {
    name: role.name,
    api: api?.identifier ?? null,
    description: role.description,
    scopes: role.scopes,
    created_at: new Date(role.createdAt * 1000).toISOString(),
  };
}

/** Roles of one API, the global ones (`api` null), or all (`api` undefined). */
export async function listRoles(stores: Stores, api?: string | null): Promise<Record<string, unknown>[]> {
  const only = api === undefined || api === null ? undefined : await findApi(stores, api);
  const [roles, apis] = await Promise.all([stores.roles.list(only ? only.id : api === null ? null : undefined), stores.apis.list()]);
  return roles.map((r) => roleView(r, apis.find((a) => a.id === r.apiId)));
}

/** A role with who holds it (users by username, groups by name). */
export async function describeRole(stores: Stores, ref: RoleRef): Promise<Record<string, unknown>> {
  const { role, api } = await findRole(stores, ref);
  const holders = await stores.roles.holders(role.id);
  const groups = holders.some((h) => h.kind === 'group') ? await stores.groups.list() : [];
  const users = await Promise.all(holders.filter((h) => h.kind === 'user').map(async (h) => (await stores.users.findById(h.id))?.username ?? h.id));
  return { ...roleView(role, api), users, groups: holders.filter((h) => h.kind === 'group').map((h) => groups.find((g) => g.id === h.id)?.name ?? h.id) };
}
