import { sql, type Kysely as KyselyDb } from 'kysely';
import type { ChangeFeed, StoreStats, Stores } from '../ports.js';
import type { StoreTelemetry } from '../telemetry.js';
import { sqlStoreStats } from './stats.js';
import { cachedClientStore } from '../cached-clients.js';
import type { Database } from './schema.js';
import { sqlClientStore } from './clients.js';
import { sqlUserStore } from './users.js';
import { sqlCodeStore } from './codes.js';
import { sqlRefreshStore } from './refresh-tokens.js';
import { sqlAccessTokenStore } from './access-tokens.js';
import { sqlRevokedFamilyStore } from './revoked-families.js';
import { sqlGrantStore } from './grants.js';
import { sqlKeyStore } from './keys.js';
import { sqlInteractionStore, sqlSessionStore } from './sessions.js';
import { sqlDeviceCodeStore } from './device-codes.js';
import { sqlInitialAccessTokenStore } from './initial-access-tokens.js';
import { sqlAuditStore } from './audit.js';
import { sqlMfaStore } from './mfa.js';
import { sqlApiStore } from './apis.js';
import { sqlGroupStore } from './groups.js';
import { sqlRoleStore } from './roles.js';
import { sqlMailOutboxStore } from './mail-outbox.js';
import { sqlAccountTokenStore } from './account-tokens.js';
import { sqlSignupStore } from './signups.js';
import { sqlPasskeyStore } from './passkeys.js';
import { sqlFederatedIdentityStore, sqlFederationStateStore, sqlIdentityProviderStore } from './federation.js';

/**
 * All store ports over one SQL database (the same queries serve SQLite and PostgreSQL). With a
 * change feed (a database shared by several processes), writes to clients and keys are announced
 * on it and clients are cached until a change to them is announced.
 */
export function sqlStores(db: KyselyDb<Database>, changes?: ChangeFeed, extras: { telemetry?: StoreTelemetry; pool?: StoreStats['pool'] } = {}): Stores {
  const clients = sqlClientStore(db, changes);
  const { telemetry, pool } = extras;
  return {
    clients: changes ? cachedClientStore(clients, changes, Date.now, telemetry) : clients,
    users: sqlUserStore(db),
    codes: sqlCodeStore(db),
    refreshTokens: sqlRefreshStore(db),
    accessTokens: sqlAccessTokenStore(db),
    revokedFamilies: sqlRevokedFamilyStore(db),
    grants: sqlGrantStore(db),
    keys: sqlKeyStore(db, changes),
    sessions: sqlSessionStore(db),
    interactions: sqlInteractionStore(db),
    deviceCodes: sqlDeviceCodeStore(db),
    initialAccessTokens: sqlInitialAccessTokenStore(db),
    audit: sqlAuditStore(db, telemetry),
    mfa: sqlMfaStore(db),
    identityProviders: sqlIdentityProviderStore(db, changes),
    apis: sqlApiStore(db, changes),
    federatedIdentities: sqlFederatedIdentityStore(db),
    federationStates: sqlFederationStateStore(db),
    groups: sqlGroupStore(db),
    roles: sqlRoleStore(db),
    mailOutbox: sqlMailOutboxStore(db),
    accountTokens: sqlAccountTokenStore(db),
    signups: sqlSignupStore(db),
    passkeys: sqlPasskeyStore(db),
    settings: {
      async get(name) {
        return (await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst())?.value;
      },
      async set(name, value) {
        await db.insertInto('settings').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
      },
      async getOrSet(name, value) {
        await db.insertInto('settings').values({ name, value }).onConflict((oc) => oc.column('name').doNothing()).execute();
        const row = await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
        return row.value;
      },
    },
    ...(changes ? { changes } : {}),
    stats: sqlStoreStats(db, pool),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await changes?.close();
      await db.destroy();
    },
  };
}
