import type { Kysely } from 'kysely';
import type { Stores } from '../ports.js';
import type { Database } from './schema.js';
import { sqlClientStore } from './clients.js';
import { sqlUserStore } from './users.js';
import { sqlCodeStore } from './codes.js';
import { sqlRefreshStore } from './refresh-tokens.js';
import { sqlAccessTokenStore } from './access-tokens.js';
import { sqlGrantStore } from './grants.js';
import { sqlKeyStore } from './keys.js';
import { sqlInteractionStore, sqlSessionStore } from './sessions.js';
import { sqlDeviceCodeStore } from './device-codes.js';
import { sqlInitialAccessTokenStore } from './initial-access-tokens.js';
import { sqlAuditStore } from './audit.js';
import { sqlMfaStore } from './mfa.js';

/** All store ports over one SQL database (the same queries serve SQLite and PostgreSQL). */
export function sqlStores(db: Kysely<Database>): Stores {
  return {
    clients: sqlClientStore(db),
    users: sqlUserStore(db),
    codes: sqlCodeStore(db),
    refreshTokens: sqlRefreshStore(db),
    accessTokens: sqlAccessTokenStore(db),
    grants: sqlGrantStore(db),
    keys: sqlKeyStore(db),
    sessions: sqlSessionStore(db),
    interactions: sqlInteractionStore(db),
    deviceCodes: sqlDeviceCodeStore(db),
    initialAccessTokens: sqlInitialAccessTokenStore(db),
    audit: sqlAuditStore(db),
    mfa: sqlMfaStore(db),
    close: () => db.destroy(),
  };
}
