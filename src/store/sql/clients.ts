import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  AccessTokenAlg,
  ApplicationType,
  Client,
  ClientAuthMethod,
  ClientExtras,
  ClientLifetimes,
  ClientMetadata,
  ClientOrigin,
  ClientState,
  ClientType,
  GrantType,
  IdTokenAlg,
} from '../../core/clients/client.js';
import type { ChangeFeed, ClientStore } from '../ports.js';
import type { ClientsTable, Database } from './schema.js';
import { changed, fromJsonList, toJsonList } from './json.js';
import { isPostgres } from './dialect.js';

/** Rolls back a creation that would take its owner past the cap. */
class OverTheCap extends Error {}

const ORIGINS: readonly ClientOrigin[] = ['operator', 'dynamic', 'console'];

function toRow(c: Client): ClientsTable {
  return {
    client_id: c.clientId,
    secret_hash: c.secretHash,
    name: c.name,
    type: c.type,
    application_type: c.applicationType,
    redirect_uris: toJsonList(c.redirectUris),
    post_logout_redirect_uris: toJsonList(c.postLogoutRedirectUris),
    grant_types: toJsonList(c.grantTypes),
    scopes: toJsonList(c.scopes),
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    disabled: c.disabled ? 1 : 0,
    tokens_revoked_at: c.tokensRevokedAt,
    origin: c.origin,
    registration_token_hash: c.registrationTokenHash,
    owner_id: c.ownerId,
    require_mfa: requireMfaColumn(c),
    first_party: c.firstParty ? 1 : 0,
    default_api: c.defaultApi,
    attribute_claims: toJsonList(c.attributeClaims),
    extras: JSON.stringify(c.extras),
    ...tokenColumns(c),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    version: c.version,
  };
}

/** The columns of a metadata change: never the state columns (disabled, tokens_revoked_at, require_mfa, first_party, origin, owner). */
function metadataColumns(m: ClientMetadata): Partial<ClientsTable> {
  const row: Partial<ClientsTable> = {
    name: m.name,
    type: m.type,
    application_type: m.applicationType,
    redirect_uris: toJsonList(m.redirectUris),
    post_logout_redirect_uris: toJsonList(m.postLogoutRedirectUris),
    grant_types: toJsonList(m.grantTypes),
    scopes: toJsonList(m.scopes),
    token_endpoint_auth_method: m.tokenEndpointAuthMethod,
    extras: JSON.stringify(m.extras),
    ...tokenColumns(m),
  };
  if (m.secretHash !== undefined) row.secret_hash = m.secretHash;
  return row;
}

function tokenColumns(m: Pick<Client, 'lifetimes' | 'idTokenAlg' | 'accessTokenAlg'>) {
  return {
    access_token_ttl: m.lifetimes.accessToken ?? null,
    id_token_ttl: m.lifetimes.idToken ?? null,
    refresh_token_ttl: m.lifetimes.refreshToken ?? null,
    refresh_token_absolute_ttl: m.lifetimes.refreshTokenAbsolute ?? null,
    id_token_alg: m.idTokenAlg,
    access_token_alg: m.accessTokenAlg,
  };
}

function lifetimesOf(r: Selectable<ClientsTable>): ClientLifetimes {
  const lifetimes: ClientLifetimes = {};
  if (r.access_token_ttl !== null) lifetimes.accessToken = Number(r.access_token_ttl);
  if (r.id_token_ttl !== null) lifetimes.idToken = Number(r.id_token_ttl);
  if (r.refresh_token_ttl !== null) lifetimes.refreshToken = Number(r.refresh_token_ttl);
  if (r.refresh_token_absolute_ttl !== null) lifetimes.refreshTokenAbsolute = Number(r.refresh_token_absolute_ttl);
  return lifetimes;
}

/** require_mfa holds the level: 0 off, 1 on (as the boolean it was), 2 phishing-resistant. */
const requireMfaColumn = (c: { requireMfa: boolean; requirePhishingResistant?: boolean | undefined }): number => (c.requireMfa ? (c.requirePhishingResistant === true ? 2 : 1) : 0);

function stateColumns(s: ClientState): Partial<ClientsTable> {
  const row: Partial<ClientsTable> = {};
  if (s.disabled !== undefined) row.disabled = s.disabled ? 1 : 0;
  if (s.tokensRevokedAt !== undefined) row.tokens_revoked_at = s.tokensRevokedAt;
  if (s.secretHash !== undefined) row.secret_hash = s.secretHash;
  if (s.requireMfa !== undefined) row.require_mfa = requireMfaColumn({ requireMfa: s.requireMfa, requirePhishingResistant: s.requirePhishingResistant });
  if (s.firstParty !== undefined) row.first_party = s.firstParty ? 1 : 0;
  if (s.defaultApi !== undefined) row.default_api = s.defaultApi;
  if (s.attributeClaims !== undefined) row.attribute_claims = toJsonList(s.attributeClaims);
  return row;
}

function fromRow(r: Selectable<ClientsTable>): Client {
  return {
    clientId: r.client_id,
    secretHash: r.secret_hash,
    name: r.name,
    type: r.type as ClientType,
    applicationType: r.application_type as ApplicationType,
    redirectUris: fromJsonList(r.redirect_uris),
    postLogoutRedirectUris: fromJsonList(r.post_logout_redirect_uris),
    grantTypes: fromJsonList<GrantType>(r.grant_types),
    scopes: fromJsonList(r.scopes),
    tokenEndpointAuthMethod: r.token_endpoint_auth_method as ClientAuthMethod,
    disabled: Boolean(r.disabled),
    tokensRevokedAt: r.tokens_revoked_at === null ? null : Number(r.tokens_revoked_at),
    origin: ORIGINS.includes(r.origin as ClientOrigin) ? (r.origin as ClientOrigin) : 'operator',
    registrationTokenHash: r.registration_token_hash,
    ownerId: r.owner_id,
    requireMfa: Number(r.require_mfa) > 0,
    requirePhishingResistant: Number(r.require_mfa) === 2,
    firstParty: Boolean(r.first_party),
    defaultApi: r.default_api,
    attributeClaims: fromJsonList(r.attribute_claims),
    extras: JSON.parse(r.extras) as ClientExtras,
    lifetimes: lifetimesOf(r),
    idTokenAlg: r.id_token_alg as IdTokenAlg | null,
    accessTokenAlg: r.access_token_alg as AccessTokenAlg | null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: Number(r.version),
  };
}

export function sqlClientStore(db: Kysely<Database>, changes?: ChangeFeed): ClientStore {
  const announce = async (clientId: string) => changes?.publish({ kind: 'client', clientId });
  return {
    async find(clientId) {
      const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row && fromRow(row);
    },
    async list() {
      const rows = await db.selectFrom('clients').selectAll().orderBy('created_at').orderBy('client_id').execute();
      return rows.map(fromRow);
    },
    async listByOwner(ownerId) {
      const rows = await db.selectFrom('clients').selectAll().where('owner_id', '=', ownerId).orderBy('created_at').orderBy('client_id').execute();
      return rows.map(fromRow);
    },
    async create(client) {
      await db.insertInto('clients').values(toRow(client)).execute();
      await announce(client.clientId);
    },
    async createOwned(client, max) {
      const created = await db
        .transaction()
        .execute(async (trx) => {
          // PostgreSQL (read committed) would let concurrent creations each count the others out: they take turns per owner.
          if (isPostgres(db)) await sql`select pg_advisory_xact_lock(hashtext(${`tessera:clients-of:${client.ownerId}`}))`.execute(trx);
          // SQLite: writing first makes this transaction the writer until it ends, so the count below is final.
          await trx.insertInto('clients').values(toRow(client)).execute();
          const { n } = await trx.selectFrom('clients').select((eb) => eb.fn.countAll().as('n')).where('owner_id', '=', client.ownerId).executeTakeFirstOrThrow();
          if (Number(n) > max) throw new OverTheCap();
          return true;
        })
        .catch((e: unknown) => {
          if (e instanceof OverTheCap) return false;
          throw e;
        });
      if (created) await announce(client.clientId);
      return created;
    },
    async findFresh(clientId) {
      const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row && fromRow(row);
    },
    async updateMetadata(clientId, metadata, expectedVersion, now, state = {}) {
      const result = await db
        .updateTable('clients')
        .set((eb) => ({ ...metadataColumns(metadata), ...stateColumns(state), updated_at: now, version: eb('version', '+', 1) }))
        .where('client_id', '=', clientId)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (changed(result) === 1) {
        await announce(clientId);
        return 'ok';
      }
      const exists = await db.selectFrom('clients').select('client_id').where('client_id', '=', clientId).executeTakeFirst();
      return exists ? 'stale' : 'missing';
    },
    async setState(clientId, state, now) {
      const result = await db
        .updateTable('clients')
        .set((eb) => ({ ...stateColumns(state), updated_at: now, version: eb('version', '+', 1) }))
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      await announce(clientId);
      return changed(result) === 1;
    },
    async anyWithGrant(grantType) {
      // grant_types is a JSON list: look for the quoted member.
      const row = await db.selectFrom('clients').select('client_id').where('grant_types', 'like', `%${JSON.stringify(grantType)}%`).executeTakeFirst();
      return row !== undefined;
    },
    async delete(clientId) {
      const result = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
      await announce(clientId);
      return changed(result) === 1;
    },
  };
}
