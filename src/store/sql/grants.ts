import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Grant, GrantStore } from '../ports.js';
import type { Database, GrantsTable } from './schema.js';
import { precompiled } from './precompiled.js';
import { changed, fromJsonList, toJsonList } from './json.js';

function fromRow(r: Selectable<GrantsTable>): Grant {
  return {
    grantId: r.grant_id,
    userId: r.user_id,
    clientId: r.client_id,
    scopes: fromJsonList(r.scopes),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function sqlGrantStore(db: Kysely<Database>): GrantStore {
  const find = async (userId: string, clientId: string) => {
    const row = await db
      .selectFrom('grants')
      .selectAll()
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && fromRow(row);
  };
  const byId = precompiled<Database, Selectable<GrantsTable>>((db, param) => db.selectFrom('grants').selectAll().where('grant_id', '=', param(0)));
  return {
    find,
    async findById(grantId) {
      const [row] = (await byId(db, grantId)).rows;
      return row && fromRow(row);
    },
    async listByUser(userId) {
      const rows = await db.selectFrom('grants').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('grant_id').execute();
      return rows.map(fromRow);
    },
    async upsert(userId, clientId, scopes, now) {
      await db
        .insertInto('grants')
        .values({ grant_id: randomUUID(), user_id: userId, client_id: clientId, scopes: toJsonList(scopes), created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scopes: toJsonList(scopes), updated_at: now }))
        .execute();
      const grant = await find(userId, clientId);
      if (!grant) throw new Error('grant vanished right after it was written');
      return grant;
    },
    async delete(grantId) {
      return changed(await db.deleteFrom('grants').where('grant_id', '=', grantId).executeTakeFirst()) === 1;
    },
    async deleteWhere(owner) {
      const [column, value] = 'userId' in owner ? (['user_id', owner.userId] as const) : (['client_id', owner.clientId] as const);
      const rows = await db.deleteFrom('grants').where(column, '=', value).returning('grant_id').execute();
      return rows.map((r) => r.grant_id);
    },
  };
}
