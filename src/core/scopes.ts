import { OAuthError } from './errors.js';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** OpenID Connect scopes: they describe the user and make no sense for a machine client. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access', 'groups']);

/** What the consent page says for the scopes this server knows (operators can add more). */
export const STANDARD_SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Sign you in and know who you are',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using it',
  groups: 'See the groups you belong to',
};

/** The scope a service client needs to read the audit log (GET /admin/audit). */
export const AUDIT_SCOPE = 'tessera:audit';
/** The scope a provisioning client (Okta, Entra ID) needs for SCIM (/scim/v2). */
export const SCIM_SCOPE = 'tessera:scim';
/** The admin API (/admin/v1): read and change everything, or read only. */
export const ADMIN_SCOPE = 'tessera:admin';
export const ADMIN_READ_SCOPE = 'tessera:admin:read';

/**
 * Scopes that act on the server itself: only an operator can give a client one (`tessera client
 * create|update --scope`). Dynamic registration and the developer console never can, and they are
 * refused as self-service scopes.
 */
export const OPERATOR_SCOPES: ReadonlySet<string> = new Set([AUDIT_SCOPE, SCIM_SCOPE, ADMIN_SCOPE, ADMIN_READ_SCOPE]);

export function isValidScopeToken(token: string): boolean {
  return SCOPE_TOKEN.test(token);
}

/** Splits a scope string into its distinct tokens (order kept); bad syntax is `invalid_scope`. */
export function parseScope(scope: string | undefined): string[] {
  if (scope === undefined) return [];
  const tokens = scope.split(' ').filter((t) => t !== '');
  for (const token of tokens) {
    if (!isValidScopeToken(token)) throw new OAuthError('invalid_scope', `malformed scope value`);
  }
  return [...new Set(tokens)];
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/** True when every requested scope is in `allowed`. */
export function isSubset(requested: readonly string[], allowed: readonly string[]): boolean {
  const set = new Set(allowed);
  return requested.every((s) => set.has(s));
}

/** Requested scopes must all be allowed for the client; otherwise `invalid_scope` (RFC 6749 §3.3). */
export function requireAllowedScopes(requested: readonly string[], allowed: readonly string[]): void {
  const unknown = requested.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) {
    throw new OAuthError('invalid_scope', `scope not allowed for this client: ${unknown.join(' ')}`);
  }
}
