import { sql, type Kysely, type Selectable } from 'kysely';
import { isPostgres } from './dialect.js';
import type {
  ChangeFeed,
  FederatedIdentity,
  FederatedIdentityStore,
  FederationStateStore,
  IdentityProviderRecord,
  IdentityProviderStore,
} from '../ports.js';
import type { Database, FederatedIdentitiesTable, IdentityProvidersTable } from './schema.js';
import { changed, fromJsonList, inserted, toJsonList } from './json.js';
import { deleteExpiredRows } from './expiry.js';

const KINDS: readonly IdentityProviderRecord['kind'][] = ['ldap', 'oidc', 'oauth2'];

function providerOf(r: Selectable<IdentityProvidersTable>): IdentityProviderRecord {
  return {
    id: r.id,
    name: r.name,
    kind: KINDS.includes(r.kind as IdentityProviderRecord['kind']) ? (r.kind as IdentityProviderRecord['kind']) : 'oidc',
    displayName: r.display_name,
    enabled: Boolean(r.enabled),
    priority: Number(r.priority),
    domains: fromJsonList(r.domains),
    settings: r.settings,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: Number(r.version),
  };
}

export function sqlIdentityProviderStore(db: Kysely<Database>, changes?: ChangeFeed): IdentityProviderStore {
  const announce = async () => changes?.publish({ kind: 'identity_providers' });
  const byId = (id: string) => db.selectFrom('identity_providers').selectAll().where('id', '=', id);
  return {
    async list() {
      return (await db.selectFrom('identity_providers').selectAll().orderBy('priority').orderBy('name').execute()).map(providerOf);
    },
    async findByName(name) {
      const row = await db.selectFrom('identity_providers').selectAll().where('name', '=', name).executeTakeFirst();
      return row && providerOf(row);
    },
    async findById(id) {
      const row = await byId(id).executeTakeFirst();
      return row && providerOf(row);
    },
    async create(p) {
      const result = await db
        .insertInto('identity_providers')
        .values({
          id: p.id,
          name: p.name,
          kind: p.kind,
          display_name: p.displayName,
          enabled: p.enabled ? 1 : 0,
          priority: p.priority,
          domains: toJsonList(p.domains),
          settings: p.settings,
          created_at: p.createdAt,
          updated_at: p.updatedAt,
          version: p.version,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      const created = inserted(result);
      if (created) await announce();
      return created;
    },
    async update(id, c, expectedVersion, now) {
      const set: Partial<IdentityProvidersTable> = { updated_at: now };
      if (c.displayName !== undefined) set.display_name = c.displayName;
      if (c.priority !== undefined) set.priority = c.priority;
      if (c.domains !== undefined) set.domains = toJsonList(c.domains);
      if (c.settings !== undefined) set.settings = c.settings;
      const result = await db
        .updateTable('identity_providers')
        .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (changed(result) === 1) {
        await announce();
        return 'ok';
      }
      return (await byId(id).executeTakeFirst()) ? 'stale' : 'missing';
    },
    async setEnabled(id, enabled, now) {
      const result = await db
        .updateTable('identity_providers')
        .set((eb) => ({ enabled: enabled ? 1 : 0, updated_at: now, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .executeTakeFirst();
      await announce();
      return changed(result) === 1;
    },
    async delete(id) {
      const deleted = await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('federated_identities').where('provider_id', '=', id).execute();
        return changed(await trx.deleteFrom('identity_providers').where('id', '=', id).executeTakeFirst()) === 1;
      });
      await announce();
      return deleted;
    },
  };
}

function identityOf(r: Selectable<FederatedIdentitiesTable>): FederatedIdentity {
  return {
    providerId: r.provider_id,
    subject: r.subject,
    userId: r.user_id,
    username: r.username,
    email: r.email,
    groups: fromJsonList(r.groups),
    createdAt: Number(r.created_at),
    lastSignInAt: Number(r.last_sign_in_at),
  };
}

export function sqlFederatedIdentityStore(db: Kysely<Database>): FederatedIdentityStore {
  return {
    async find(providerId, subject) {
      const row = await db.selectFrom('federated_identities').selectAll().where('provider_id', '=', providerId).where('subject', '=', subject).executeTakeFirst();
      return row && identityOf(row);
    },
    async listByUser(userId) {
      return (await db.selectFrom('federated_identities').selectAll().where('user_id', '=', userId).orderBy('created_at').execute()).map(identityOf);
    },
    async link(i) {
      // The primary key decides: of two concurrent first sign-ins of one identity, one links.
      const result = await db
        .insertInto('federated_identities')
        .values({
          provider_id: i.providerId,
          subject: i.subject,
          user_id: i.userId,
          username: i.username,
          email: i.email,
          groups: toJsonList(i.groups),
          created_at: i.createdAt,
          last_sign_in_at: i.lastSignInAt,
        })
        .onConflict((oc) => oc.columns(['provider_id', 'subject']).doNothing())
        .executeTakeFirst();
      return inserted(result);
    },
    async touch(providerId, subject, seen, at) {
      await db
        .updateTable('federated_identities')
        .set({ username: seen.username, email: seen.email, groups: toJsonList(seen.groups), last_sign_in_at: at })
        .where('provider_id', '=', providerId)
        .where('subject', '=', subject)
        .execute();
    },
    async unlinkKeeping(providerId, subject, userId, keep) {
      return db.transaction().execute(async (trx) => {
        // PostgreSQL: the user's row is the lock one user's unlinks queue on. SQLite: a write transaction is alone anyway.
        if (isPostgres(db)) await sql`select id from users where id = ${userId} for update`.execute(trx);
        const { n } = await trx.selectFrom('federated_identities').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
        if (Number(n) - 1 < keep) return false;
        const result = await trx.deleteFrom('federated_identities').where('provider_id', '=', providerId).where('subject', '=', subject).where('user_id', '=', userId).executeTakeFirst();
        return changed(result) === 1;
      });
    },
    async unlink(providerId, subject, userId) {
      const result = await db.deleteFrom('federated_identities').where('provider_id', '=', providerId).where('subject', '=', subject).where('user_id', '=', userId).executeTakeFirst();
      return changed(result) === 1;
    },
  };
}

export function sqlFederationStateStore(db: Kysely<Database>): FederationStateStore {
  return {
    async create(r) {
      await db
        .insertInto('federation_states')
        .values({
          state_hash: r.stateHash,
          provider_id: r.providerId,
          browser_hash: r.browserHash,
          nonce: r.nonce,
          verifier_sealed: r.verifierSealed,
          next: r.next,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
        })
        .execute();
    },
    async consume(stateHash, now) {
      // DELETE … RETURNING: one statement, so two callbacks with one state cannot both have it.
      const row = await db.deleteFrom('federation_states').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
      if (!row || Number(row.expires_at) <= now) return undefined;
      return {
        stateHash: row.state_hash,
        providerId: row.provider_id,
        browserHash: row.browser_hash,
        nonce: row.nonce,
        verifierSealed: row.verifier_sealed,
        next: row.next,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
      };
    },
    deleteExpired: (now, limit) => deleteExpiredRows(db, 'federation_states', now, limit),
  };
}
