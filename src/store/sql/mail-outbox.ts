import { type Kysely, type Selectable } from 'kysely';
import type { MailOutboxStore, OutboxMessage } from '../ports.js';
import type { Database, MailOutboxTable } from './schema.js';
import { changed } from './json.js';
import { isPostgres } from './dialect.js';

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Selectable<MailOutboxTable>): OutboxMessage {
  return {
    id: r.id,
    recipient: r.recipient,
    template: r.template,
    content: r.content,
    status: r.status as OutboxMessage['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    claimedBy: r.claimed_by,
    claimedUntil: num(r.claimed_until),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    settledAt: num(r.settled_at),
  };
}

/** Errors from a mail server can be long (a whole SMTP transcript): the row keeps the start. */
const MAX_ERROR = 500;

export function sqlMailOutboxStore(db: Kysely<Database>): MailOutboxStore {
  /** The writes of the node that holds the claim; a node whose claim lapsed (and was taken over) writes nothing. */
  const settle = (id: string, owner: string) =>
    db.updateTable('mail_outbox').where('id', '=', id).where('claimed_by', '=', owner).where('status', '=', 'pending');
  return {
    async enqueue(m) {
      await db
        .insertInto('mail_outbox')
        .values({ id: m.id, recipient: m.recipient, template: m.template, content: m.content, status: 'pending', attempts: 0, next_attempt_at: m.nextAttemptAt, created_at: m.createdAt })
        .execute();
    },
    async claimDue(owner, now, until, limit) {
      // Which rows are due; on PostgreSQL rows another node is claiming right now are skipped rather than waited for.
      let due = db
        .selectFrom('mail_outbox')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit);
      if (isPostgres(db)) due = due.forUpdate().skipLocked();
      // The same conditions again on the UPDATE itself: it is one statement (SQLite writes one at a
      // time; PostgreSQL re-checks them on the newest version of a row another claim just changed),
      // so a row is claimed by one caller only.
      const rows = await db
        .updateTable('mail_outbox')
        .set((eb) => ({ claimed_by: owner, claimed_until: until, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', due)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .returningAll()
        .execute();
      return rows.map(fromRow).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    },
    async markSent(id, owner, now) {
      return changed(await settle(id, owner).set({ status: 'sent', content: '', settled_at: now, claimed_until: null, last_error: null }).executeTakeFirst()) === 1;
    },
    async markRetry(id, owner, nextAttemptAt, error) {
      return changed(await settle(id, owner).set({ next_attempt_at: nextAttemptAt, claimed_by: null, claimed_until: null, last_error: error.slice(0, MAX_ERROR) }).executeTakeFirst()) === 1;
    },
    async markFailed(id, owner, now, error) {
      return changed(await settle(id, owner).set({ status: 'failed', content: '', settled_at: now, claimed_until: null, last_error: error.slice(0, MAX_ERROR) }).executeTakeFirst()) === 1;
    },
    async find(id) {
      const row = await db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },
    async deleteSettled(before, limit) {
      const result = await db
        .deleteFrom('mail_outbox')
        .where('id', 'in', db.selectFrom('mail_outbox').select('id').where('settled_at', 'is not', null).where('settled_at', '<=', before).limit(limit))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
