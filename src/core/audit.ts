import type { ProtocolRequest } from './protocol.js';
import type { AuditStore } from '../store/ports.js';

/** The security-relevant events Tessera records. */
export const AUDIT_TYPES = [
  'login.success',
  'login.failure',
  'login.lockout',
  'mfa.success',
  'mfa.failure',
  'mfa.enrolled',
  'mfa.reset',
  'mfa.disabled',
  'mfa.backup_codes_regenerated',
  'password.changed',
  'login.step_up',
  'session.ended',
  'consent.given',
  'consent.revoked',
  'token.issued',
  'token.refreshed',
  'token.revoked',
  'code.replay',
  'code.misuse',
  'refresh.reuse',
  'client.created',
  'client.changed',
  'client.deleted',
  'user.created',
  'user.changed',
  'user.deleted',
  'user.unlocked',
  'key.rotated',
  'key.pruned',
  'registration_token.created',
  'registration_token.revoked',
  'idp.created',
  'idp.changed',
  'idp.deleted',
  'api.created',
  'api.changed',
  'api.deleted',
  'group.created',
  'group.changed',
  'group.deleted',
  'group.member_added',
  'group.member_removed',
  'role.created',
  'role.changed',
  'role.deleted',
  'role.granted',
  'role.revoked',
  'identity.linked',
  'identity.unlinked',
  'rate_limit.hit',
  'password.reset_requested',
  'password.reset',
  'mail.failed',
  'user.signed_up',
  'signup.refused',
  'email.verification_sent',
  'email.verified',
  'email.change_requested',
  'email.changed',
  'invitation.created',
  'invitation.used',
  'passkey.registered',
  'passkey.renamed',
  'passkey.removed',
  'passkey.clone_suspected',
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

/**
 * How urgently a person should look at an event of a type, for the sinks that send events out
 * (syslog maps it onto its severities, RFC 5424 §6.2.1). `critical`: a sign that a credential was
 * stolen (a rotated refresh token used again, RFC 9700 §4.14; a redeemed code presented again,
 * RFC 6749 §4.1.2); `warning`:
 * refused attempts, lockouts, and changes that remove or widen access; `info`: the rest.
 */
export type AuditSeverity = 'info' | 'warning' | 'critical';

const SEVERITY: Record<AuditType, AuditSeverity> = {
  'login.success': 'info',
  'login.failure': 'warning',
  'login.lockout': 'warning',
  'mfa.success': 'info',
  'mfa.failure': 'warning',
  'mfa.enrolled': 'info',
  // An operator removed a user's second factor: the account is weaker until it is set up again.
  'mfa.reset': 'warning',
  // The user turned their own second factor off (with a code): the account is weaker from now on.
  'mfa.disabled': 'warning',
  'mfa.backup_codes_regenerated': 'info',
  // The user changed their own password (with the current one); their other sessions ended.
  'password.changed': 'info',
  'login.step_up': 'info',
  'session.ended': 'info',
  'consent.given': 'info',
  'consent.revoked': 'info',
  'token.issued': 'info',
  'token.refreshed': 'info',
  'token.revoked': 'info',
  'code.replay': 'critical',
  'code.misuse': 'warning',
  'refresh.reuse': 'critical',
  'client.created': 'info',
  'client.changed': 'info',
  'client.deleted': 'warning',
  'user.created': 'info',
  'user.changed': 'info',
  'user.deleted': 'warning',
  'user.unlocked': 'info',
  'key.rotated': 'info',
  'key.pruned': 'info',
  'registration_token.created': 'info',
  'registration_token.revoked': 'info',
  'idp.created': 'info',
  'idp.changed': 'info',
  'idp.deleted': 'warning',
  'api.created': 'info',
  'api.changed': 'info',
  'api.deleted': 'warning',
  'group.created': 'info',
  'group.changed': 'info',
  'group.deleted': 'warning',
  'group.member_added': 'info',
  'group.member_removed': 'info',
  'role.created': 'info',
  'role.changed': 'info',
  'role.deleted': 'warning',
  // A role can carry admin rights (the console's admin role): who got one deserves a look.
  'role.granted': 'warning',
  'role.revoked': 'info',
  'identity.linked': 'info',
  'identity.unlinked': 'info',
  'rate_limit.hit': 'warning',
  'password.reset_requested': 'info',
  // A reset by email takes over the account if the mailbox was taken over: worth a look when unexpected.
  'password.reset': 'warning',
  // A message the user waits for (a reset link) never left: the mail server needs attention.
  'mail.failed': 'warning',
  'user.signed_up': 'info',
  'signup.refused': 'info',
  'email.verification_sent': 'info',
  'email.verified': 'info',
  'email.change_requested': 'info',
  'email.changed': 'warning',
  'invitation.created': 'info',
  'invitation.used': 'info',
  'passkey.registered': 'info',
  'passkey.renamed': 'info',
  // One fewer way to sign in; a thief who had the session could remove the owner's.
  'passkey.removed': 'warning',
  // A signature counter went backwards: two authenticators may hold the same key (W3C WebAuthn §6.1.1).
  'passkey.clone_suspected': 'critical',
};

/** The severity of an event of this type (see `AuditSeverity`). */
export function auditSeverity(type: AuditType): AuditSeverity {
  return SEVERITY[type];
}

/**
 * One audit record. It names who and what, never a secret: no password, code, token or client
 * secret ever goes into `reason` (short fixed words) or any other field.
 */
export interface AuditEvent {
  /** Unix seconds. */
  at: number;
  type: AuditType;
  outcome: 'success' | 'failure';
  userId: string | null;
  /** The username as typed (lower case), for failures of unknown users. */
  username: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  reason: string | null;
  /**
   * Who made an operator's change: `cli`, `client:<id>` (an admin API or SCIM token) or
   * `user:<sub>` (the admin console); null for what users and apps do themselves.
   */
  actor: string | null;
}

/** An event's own fields as they leave Tessera (CLI, admin API, event sinks): snake_case, ISO 8601 time. */
export function auditEventFields(event: AuditEvent) {
  return {
    time: new Date(event.at * 1000).toISOString(),
    type: event.type,
    outcome: event.outcome,
    user_id: event.userId,
    username: event.username,
    client_id: event.clientId,
    ip: event.ip,
    user_agent: event.userAgent,
    reason: event.reason,
    actor: event.actor,
  };
}

export type AuditInput = { type: AuditType; outcome?: AuditEvent['outcome'] } & Partial<Omit<AuditEvent, 'at' | 'type' | 'outcome'>>;

export interface AuditLog {
  record(event: AuditInput): Promise<void>;
}

/** Where a request came from, as audit events record it. */
export interface Requester {
  ip: string;
  userAgent: string | null;
}

const MAX_USER_AGENT = 300;

export function requester(req: ProtocolRequest): Requester {
  const ua = req.headers['user-agent'];
  return { ip: req.ip, userAgent: ua === undefined ? null : ua.slice(0, MAX_USER_AGENT) };
}

/**
 * Hears every event once it is stored (the structured log, metrics, event sinks). An observer must
 * not throw or block: it runs on the request's path after the write.
 */
export type AuditObserver = (event: AuditEvent) => void;

/** Appends every event to the audit store, then hands it to each observer in turn. */
export function createAuditLog(store: AuditStore, now: () => number, observers: readonly AuditObserver[] = []): AuditLog {
  return {
    async record(input) {
      const event: AuditEvent = {
        at: now(),
        type: input.type,
        outcome: input.outcome ?? (input.type.endsWith('failure') ? 'failure' : 'success'),
        userId: input.userId ?? null,
        username: input.username?.toLowerCase() ?? null,
        clientId: input.clientId ?? null,
        ip: input.ip ?? null,
        userAgent: input.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
        reason: input.reason ?? null,
        actor: input.actor ?? null,
      };
      await store.append(event);
      for (const observe of observers) observe(event);
    },
  };
}
