import type { GroupMapping, GroupRecord, Stores } from '../../store/ports.js';
import { AccessInputError, AccessNotFoundError, buildGroup, checkedDescription, checkedMappings } from '../access/access-input.js';
import type { AdminContext } from './context.js';
import { findUser } from './users.js';

/** Managing groups: one function per operation, for the CLI and the admin API to come. */

/** A provider's group as an operator names it: the provider by its name. */
export interface NamedMapping {
  provider: string;
  group: string;
}

export interface GroupInput {
  description?: string;
  /** Replaces the list. */
  mappings?: NamedMapping[];
}

export async function findGroup(stores: Stores, name: string): Promise<GroupRecord> {
  const group = await stores.groups.findByName(name);
  if (!group) throw new AccessNotFoundError(`no group '${name}'`);
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
  const group = buildGroup({ name, ...(input.description !== undefined ? { description: input.description } : {}), mappings }, admin.now);
  if (!(await admin.stores.groups.create(group))) throw new AccessInputError(`a group named '${name}' exists already`);
  await admin.audit({ type: 'group.created', reason: group.name });
  return group;
}

export async function updateGroup(admin: AdminContext, name: string, input: GroupInput): Promise<GroupRecord> {
  const group = await findGroup(admin.stores, name);
  const changes: { description?: string; mappings?: GroupMapping[] } = {};
  if (input.description !== undefined) changes.description = checkedDescription(input.description);
  if (input.mappings !== undefined) changes.mappings = await resolveMappings(admin.stores, input.mappings);
  if (!(await admin.stores.groups.update(group.id, changes, admin.now))) throw new AccessNotFoundError(`no group '${name}'`);
  await admin.audit({ type: 'group.changed', reason: group.name });
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
