import type { User } from '../../store/ports.js';
import { checkPassword } from '../accounts/users.js';
import { updateUser, type UserUpdate } from '../admin/users.js';
import { createUser, deleteUser, disableUser, enableUser, setUserPassword, type NewUser } from '../admin/user-lifecycle.js';
import type { ProtocolResponse } from '../protocol.js';
import { ScimError, scimJson } from './errors.js';
import { listResponse } from './discovery.js';
import { matches } from './filter.js';
import { applyPatch, parsePatchRequest } from './patch.js';
import { body, checkIfMatch, filterNames, page, project, versioned, type ScimCall } from './request.js';
import { readUser, userResource, USER_PATCH_SCHEMA, type UserInput } from './user-mapping.js';

/** /scim/v2/Users: each change is one of the core's user operations, so the CLI and SCIM share validation, cascade and audit. */

async function resourceOf(call: ScimCall, user: User): Promise<Record<string, unknown>> {
  return userResource(user, await call.admin.stores.groups.listByMember(user.id), call.base);
}

async function existing(call: ScimCall, id: string): Promise<User> {
  const user = await call.admin.stores.users.findById(id);
  if (!user) throw new ScimError(404, undefined, `no user with id '${id}'`);
  return user;
}

async function answer(call: ScimCall, status: number, user: User): Promise<ProtocolResponse> {
  const { resource, etag } = versioned(await resourceOf(call, user));
  const headers: Record<string, string> = { ETag: etag };
  if (status === 201) headers['Location'] = `${call.base}/Users/${user.id}`;
  return scimJson(status, project(resource, call.req), headers);
}

/**
 * Brings a user to what a PUT or PATCH asks: profile, then password, then active. Only the fields
 * given are written (a PATCH gives only those it changed, see patchUser). Everything is checked
 * before the first write (the profile's rules by updateUser, which writes nothing when it refuses),
 * so a refused request changes nothing. Deprovisioning (`active` false) is disableUser: sessions
 * end, consents and tokens are revoked at once.
 */
async function bringTo(call: ScimCall, user: User, input: Partial<UserInput>): Promise<User> {
  if (input.password !== undefined) checkPassword(input.password, call.passwords.policy);
  const { admin } = call;
  const profile: UserUpdate = {};
  if (input.userName !== undefined) profile.username = input.userName;
  if (input.email !== undefined) profile.email = input.email;
  if (input.name !== undefined) profile.name = input.name;
  if (input.givenName !== undefined) profile.givenName = input.givenName;
  if (input.familyName !== undefined) profile.familyName = input.familyName;
  if (input.externalId !== undefined) profile.externalId = input.externalId;
  if (input.preferredLanguage !== undefined) profile.locale = input.preferredLanguage;
  let current = await updateUser(admin, user.id, profile);
  if (input.password !== undefined) current = await setUserPassword(admin, user.id, input.password, call.passwords);
  if (input.active === false && !current.disabled) current = await disableUser(admin, user.id);
  if (input.active === true && current.disabled) current = await enableUser(admin, user.id);
  return current;
}

/**
 * What a PATCH changed: the fields of `after` that differ from `before` (both read from documents).
 * Written alone, so a concurrent PATCH of other fields (or of `active`) is never undone by the
 * values this one read.
 */
function changedFields(after: UserInput, before: UserInput): Partial<UserInput> {
  return Object.fromEntries(Object.entries(after).filter(([key, value]) => value !== before[key as keyof UserInput])) as Partial<UserInput>;
}

export async function listUsers(call: ScimCall): Promise<ProtocolResponse> {
  const { filter, startIndex, count } = page(call.req);
  const { stores } = call.admin;
  // The filter Okta and Entra ID send before each creation: one lookup, not a scan.
  const byName = filter?.kind === 'compare' && filter.op === 'eq' && filter.path.join('.') === 'username' && typeof filter.value === 'string';
  const candidates = byName ? [await stores.users.findByUsername(filter.value as string)].filter((u): u is User => u !== undefined) : await stores.users.list();
  // A user's groups are read only when the filter names them.
  const withGroups = filterNames(filter, 'groups');
  const found: User[] = [];
  for (const u of candidates) {
    if (!filter || byName || matches(withGroups ? await resourceOf(call, u) : userResource(u, [], call.base), filter)) found.push(u);
  }
  const shown = await Promise.all(found.slice(startIndex - 1, startIndex - 1 + count).map(async (u) => project(versioned(await resourceOf(call, u)).resource, call.req)));
  return scimJson(200, listResponse(shown, found.length, startIndex));
}

export async function getUser(call: ScimCall, id: string): Promise<ProtocolResponse> {
  return answer(call, 200, await existing(call, id));
}

export async function createScimUser(call: ScimCall): Promise<ProtocolResponse> {
  const input = readUser(body(call.req));
  const user: NewUser = { username: input.userName };
  if (input.email !== null) user.email = input.email;
  if (input.name !== null) user.name = input.name;
  if (input.givenName !== null) user.givenName = input.givenName;
  if (input.familyName !== null) user.familyName = input.familyName;
  if (input.externalId !== null) user.externalId = input.externalId;
  if (input.password !== undefined) user.password = input.password;
  let created = await createUser(call.admin, user, call.passwords);
  if (input.preferredLanguage !== null) created = await updateUser(call.admin, created.id, { locale: input.preferredLanguage });
  if (input.active === false) created = await disableUser(call.admin, created.id);
  return answer(call, 201, created);
}

export async function replaceUser(call: ScimCall, id: string): Promise<ProtocolResponse> {
  const user = await existing(call, id);
  checkIfMatch(call.req, versioned(await resourceOf(call, user)).etag);
  const input = readUser(body(call.req));
  return answer(call, 200, await bringTo(call, user, input));
}

export async function patchUser(call: ScimCall, id: string): Promise<ProtocolResponse> {
  const operations = parsePatchRequest(body(call.req));
  const user = await existing(call, id);
  const before = await resourceOf(call, user);
  checkIfMatch(call.req, versioned(before).etag);
  const after = applyPatch(before, operations, USER_PATCH_SCHEMA);
  return answer(call, 200, await bringTo(call, user, changedFields(readUser(after, before), readUser(before))));
}

export async function deleteScimUser(call: ScimCall, id: string): Promise<ProtocolResponse> {
  const user = await existing(call, id);
  checkIfMatch(call.req, versioned(await resourceOf(call, user)).etag);
  await deleteUser(call.admin, user.id);
  return { kind: 'json', status: 204, body: undefined };
}
