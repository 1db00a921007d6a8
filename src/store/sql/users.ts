import type { Kysely, Selectable } from 'kysely';
import type { User, UserChanges, UserStore } from '../ports.js';
import type { Database, UsersTable } from './schema.js';
import { precompiled } from './precompiled.js';
import { changed } from './json.js';

/** Attributes as stored: keys sorted, so that equal attributes are equal text (conditional updates compare it). */
export function attributesText(attributes: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function parseAttributes(text: string): Record<string, string> {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new Error('stored user attributes are not a JSON object of strings');
  }
  return parsed as Record<string, string>;
}


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
    attributes: attributesText(u.attributes),
    last_sign_in_at: u.lastSignInAt,
    locked_until: u.lockedUntil,
    unlocked_at: u.unlockedAt,
    external_id: u.externalId,
    given_name: u.givenName,
    family_name: u.familyName,
    locale: u.locale ?? null,
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
  if (c.attributes !== undefined) row.attributes = attributesText(c.attributes);
  if (c.lockedUntil !== undefined) row.locked_until = c.lockedUntil;
  if (c.unlockedAt !== undefined) row.unlocked_at = c.unlockedAt;
  if (c.externalId !== undefined) row.external_id = c.externalId;
  if (c.givenName !== undefined) row.given_name = c.givenName;
  if (c.familyName !== undefined) row.family_name = c.familyName;
  if (c.locale !== undefined) row.locale = c.locale;
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
    attributes: parseAttributes(r.attributes),
    lastSignInAt: r.last_sign_in_at === null ? null : Number(r.last_sign_in_at),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
    unlockedAt: r.unlocked_at === null ? null : Number(r.unlocked_at),
    externalId: r.external_id ?? null,
    givenName: r.given_name ?? null,
    familyName: r.family_name ?? null,
    ...(r.locale ? { locale: r.locale } : {}),
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
    async update(id, changes, now, onlyIf) {
      let query = db.updateTable('users').set({ ...changedColumns(changes), updated_at: now }).where('id', '=', id);
      if (onlyIf) query = query.where('attributes', '=', attributesText(onlyIf.attributes));
      return changed(await query.executeTakeFirst()) === 1;
    },
    async recordSignIn(id, at) {
      await db.updateTable('users').set({ last_sign_in_at: at }).where('id', '=', id).execute();
    },
    async recordLock(id, until) {
      await db.updateTable('users').set({ locked_until: until }).where('id', '=', id).execute();
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
