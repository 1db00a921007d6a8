import type { AuditEvent, AuditSeverity, AuditType } from '../audit.js';
import { auditEventFields, auditSeverity } from '../audit.js';

/*
 * What leaves the process for each audit event, whichever sink carries it (file, syslog, webhook).
 * Receivers parse it, so it only grows: a new member is added, none is renamed, retyped or dropped
 * without a new `version`. docs/events.md is its description for people.
 */

/** The schema's version; raised only for a change that could break a receiver. */
export const EVENT_SCHEMA_VERSION = 1;

export interface OutgoingEvent {
  version: typeof EVENT_SCHEMA_VERSION;
  /** Unique per event, the same on every redelivery: receivers de-duplicate on it. */
  id: string;
  type: AuditType;
  severity: AuditSeverity;
  outcome: AuditEvent['outcome'];
  /** ISO 8601, UTC. */
  time: string;
  /** Which deployment it happened at (its issuer URL). */
  issuer: string;
  user_id: string | null;
  username: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  reason: string | null;
  actor: string | null;
  /** The id of the HTTP request that caused it, as in the server's log lines; null outside a request. */
  request_id: string | null;
}

/**
 * The outgoing form of an event. Only the audit record's fields go out, and an audit record never
 * holds a secret (see `AuditEvent`), so neither does this.
 */
export function outgoingEvent(event: AuditEvent, id: string, issuer: string, requestId: string | null): OutgoingEvent {
  return { version: EVENT_SCHEMA_VERSION, id, ...auditEventFields(event), severity: auditSeverity(event.type), issuer, request_id: requestId };
}
