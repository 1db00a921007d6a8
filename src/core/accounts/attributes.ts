import { AccountError } from './users.js';

/**
 * Custom attributes of a user: what an organization keeps about people beyond the standard
 * profile (department, employee number, cost centre …). Names must not pass for standard claims,
 * so that no attribute can ever be mistaken for (or later released as) one of them.
 */
const KEY = /^[a-z][a-z0-9_]{0,39}$/;
export const MAX_ATTRIBUTES = 32;
export const MAX_ATTRIBUTE_VALUE = 256;

/** OpenID Connect Core §5.1 and §2 (ID token) claims, JWT (RFC 7519 §4.1) and token claims, and the names Tessera itself issues. */
const RESERVED = new Set([
  // Standard claims (OIDC Core §5.1)
  'sub', 'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website',
  'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'address', 'updated_at',
  // ID token and JWT claims
  'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 's_hash', 'sid', 'typ', 'cnf',
  // OAuth token and introspection members (RFC 7662, RFC 9068, RFC 8693)
  'scope', 'client_id', 'token_type', 'active', 'username', 'act', 'may_act', 'events', 'txn',
  // Authorization claims
  'groups', 'roles', 'entitlements', 'permissions',
  // Tessera's own
  'disabled', 'created_at', 'last_sign_in_at', 'attributes', 'password', 'password_hash',
]);

/** Refuses a name that is malformed or reserved, saying which and why. */
export function checkAttributeKey(key: string): void {
  if (!KEY.test(key)) {
    throw new AccountError(`attribute name '${key}' is not allowed: use 1 to 40 characters, lower-case letters, digits and _, starting with a letter`);
  }
  if (RESERVED.has(key)) throw new AccountError(`attribute name '${key}' is a standard claim (or one Tessera issues) and cannot be a custom attribute`);
}

export function checkAttributeValue(key: string, value: string): void {
  if (value.length > MAX_ATTRIBUTE_VALUE) throw new AccountError(`attribute '${key}' is longer than ${MAX_ATTRIBUTE_VALUE} characters`);
}

/** `attributes` with the changes applied (null removes a key); refuses a result with too many. */
export function applyAttributeChanges(attributes: Record<string, string>, changes: Record<string, string | null>): Record<string, string> {
  const next = { ...attributes };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > MAX_ATTRIBUTES) throw new AccountError(`a user can have at most ${MAX_ATTRIBUTES} attributes`);
  return next;
}

/** Parses one `key=value` (empty value: remove the key) as the CLI and the admin API receive it. */
export function parseAttributeAssignment(text: string): [string, string | null] {
  const at = text.indexOf('=');
  if (at < 0) throw new AccountError(`attribute '${text}' must be key=value (key= removes it)`);
  const key = text.slice(0, at);
  const value = text.slice(at + 1);
  checkAttributeKey(key);
  if (value !== '') checkAttributeValue(key, value);
  return [key, value === '' ? null : value];
}
