import type { GroupRecord } from '../../store/ports.js';
import { addGroupMember, createGroup, deleteGroup, removeGroupMember, updateGroup } from '../admin/groups.js';
import { UserNotFoundError } from '../admin/users.js';
import type { ProtocolResponse } from '../protocol.js';
import { ScimError, scimJson } from './errors.js';
import { listResponse } from './discovery.js';
import { keyOf, matches } from './filter.js';
import { GROUP_PATCH_SCHEMA, groupResource, readGroup, type GroupInput, type Member } from './group-mapping.js';
import { applyPatch, parsePatchRequest, type PatchOperation } from './patch.js';
import { body, checkIfMatch, filterNames, page, project, queryParam, versioned, type ScimCall } from './request.js';

/** /scim/v2/Groups: Tessera groups through the core's group operations; members are users by id. */

async function membersOf(call: ScimCall, group: GroupRecord): Promise<Member[]> {
  const ids = await call.admin.stores.groups.listMembers(group.id);
  const users = await Promise.all(ids.map((id) => call.admin.stores.users.findById(id)));
  return users.filter((u) => u !== undefined).map((u) => ({ id: u.id, username: u.username }));
}

async function existing(call: ScimCall, id: string): Promise<GroupRecord> {
  const group = await call.admin.stores.groups.findById(id);
  if (!group) throw new ScimError(404, undefined, `no group with id '${id}'`);
  return group;
}

/** The full resource: the ETag covers the members, so a stale If-Match is caught after a membership change too. */
async function current(call: ScimCall, group: GroupRecord) {
  return versioned(groupResource(group, await membersOf(call, group), call.base));
}

const membersExcluded = (call: ScimCall) => /(^|,)\s*members\s*(,|$)/i.test(queryParam(call.req, 'excludedAttributes') ?? '');

async function answer(call: ScimCall, status: number, group: GroupRecord): Promise<ProtocolResponse> {
  const { resource, etag } = await current(call, group);
  const headers: Record<string, string> = { ETag: etag };
  if (status === 201) headers['Location'] = `${call.base}/Groups/${group.id}`;
  return scimJson(status, project(resource, call.req), headers);
}

/** No user id has a control character (and PostgreSQL refuses U+0000 in a query). */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Every member must be a user of this server: checked before anything is written. */
async function checkMembers(call: ScimCall, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    if (CONTROL.test(id) || !(await call.admin.stores.users.findById(id))) throw new ScimError(400, 'invalidValue', `member '${id}' is not a user id`);
  }
}

/** Brings a group to what a PUT asks: name and externalId, then the members added and removed to match its list. */
async function bringTo(call: ScimCall, group: GroupRecord, input: GroupInput): Promise<GroupRecord> {
  const before = new Set(await call.admin.stores.groups.listMembers(group.id));
  const added = input.members.filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !input.members.includes(id));
  await checkMembers(call, added);
  const updated = await updateGroup(call.admin, group.name, { name: input.displayName, externalId: input.externalId });
  for (const id of added) await addGroupMember(call.admin, updated.name, id);
  for (const id of removed) await removeGroupMember(call.admin, updated.name, id);
  return updated;
}

export async function listGroups(call: ScimCall): Promise<ProtocolResponse> {
  const { filter, startIndex, count } = page(call.req);
  const groups = await call.admin.stores.groups.list();
  const needMembers = filterNames(filter, 'members');
  const found: GroupRecord[] = [];
  for (const g of groups) {
    if (!filter || matches(groupResource(g, needMembers ? await membersOf(call, g) : undefined, call.base), filter)) found.push(g);
  }
  const shown = await Promise.all(
    found.slice(startIndex - 1, startIndex - 1 + count).map(async (g) => project(membersExcluded(call) ? versioned(groupResource(g, undefined, call.base)).resource : (await current(call, g)).resource, call.req)),
  );
  return scimJson(200, listResponse(shown, found.length, startIndex));
}

export async function getGroup(call: ScimCall, id: string): Promise<ProtocolResponse> {
  return answer(call, 200, await existing(call, id));
}

export async function createScimGroup(call: ScimCall): Promise<ProtocolResponse> {
  const input = readGroup(body(call.req));
  await checkMembers(call, input.members);
  const group = await createGroup(call.admin, input.displayName, input.externalId !== null ? { externalId: input.externalId } : {});
  for (const id of input.members) await addGroupMember(call.admin, group.name, id);
  return answer(call, 201, group);
}

export async function replaceGroup(call: ScimCall, id: string): Promise<ProtocolResponse> {
  const group = await existing(call, id);
  checkIfMatch(call.req, (await current(call, group)).etag);
  return answer(call, 200, await bringTo(call, group, readGroup(body(call.req))));
}

type Doc = Record<string, unknown>;

const memberIdsOf = (doc: Doc): string[] => {
  const members = doc[keyOf(doc, 'members') ?? 'members'];
  if (!Array.isArray(members)) return [];
  return members.flatMap((m) => {
    const value = typeof m === 'object' && m !== null ? (m as Doc)[keyOf(m as Doc, 'value') ?? 'value'] : undefined;
    return typeof value === 'string' ? [value] : [];
  });
};

/** The members an operation names outright: the list of an `add`, `replace` or `remove` of `members` itself. */
function named(operation: PatchOperation): string[] {
  const { path, value } = operation;
  if (path !== undefined) return path.attr === 'members' && !path.filter && path.sub === undefined && Array.isArray(value) ? memberIdsOf({ members: value }) : [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const key = Object.keys(value).find((k) => k.toLowerCase() === 'members');
  return key === undefined ? [] : memberIdsOf({ members: (value as Doc)[key] });
}

/**
 * The members a PATCH adds and removes, from its operations themselves: each operation's own
 * effect on the members as read (a filter's matches, a replaced list's leavers), and every member
 * an operation names, whether or not the read showed them so. Applied as single adds and removes,
 * so PATCHes racing on one group each apply only their own change: none removes a member another
 * just added, nor brings back one another just removed. Later operations win over earlier ones.
 */
function memberDelta(doc: Doc, operations: PatchOperation[]): { add: string[]; remove: string[] } {
  const intent = new Map<string, boolean>();
  let current = doc;
  for (const operation of operations) {
    const next = applyPatch(current, [operation], GROUP_PATCH_SCHEMA);
    const [was, is] = [new Set(memberIdsOf(current)), new Set(memberIdsOf(next))];
    for (const id of was) if (!is.has(id)) intent.set(id, false);
    for (const id of is) if (!was.has(id)) intent.set(id, true);
    for (const id of named(operation)) intent.set(id, operation.op !== 'remove');
    current = next;
  }
  const ids = [...intent.keys()];
  return { add: ids.filter((id) => intent.get(id)), remove: ids.filter((id) => !intent.get(id)) };
}

/** 204 on success (RFC 7644 §3.5.2 allows it; Entra ID expects it): a big group's members are not sent back. */
export async function patchGroup(call: ScimCall, id: string): Promise<ProtocolResponse> {
  const operations = parsePatchRequest(body(call.req));
  const group = await existing(call, id);
  const before = await current(call, group);
  checkIfMatch(call.req, before.etag);
  const { meta: _meta, ...doc } = before.resource;
  // The whole result is read as a PUT would be (so a PATCH can never do what a PUT could not) …
  const input = readGroup(applyPatch(doc, operations, GROUP_PATCH_SCHEMA));
  // … but only what the operations change is written: the name and externalId when they differ, the members one by one.
  const { add, remove } = memberDelta(doc, operations);
  for (const member of remove) if (CONTROL.test(member)) throw new ScimError(400, 'invalidValue', `member '${member}' is not a user id`);
  await checkMembers(call, add);
  const changes: { name?: string; externalId?: string | null } = {};
  if (input.displayName !== group.name) changes.name = input.displayName;
  if (input.externalId !== group.externalId) changes.externalId = input.externalId;
  const updated = await updateGroup(call.admin, group.name, changes);
  for (const member of add) await addGroupMember(call.admin, updated.name, member);
  for (const member of remove) {
    // Members are user ids (never usernames); removing someone who is no user (any more) changes nothing.
    if (!(await call.admin.stores.users.findById(member))) continue;
    try {
      await removeGroupMember(call.admin, updated.name, member);
    } catch (e) {
      if (!(e instanceof UserNotFoundError)) throw e;
    }
  }
  return { kind: 'json', status: 204, body: undefined, headers: { ETag: (await current(call, updated)).etag } };
}

export async function deleteScimGroup(call: ScimCall, id: string): Promise<ProtocolResponse> {
  const group = await existing(call, id);
  checkIfMatch(call.req, (await current(call, group)).etag);
  await deleteGroup(call.admin, group.name);
  return { kind: 'json', status: 204, body: undefined };
}
