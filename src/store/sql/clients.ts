import type { Kysely, Selectable } from 'kysely';
import type { ApplicationType, Client, ClientAuthMethod, ClientExtras, ClientOrigin, ClientType, GrantType } from '../../core/clients/client.js';
import type { ChangeFeed, ClientStore } from '../ports.js';
import type { ClientsTable, Database } from './schema.js';
import { changed, fromJsonList, toJsonList } from './json.js';

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
    require_mfa: c.requireMfa ? 1 : 0,
    extras: JSON.stringify(c.extras),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
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
    requireMfa: Boolean(r.require_mfa),
    extras: JSON.parse(r.extras) as ClientExtras,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
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
    async update(client) {
      const { client_id, created_at, ...rest } = toRow(client);
      const result = await db.updateTable('clients').set(rest).where('client_id', '=', client_id).executeTakeFirst();
      await announce(client_id);
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
