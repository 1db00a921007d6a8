import type { Kysely } from 'kysely';
import type { AuditEvent, AuditType } from '../../core/audit.js';
import type { AuditStore } from '../ports.js';
import type { Database } from './schema.js';
import { groupCommit } from '../group-commit.js';

/** Events per INSERT: 9 columns each, well under SQLite's and PostgreSQL's limits on parameters. */
const MAX_BATCH = 500;

export function sqlAuditStore(db: Kysely<Database>): AuditStore {
  // Every token issued is an event: written by group commit, not one transaction each.
  const append = groupCommit<AuditEvent>(async (events) => {
    await db
      .insertInto('audit_events')
      .values(events.map((e) => ({ at: e.at, type: e.type, outcome: e.outcome, user_id: e.userId, username: e.username, client_id: e.clientId, ip: e.ip, user_agent: e.userAgent, reason: e.reason })))
      .execute();
  }, MAX_BATCH);
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
      return rows.map(
        (r): AuditEvent & { id: number } => ({
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
        }),
      );
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
