import type { AuditEvent } from '../../core/audit.js';

export const SIGN_IN_METHODS = ['password', 'totp', 'backup_code', 'directory', 'upstream', 'second_factor', 'passkey'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/** Reasons of directory refusals (core/accounts/sign-in.ts), written `<reason>:<directory>`. */
const DIRECTORY_REFUSALS = new Set(['directory_unavailable', 'directory_disabled', 'password_expired', 'username_taken']);

/**
 * A sign-in's outcome and method, from its audit event (undefined for other events). The events
 * say it in their `reason`:
 * - login.success: `password` (a local password), `ldap:<name>` (a directory), `oidc:<name>` or
 *   `oauth2:<name>` (an upstream provider);
 * - login.failure: a bare word for a username and password refused (wrong password, unknown user,
 *   locked, busy: which source held the user is not recorded, so `password`), a directory refusal
 *   `<refusal>:<name>`, else `<reason>:<name>` from an upstream provider;
 * - mfa.success: `totp` or `backup`; mfa.failure: which kind of code was wrong is not recorded,
 *   so `second_factor`;
 * - a passkey, first or second factor: reason `passkey` (success) or `passkey:<why>` (failure).
 */
export function signInOf(event: AuditEvent): { outcome: 'success' | 'failure'; method: SignInMethod } | undefined {
  const reason = event.reason ?? '';
  const prefix = reason.includes(':') ? reason.slice(0, reason.indexOf(':')) : undefined;
  if ((event.type === 'login.success' || event.type === 'login.failure' || event.type === 'mfa.success' || event.type === 'mfa.failure') && (reason === 'passkey' || prefix === 'passkey')) {
    return { outcome: event.type.endsWith('success') ? 'success' : 'failure', method: 'passkey' };
  }
  switch (event.type) {
    case 'login.success':
      return { outcome: 'success', method: prefix === undefined ? 'password' : prefix === 'ldap' ? 'directory' : 'upstream' };
    case 'login.failure':
      return { outcome: 'failure', method: prefix === undefined ? 'password' : DIRECTORY_REFUSALS.has(prefix) ? 'directory' : 'upstream' };
    case 'mfa.success':
      return { outcome: 'success', method: reason === 'backup' ? 'backup_code' : 'totp' };
    case 'mfa.failure':
      return { outcome: 'failure', method: 'second_factor' };
    default:
      return undefined;
  }
}
