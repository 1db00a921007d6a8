import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEvent, AuditType } from '../../core/audit.js';
import type { AuditStore } from '../ports.js';
import type { Database } from './schema.js';
import { groupCommit } from '../group-commit.js';
import type { StoreTelemetry } from '../telemetry.js';

/** Events per INSERT: 12 columns each, well under SQLite's and PostgreSQL's limits on parameters. */
const MAX_BATCH = 500;

/** Identical failures from one address within one such window (aligned to the clock) share a row. */
export const AGGREGATION_WINDOW_SECONDS = 60;

/**
 * What makes failures identical: everything but the time, and the window they fall in. Refused
 * requests then add to a count instead of a row each, so a flood cannot grow the table without
 * bound. Successes, and events with no address (the CLI), stay one row each.
 */
function aggregateKey(e: AuditEvent): string | null {
  if (e.outcome !== 'failure' || e.ip === null) return null;
  const identity = [e.type, e.ip, e.userId, e.username, e.clientId, e.reason, e.userAgent, e.actor, Math.floor(e.at / AGGREGATION_WINDOW_SECONDS)];
  return createHash('sha256').update(JSON.stringify(identity)).digest('base64url');
}

/** The rows for a batch: identical failures in it already merged (one INSERT may not touch a row twice on PostgreSQL). */
function rowsOf(events: AuditEvent[]) {
  const rows = new Map<string, { at: number; type: string; outcome: string; user_id: string | null; username: string | null; client_id: string | null; ip: string | null; user_agent: string | null; reason: string | null; actor: string | null; count: number; aggregate_key: string | null }>();
  events.forEach((e, i) => {
    const key = aggregateKey(e);
    const merged = key === null ? undefined : rows.get(key);
    if (merged) merged.count++;
    else rows.set(key ?? `single:${i}`, { at: e.at, type: e.type, outcome: e.outcome, user_id: e.userId, username: e.username, client_id: e.clientId, ip: e.ip, user_agent: e.userAgent, reason: e.reason, actor: e.actor, count: 1, aggregate_key: key });
  });
  return [...rows.values()];
}

export function sqlAuditStore(db: Kysely<Database>, telemetry?: StoreTelemetry): AuditStore {
  // Every token issued is an event: written by group commit, not one transaction each.
  const append = groupCommit<AuditEvent>(async (events) => {
    await db
      .insertInto('audit_events')
      .values(rowsOf(events))
      // Another batch, process or node already holds this window's row: add to its count, atomically.
      .onConflict((oc) => oc.column('aggregate_key').doUpdateSet((eb) => ({ count: eb('audit_events.count', '+', eb.ref('excluded.count')) })))
      .execute();
  }, MAX_BATCH, telemetry && ((size) => telemetry.auditBatch(size)));
  return {
    append,
    async list(q) {
      let query = db.selectFrom('audit_events').selectAll();
      if (q.since !== undefined) query = query.where('at', '>=', q.since);
      if (q.type !== undefined) query = query.where('type', '=', q.type);
      if (q.user !== undefined) {
        const user = q.user;
        query = query.where((eb) => eb.or([eb('user_id', '=', user), eb('username', '=', user.toLowerCase())]));
      }
      if (q.clientId !== undefined) query = query.where('client_id', '=', q.clientId);
      if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map((r) => ({
        id: Number(r.id),
        at: Number(r.at),
        type: r.type as AuditType,
        outcome: r.outcome === 'failure' ? 'failure' : 'success',
        userId: r.user_id,
        username: r.username,
        clientId: r.client_id,
        ip: r.ip,
        userAgent: r.user_agent,
        reason: r.reason,
        actor: r.actor,
        count: Number(r.count),
      }));
    },
    async countByType({ since, until, types }) {
      if (types.length === 0) return {};
      let query = db
        .selectFrom('audit_events')
        .select((eb) => ['type', eb.fn.sum<number | string>('count').as('n')])
        .where('at', '>=', since)
        .where('type', 'in', [...types]);
      if (until !== undefined) query = query.where('at', '<', until);
      const rows = await query.groupBy('type').execute();
      // PostgreSQL sums integers as bigint, which its driver reads as a string.
      return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
    },
    async deleteExpired(cutoff, limit) {
      const result = await db
        .deleteFrom('audit_events')
        .where('id', 'in', db.selectFrom('audit_events').select('id').where('at', '<=', cutoff).orderBy('id').limit(limit))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
