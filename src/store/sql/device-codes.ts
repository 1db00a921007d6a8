import { sql, type Kysely, type Selectable } from 'kysely';
import type { DeviceCodeRecord, DeviceCodeStore } from '../ports.js';
import type { Database, DeviceCodesTable } from './schema.js';
import { changed, fromJsonList, toJsonList } from './json.js';
import { deleteExpiredRows } from './expiry.js';

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Selectable<DeviceCodesTable>): DeviceCodeRecord {
  return {
    deviceCodeHash: r.device_code_hash,
    userCodeHash: r.user_code_hash,
    clientId: r.client_id,
    scopes: fromJsonList(r.scopes),
    resources: fromJsonList(r.resources),
    status: r.status as DeviceCodeRecord['status'],
    userId: r.user_id,
    authTime: num(r.auth_time),
    amr: fromJsonList(r.amr),
    grantId: r.grant_id,
    interval: Number(r.interval),
    lastPolledAt: num(r.last_polled_at),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

export function sqlDeviceCodeStore(db: Kysely<Database>): DeviceCodeStore {
  return {
    async create(r) {
      await db
        .insertInto('device_codes')
        .values({
          device_code_hash: r.deviceCodeHash,
          user_code_hash: r.userCodeHash,
          client_id: r.clientId,
          scopes: toJsonList(r.scopes),
          resources: toJsonList(r.resources),
          status: r.status,
          user_id: r.userId,
          auth_time: r.authTime,
          amr: toJsonList(r.amr),
          grant_id: r.grantId,
          interval: r.interval,
          last_polled_at: r.lastPolledAt,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
        })
        .execute();
    },
    async findByUserCode(userCodeHash) {
      const row = await db.selectFrom('device_codes').selectAll().where('user_code_hash', '=', userCodeHash).executeTakeFirst();
      return row && fromRow(row);
    },
    async poll(deviceCodeHash, now) {
      // In time: one conditional UPDATE records the poll.
      const onTime = await db
        .updateTable('device_codes')
        .set({ last_polled_at: now })
        .where('device_code_hash', '=', deviceCodeHash)
        .where((eb) => eb.or([eb('last_polled_at', 'is', null), eb('last_polled_at', '<=', sql<number>`${now} - ${sql.ref('interval')}`)]))
        .returningAll()
        .executeTakeFirst();
      if (onTime) return { record: fromRow(onTime), tooSoon: false };
      // Too soon (or unknown): slow the device down (RFC 8628 §3.5).
      const slowed = await db
        .updateTable('device_codes')
        .set((eb) => ({ last_polled_at: now, interval: eb('interval', '+', 5) }))
        .where('device_code_hash', '=', deviceCodeHash)
        .returningAll()
        .executeTakeFirst();
      return slowed && { record: fromRow(slowed), tooSoon: true };
    },
    async decide(userCodeHash, decision) {
      const values =
        decision.status === 'approved'
          ? { status: 'approved', user_id: decision.userId, auth_time: decision.authTime, amr: toJsonList(decision.amr), grant_id: decision.grantId }
          : { status: 'denied' };
      const result = await db.updateTable('device_codes').set(values).where('user_code_hash', '=', userCodeHash).where('status', '=', 'pending').executeTakeFirst();
      return changed(result) === 1;
    },
    async consume(deviceCodeHash) {
      const result = await db
        .updateTable('device_codes')
        .set({ status: 'consumed' })
        .where('device_code_hash', '=', deviceCodeHash)
        .where('status', '=', 'approved')
        .executeTakeFirst();
      return changed(result) === 1;
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'device_codes', now, limit),
  };
}
