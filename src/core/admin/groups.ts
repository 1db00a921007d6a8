import type { GroupChanges, GroupMapping, GroupRecord, Stores } from '../../store/ports.js';
import { AccessInputError, AccessNotFoundError, buildGroup, checkedDescription, checkedGroupName, checkedMappings } from '../access/access-input.js';
import type { AdminContext } from './context.js';
import { findUser } from './users.js';

/** Managing groups: one function per operation, for the CLI, the admin API, SCIM and the console. */

/** A group name another group holds already (case-insensitively): SCIM answers 409 uniqueness. */
export class GroupNameTakenError extends AccessInputError {
  override name = 'GroupNameTakenError';
  constructor(name: string) {
    super(`a group named '${name}' exists already`);
  }
}

/** A provisioning client's id for the group: text up to 255 characters. */
function checkedExternalId(externalId: string | null): string | null {
  if (externalId !== null && (externalId === '' || externalId.length > 255 || /[\u0000-\u001f\u007f]/.test(externalId))) {
    throw new AccessInputError('externalId must be 1 to 255 characters of text');
  }
  return externalId;
}

/** A provider's group as an operator names it: the provider by its name. */
export interface NamedMapping {
  provider: string;
  group: string;
}

export interface GroupInput {
  description?: string;
  /** Replaces the list. */
  mappings?: NamedMapping[];
  /** A provisioning client's id for the group (SCIM); null clears it. */
  externalId?: string | null;
}

/** What updateGroup changes: also the name (SCIM renames groups; members and roles stay). */
export interface GroupUpdate extends GroupInput {
  name?: string;
}

export async function findGroup(stores: Stores, name: string): Promise<GroupRecord> {
  const group = await stores.groups.findByName(name);
  if (!group) throw new AccessNotFoundError(`no group '${name}'`);
  return group;
}

export async function findGroupById(stores: Stores, id: string): Promise<GroupRecord> {
  const group = await stores.groups.findById(id);
  if (!group) throw new AccessNotFoundError(`no group with id '${id}'`);
  return group;
}

async function resolveMappings(stores: Stores, mappings: NamedMapping[]): Promise<GroupMapping[]> {
  const out: GroupMapping[] = [];
  for (const m of mappings) {
    const provider = await stores.identityProviders.findByName(m.provider);
    if (!provider) throw new AccessNotFoundError(`no identity provider '${m.provider}'`);
    out.push({ providerId: provider.id, group: m.group });
  }
  return checkedMappings(out);
}

export async function createGroup(admin: AdminContext, name: string, input: GroupInput): Promise<GroupRecord> {
  const mappings = await resolveMappings(admin.stores, input.mappings ?? []);
  const built = buildGroup({ name, ...(input.description !== undefined ? { description: input.description } : {}), mappings }, admin.now);
  const group = { ...built, externalId: checkedExternalId(input.externalId ?? null) };
  if (!(await admin.stores.groups.create(group))) throw new GroupNameTakenError(name);
  await admin.audit({ type: 'group.created', reason: group.name });
  return group;
}

export async function updateGroup(admin: AdminContext, name: string, input: GroupUpdate): Promise<GroupRecord> {
  const group = await findGroup(admin.stores, name);
  const changes: GroupChanges = {};
  if (input.name !== undefined && input.name !== group.name) changes.name = checkedGroupName(input.name);
  if (input.description !== undefined) changes.description = checkedDescription(input.description);
  if (input.externalId !== undefined) changes.externalId = checkedExternalId(input.externalId);
  if (input.mappings !== undefined) changes.mappings = await resolveMappings(admin.stores, input.mappings);
  if (!(await admin.stores.groups.update(group.id, changes, admin.now))) {
    if (changes.name !== undefined && (await admin.stores.groups.findById(group.id))) throw new GroupNameTakenError(changes.name);
    throw new AccessNotFoundError(`no group '${name}'`);
  }
  // The old name, and the new one when it changed.
  await admin.audit({ type: 'group.changed', reason: changes.name !== undefined ? `${group.name} -> ${changes.name}` : group.name });
  return { ...group, ...changes, updatedAt: admin.now };
}

/** Deletes a group; its members lose the roles it gave them from their next token on. */
export async function deleteGroup(admin: AdminContext, name: string): Promise<void> {
  const group = await findGroup(admin.stores, name);
  if (!(await admin.stores.groups.delete(group.id))) throw new AccessNotFoundError(`no group '${name}'`);
  await admin.audit({ type: 'group.deleted', reason: group.name });
}

export async function addGroupMember(admin: AdminContext, name: string, userRef: string): Promise<{ added: boolean }> {
  const [group, user] = await Promise.all([findGroup(admin.stores, name), findUser(admin.stores, userRef)]);
  const added = await admin.stores.groups.addMember(group.id, user.id, admin.now);
  if (added) await admin.audit({ type: 'group.member_added', userId: user.id, username: user.username, reason: group.name });
  return { added };
}

export async function removeGroupMember(admin: AdminContext, name: string, userRef: string): Promise<{ removed: boolean }> {
  const [group, user] = await Promise.all([findGroup(admin.stores, name), findUser(admin.stores, userRef)]);
  const removed = await admin.stores.groups.removeMember(group.id, user.id);
  if (removed) await admin.audit({ type: 'group.member_removed', userId: user.id, username: user.username, reason: group.name });
  return { removed };
}

/** A group as the CLI and the admin API show it: provider names resolved, members listed. */
export async function describeGroup(stores: Stores, name: string): Promise<Record<string, unknown>> {
  const group = await findGroup(stores, name);
  const [memberIds, providers] = await Promise.all([stores.groups.listMembers(group.id), stores.identityProviders.list()]);
  const members = await Promise.all(memberIds.map(async (id) => ({ sub: id, username: (await stores.users.findById(id))?.username ?? null })));
  return { ...groupView(group, providers), members };
}

export function groupView(group: GroupRecord, providers: readonly { id: string; name: string }[]): Record<string, unknown> {
  const providerName = (id: string) => providers.find((p) => p.id === id)?.name ?? `(deleted provider ${id})`;
  return {
    name: group.name,
    description: group.description,
    mappings: group.mappings.map((m) => ({ provider: providerName(m.providerId), group: m.group })),
    created_at: new Date(group.createdAt * 1000).toISOString(),
  };
}
