import { AUDIT_TYPES, auditEventFields } from './audit.js';
import type { AuditQuery, StoredAuditEvent } from '../store/ports.js';

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

/** Raised for an audit query that cannot be understood; the message says which field and why. */
export class AuditQueryError extends Error {
  override name = 'AuditQueryError';
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `since` as operators write it: Unix seconds, an ISO 8601 time, or an age such as `30m`, `24h`, `7d`. */
export function parseSince(text: string, now: number): number {
  if (/^\d+$/.test(text)) return Number(text);
  const age = /^(\d+)([smhd])$/.exec(text);
  if (age) return now - Number(age[1]) * UNITS[age[2]!]!;
  const time = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(time)) return Math.floor(time / 1000);
  throw new AuditQueryError(`since must be Unix seconds, an ISO 8601 time or an age like 24h, not '${text}'`);
}

function positiveInt(name: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new AuditQueryError(`${name} must be a positive whole number`);
  return Math.min(Number(text), max);
}

/** The filters of `tessera audit list` and `GET /admin/audit`, checked the same way for both. */
export function auditQuery(filters: { since?: string; type?: string; user?: string; client?: string; limit?: string; before?: string }, now: number): AuditQuery {
  const query: AuditQuery = { limit: filters.limit === undefined ? DEFAULT_AUDIT_LIMIT : positiveInt('limit', filters.limit, MAX_AUDIT_LIMIT) };
  if (filters.since !== undefined) query.since = parseSince(filters.since, now);
  if (filters.type !== undefined) {
    if (!AUDIT_TYPES.includes(filters.type as (typeof AUDIT_TYPES)[number])) throw new AuditQueryError(`unknown event type '${filters.type}' (known: ${AUDIT_TYPES.join(', ')})`);
    query.type = filters.type;
  }
  if (filters.user !== undefined) query.user = filters.user;
  if (filters.client !== undefined) query.clientId = filters.client;
  if (filters.before !== undefined) query.beforeId = positiveInt('before', filters.before, Number.MAX_SAFE_INTEGER);
  return query;
}

/** An audit event as the CLI and the admin API print it; `count` is how many identical failures the record stands for. */
export function auditView(event: StoredAuditEvent): Record<string, unknown> {
  return { id: event.id, ...auditEventFields(event), count: event.count };
}
