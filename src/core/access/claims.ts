import type { Client } from '../clients/client.js';
import type { GroupRecord } from '../../store/ports.js';
import { AccessInputError } from './access-input.js';

/**
 * Names no user attribute may take, so that none can pass for (or later be released as) a claim
 * Tessera sets itself: JWT (RFC 7519 §4.1), ID token (OpenID Connect Core §2), standard claims
 * (§5.1), token and introspection members (RFC 7662, RFC 9068, RFC 8693), authorization claims,
 * and the fields Tessera keeps on a user.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 's_hash', 'sid', 'typ', 'cnf',
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website',
  'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'address', 'updated_at',
  'scope', 'client_id', 'token_type', 'active', 'username', 'act', 'may_act', 'events', 'txn',
  'groups', 'roles', 'entitlements', 'permissions',
  'disabled', 'created_at', 'last_sign_in_at', 'attributes', 'password', 'password_hash',
]);

/** An attribute's name is also its claim's: lower case, digits and underscores. */
export const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** Why a name cannot be a user attribute (and so a claim); undefined when it can. */
export function attributeNameProblem(name: string): string | undefined {
  if (!ATTRIBUTE_NAME.test(name)) return `'${name}' is not an attribute name: 1 to 40 lower-case letters, digits and _, starting with a letter`;
  if (RESERVED_CLAIMS.has(name)) return `'${name}' is a claim Tessera sets itself, not an attribute`;
  return undefined;
}

const MAX_CLAIMS = 32;

/** The attribute claims an operator releases to a client (`client update --claim`). */
export function checkedAttributeClaims(names: readonly string[]): string[] {
  const unique = [...new Set(names)];
  if (unique.length > MAX_CLAIMS) throw new AccessInputError(`at most ${MAX_CLAIMS} claims`);
  for (const name of unique) {
    const problem = attributeNameProblem(name);
    if (problem) throw new AccessInputError(problem);
  }
  return unique;
}

/**
 * What the ID token and /userinfo say about the user beyond the standard claims: `groups` when the
 * `groups` scope was granted, and the attributes the operator releases to this client that the
 * user has (OpenID Connect Core §5.1.2: additional claims).
 */
export function extraUserClaims(input: { scopes: readonly string[]; groups: readonly GroupRecord[] | undefined; attributes: Readonly<Record<string, string>>; client: Pick<Client, 'attributeClaims'> | undefined }): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (input.scopes.includes('groups') && input.groups) claims['groups'] = input.groups.map((g) => g.name);
  for (const name of input.client?.attributeClaims ?? []) {
    const value = input.attributes[name];
    if (value !== undefined && !RESERVED_CLAIMS.has(name)) claims[name] = value;
  }
  return claims;
}
