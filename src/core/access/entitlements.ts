import { OIDC_SCOPES } from '../scopes.js';
import type { ApiRecord, GroupRecord, RoleRecord, Stores } from '../../store/ports.js';

/**
 * The groups a user is in now: those an operator added them to, and those mapping a group their
 * upstream provider named at their last sign-in there (so a directory's changes arrive with the
 * next sign-in through it). Provider group names are compared case-insensitively (LDAP DNs are).
 */
export async function groupsOfUser(stores: Stores, userId: string): Promise<GroupRecord[]> {
  const [own, mapped] = await Promise.all([stores.groups.listByMember(userId), stores.groups.listMapped()]);
  if (mapped.length === 0) return own;
  const identities = await stores.federatedIdentities.listByUser(userId);
  const upstream = new Set(identities.flatMap((i) => i.groups.map((g) => `${i.providerId}\u0000${g.toLowerCase()}`)));
  const byId = new Map(own.map((g) => [g.id, g]));
  for (const group of mapped) {
    if (group.mappings.some((m) => upstream.has(`${m.providerId}\u0000${m.group.toLowerCase()}`))) byId.set(group.id, group);
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What a user holds for one API: role names (the `roles` claim) and the API scopes those roles give. */
export interface ApiEntitlements {
  roles: string[];
  scopes: Set<string>;
}

export function entitlementsOf(roles: readonly RoleRecord[], api: ApiRecord): ApiEntitlements {
  const own = new Set(api.scopes.map((s) => s.name));
  return {
    roles: [...new Set(roles.map((r) => r.name))],
    scopes: new Set(roles.flatMap((r) => r.scopes).filter((s) => own.has(s))),
  };
}

/** The roles (of the API, and global ones) a user holds now, directly or through one of `groups` (see groupsOfUser). */
export async function entitlementsFor(stores: Stores, userId: string, groups: readonly GroupRecord[], api: ApiRecord): Promise<ApiEntitlements> {
  const roles = await stores.roles.heldBy(userId, groups.map((g) => g.id), api.id);
  return entitlementsOf(roles, api);
}

/**
 * RBAC (`api update --rbac on`): of the API's own scopes, only those the user's roles give pass;
 * other scopes (OpenID Connect's) are not the API's to withhold.
 */
export function withinRoles(scopes: readonly string[], api: ApiRecord, held: ApiEntitlements): string[] {
  if (!api.rbac) return [...scopes];
  const own = new Set(api.scopes.map((s) => s.name));
  return scopes.filter((s) => !own.has(s) || held.scopes.has(s));
}

/**
 * A token for Tessera itself (no `resource`, `aud` the issuer) carries the granted scopes as they
 * are, so an API scope in it must pass that API's RBAC all the same: each API with `--rbac on` that
 * defines one of `scopes` withholds those the user's roles do not give. Otherwise leaving out
 * `resource` would be a way around RBAC.
 */
export async function withinRolesOfDefiningApis(stores: Stores, userId: string, groups: () => Promise<readonly GroupRecord[]>, scopes: readonly string[]): Promise<string[]> {
  // OpenID Connect's scopes are no API's: the common sign-in-only token needs no lookup.
  if (scopes.every((s) => OIDC_SCOPES.has(s))) return [...scopes];
  const asked = new Set(scopes);
  const guarded = (await stores.apis.list()).filter((api) => api.rbac && api.scopes.some((s) => asked.has(s.name)));
  if (guarded.length === 0) return [...scopes];
  const memberOf = await groups();
  let kept = [...scopes];
  for (const api of guarded) kept = withinRoles(kept, api, await entitlementsFor(stores, userId, memberOf, api));
  return kept;
}
