import type { Kysely, Selectable } from 'kysely';
import type { User, UserChanges, UserStore } from '../ports.js';
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

/** The columns of the fields present in `changes`, and only those. */
function changedColumns(c: UserChanges): Partial<UsersTable> {
  const row: Partial<UsersTable> = {};
  if (c.username !== undefined) Object.assign(row, { username: c.username, username_lower: c.username.toLowerCase() });
  if (c.email !== undefined) row.email = c.email;
  if (c.emailVerified !== undefined) row.email_verified = c.emailVerified ? 1 : 0;
  if (c.name !== undefined) row.name = c.name;
  if (c.passwordHash !== undefined) row.password_hash = c.passwordHash;
  if (c.disabled !== undefined) row.disabled = c.disabled ? 1 : 0;
  if (c.tokensRevokedAt !== undefined) row.tokens_revoked_at = c.tokensRevokedAt;
  return row;
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
    async listByEmail(email) {
      const rows = await db.selectFrom('users').selectAll().where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase())).orderBy('created_at').execute();
      return rows.map(fromRow);
    },
    async list() {
      const rows = await db.selectFrom('users').selectAll().orderBy('created_at').orderBy('username_lower').execute();
      return rows.map(fromRow);
    },
    async create(user) {
      await db.insertInto('users').values(toRow(user)).execute();
    },
    async update(id, changes, now) {
      const result = await db.updateTable('users').set({ ...changedColumns(changes), updated_at: now }).where('id', '=', id).executeTakeFirst();
      return changed(result) === 1;
    },
    async setPasswordHash(id, expected, next, now) {
      const result = await db.updateTable('users').set({ password_hash: next, updated_at: now }).where('id', '=', id).where('password_hash', '=', expected).executeTakeFirst();
      return changed(result) === 1;
    },
    async delete(id) {
      return changed(await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()) === 1;
    },
  };
}
