import type { Kysely, Selectable } from 'kysely';
import type { User, UserStore } from '../ports.js';
import type { Database, UsersTable } from './schema.js';
import { precompiled } from './precompiled.js';
import { changed } from './json.js';

function toRow(u: User): UsersTable {
  return {
    id: u.id,
    username: u.username,
    username_lower: u.username.toLowerCase(),
    email: u.email,
    email_verified: u.emailVerified ? 1 : 0,
    name: u.name,
    password_hash: u.passwordHash,
    disabled: u.disabled ? 1 : 0,
    tokens_revoked_at: u.tokensRevokedAt,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  };
}

function fromRow(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    emailVerified: Boolean(r.email_verified),
    name: r.name,
    passwordHash: r.password_hash,
    disabled: Boolean(r.disabled),
    tokensRevokedAt: r.tokens_revoked_at === null ? null : Number(r.tokens_revoked_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function sqlUserStore(db: Kysely<Database>): UserStore {
  const byId = precompiled<Database, Selectable<UsersTable>>((db, param) => db.selectFrom('users').selectAll().where('id', '=', param(0)));
  return {
    async findById(id) {
      const [row] = (await byId(db, id)).rows;
      return row && fromRow(row);
    },
    async findByUsername(username) {
      const row = await db.selectFrom('users').selectAll().where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
      return row && fromRow(row);
    },
    async list() {
      const rows = await db.selectFrom('users').selectAll().orderBy('created_at').orderBy('username_lower').execute();
      return rows.map(fromRow);
    },
    async create(user) {
      await db.insertInto('users').values(toRow(user)).execute();
    },
    async update(user) {
      const { id, created_at, ...rest } = toRow(user);
      const result = await db.updateTable('users').set(rest).where('id', '=', id).executeTakeFirst();
      return changed(result) === 1;
    },
    async delete(id) {
      return changed(await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()) === 1;
    },
  };
}
