import { sql, type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { isPostgres } from './dialect.js';

/** Schema changes, in order. Never edit a migration that has shipped; add a new one. */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_hash', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('application_type', 'text', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('username_lower', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text')
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('name', 'text')
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('redirect_uri_in_request', 'integer', (c) => c.notNull())
        .addColumn('code_challenge', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text')
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema.createIndex('codes_expires_at').on('codes').column('expires_at').execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('rotated_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();

      await db.schema
        .createTable('issued_access_tokens')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('issued_access_tokens_family').on('issued_access_tokens').column('family_id').execute();

      await db.schema
        .createTable('revoked_jtis')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('grants')
        .addColumn('grant_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('grants_user_client', ['user_id', 'client_id'])
        .execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('interactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('browser_hash', 'text', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('auth_time', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002_token_lifecycle': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('clients').addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('clients').addColumn('tokens_revoked_at', 'bigint').execute();
      await db.schema.alterTable('users').addColumn('tokens_revoked_at', 'bigint').execute();
      await db.schema.alterTable('issued_access_tokens').addColumn('grant_id', 'text').execute();
      // Tokens issued before this column existed: their family's refresh tokens know the grant.
      await sql`UPDATE issued_access_tokens SET grant_id = (SELECT r.grant_id FROM refresh_tokens r WHERE r.family_id = issued_access_tokens.family_id LIMIT 1) WHERE grant_id IS NULL`.execute(db);
      // Revocation sweeps by owner, and cleanup by expiry, must not scan whole tables.
      const indexes: [string, string, string][] = [
        ['issued_access_tokens_grant', 'issued_access_tokens', 'grant_id'],
        ['issued_access_tokens_expires_at', 'issued_access_tokens', 'expires_at'],
        ['revoked_jtis_expires_at', 'revoked_jtis', 'expires_at'],
        ['refresh_tokens_grant', 'refresh_tokens', 'grant_id'],
        ['refresh_tokens_user', 'refresh_tokens', 'user_id'],
        ['refresh_tokens_client', 'refresh_tokens', 'client_id'],
        ['refresh_tokens_expires_at', 'refresh_tokens', 'expires_at'],
        ['grants_client', 'grants', 'client_id'],
        ['sessions_user', 'sessions', 'user_id'],
        ['sessions_expires_at', 'sessions', 'expires_at'],
        ['interactions_expires_at', 'interactions', 'expires_at'],
      ];
      for (const [name, table, column] of indexes) await db.schema.createIndex(name).on(table).column(column).execute();
    },
  },
  '0003_device_codes': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('device_codes')
        .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('auth_time', 'bigint')
        .addColumn('grant_id', 'text')
        .addColumn('interval', 'integer', (c) => c.notNull())
        .addColumn('last_polled_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('device_codes_expires_at').on('device_codes').column('expires_at').execute();
    },
  },
  '0004_dynamic_registration': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('clients').addColumn('origin', 'text', (c) => c.notNull().defaultTo('operator')).execute();
      await db.schema.alterTable('clients').addColumn('registration_token_hash', 'text').execute();
      await db.schema.alterTable('clients').addColumn('extras', 'text', (c) => c.notNull().defaultTo('{}')).execute();
      await db.schema
        .createTable('initial_access_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('uses_left', 'integer')
        .execute();
    },
  },
  '0005_developer_console': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('clients').addColumn('owner_id', 'text').execute();
      await db.schema.createIndex('clients_owner_id').on('clients').column('owner_id').execute();
    },
  },
  '0006_audit_log': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_events')
        // Ids grow with time (paging reads below an id): SQLite's autoincrement, PostgreSQL's identity.
        .addColumn('id', isPostgres(db) ? 'bigint' : 'integer', (c) =>
          isPostgres(db) ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('username', 'text')
        .addColumn('client_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('reason', 'text')
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
      await db.schema.createIndex('audit_events_user_id').on('audit_events').column('user_id').execute();
      await db.schema.createIndex('audit_events_client_id').on('audit_events').column('client_id').execute();
    },
  },
  '0007_second_factor': {
    async up(db: Kysely<any>) {
      // How each authentication happened (RFC 8176 amr), carried from the session to the tokens.
      for (const table of ['sessions', 'interactions', 'codes', 'refresh_tokens', 'device_codes']) {
        await db.schema.alterTable(table).addColumn('amr', 'text', (c) => c.notNull().defaultTo('["pwd"]')).execute();
      }
      await db.schema.alterTable('sessions').addColumn('pending_factor', 'text').execute();
      await db.schema.alterTable('clients').addColumn('require_mfa', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('user_mfa')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('enabled_at', 'bigint')
        .addColumn('last_time_step', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('backup_codes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0008_settings': {
    async up(db: Kysely<any>) {
      // Facts every process using the store must agree on (the pepper's fingerprint).
      await db.schema
        .createTable('settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0009_session_device_code': {
    async up(db: Kysely<any>) {
      // The device user code this browser entered and had confirmed: the decision applies to it alone (RFC 8628 §5.4).
      await db.schema.alterTable('sessions').addColumn('device_user_code_hash', 'text').execute();
    },
  },
  '0010_audit_aggregation': {
    async up(db: Kysely<any>) {
      // Identical failures from one address within a window share a row (src/store/sql/audit.ts).
      await db.schema.alterTable('audit_events').addColumn('count', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('audit_events').addColumn('aggregate_key', 'text').execute();
      await db.schema.createIndex('audit_events_aggregate_key').on('audit_events').column('aggregate_key').unique().execute();
    },
  },
  '0011_client_version': {
    async up(db: Kysely<any>) {
      // Optimistic concurrency for client changes: an owner's edit computed before an operator's change must not undo it.
      await db.schema.alterTable('clients').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    },
  },
  '0012_revoked_families': {
    async up(db: Kysely<any>) {
      // A durable mark per revoked token family, checked by every issuance after it writes (issue 16).
      await db.schema
        .createTable('revoked_families')
        .addColumn('family_id', 'text', (c) => c.primaryKey())
        .addColumn('revoked_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('revoked_families_expires_at').on('revoked_families').column('expires_at').execute();
    },
  },
  '0013_federation': {
    async up(db: Kysely<any>) {
      // Upstream identity providers (LDAP, OIDC, OAuth 2.0); secrets inside `settings` are sealed under the pepper.
      await db.schema
        .createTable('identity_providers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('domains', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      // A user of Tessera as known to a provider: keyed by (provider, subject), never by email.
      await db.schema
        .createTable('federated_identities')
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('username', 'text')
        .addColumn('email', 'text')
        .addColumn('groups', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_sign_in_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('federated_identities_pk', ['provider_id', 'subject'])
        .execute();
      await db.schema.createIndex('federated_identities_user').on('federated_identities').column('user_id').execute();
      // A sign-in at an upstream provider in progress: single use, bound to the browser that started it.
      await db.schema
        .createTable('federation_states')
        .addColumn('state_hash', 'text', (c) => c.primaryKey())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('browser_hash', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('verifier_sealed', 'text', (c) => c.notNull())
        .addColumn('next', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('federation_states_expires_at').on('federation_states').column('expires_at').execute();
    },
  },
  '0014_interaction_session': {
    async up(db: Kysely<any>) {
      // The session that signed a login or consent in progress in: no other session may finish it.
      await db.schema.alterTable('interactions').addColumn('session_hash', 'text').execute();
    },
  },
  '0015_enrollment_session': {
    async up(db: Kysely<any>) {
      // The session that started setting up a factor: only it is shown the key, and only it can confirm it.
      await db.schema.alterTable('user_mfa').addColumn('pending_session', 'text').execute();
    },
  },
  '0016_apis': {
    async up(db: Kysely<any>) {
      // APIs (RFC 8707 resources): their identifiers are the `aud` of access tokens for them.
      await db.schema
        .createTable('apis')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('identifier', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('access_token_ttl', 'integer')
        .addColumn('access_token_alg', 'text')
        .addColumn('rbac', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      // The API a client's tokens are for when a request names none; the APIs a code and a refresh lineage were granted for.
      await db.schema.alterTable('clients').addColumn('default_api', 'text').execute();
      await db.schema.alterTable('codes').addColumn('resources', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('refresh_tokens').addColumn('resources', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('device_codes').addColumn('resources', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    },
  },
  '0017_client_lifetimes_and_algs': {
    async up(db: Kysely<any>) {
      // A client's own token lifetimes and signing algorithms; null keeps the server's.
      for (const column of ['access_token_ttl', 'id_token_ttl', 'refresh_token_ttl', 'refresh_token_absolute_ttl']) {
        await db.schema.alterTable('clients').addColumn(column, 'integer').execute();
      }
      await db.schema.alterTable('clients').addColumn('id_token_alg', 'text').execute();
      await db.schema.alterTable('clients').addColumn('access_token_alg', 'text').execute();
      // Absolute ends: of a refresh token lineage (however often rotated), of a session (however often used).
      await db.schema.alterTable('refresh_tokens').addColumn('absolute_expires_at', 'bigint').execute();
      await db.schema.alterTable('sessions').addColumn('absolute_expires_at', 'bigint').execute();
    },
  },
  '0018_roles_groups': {
    async up(db: Kysely<any>) {
      // Groups of users: local members, and groups at upstream providers whose members count as members here.
      await db.schema
        .createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('mappings', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();
      // Roles of one API (api_id) or global (api_id null); `owner` is the API's id or '*', so names are unique per owner.
      await db.schema
        .createTable('roles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('api_id', 'text', (c) => c.references('apis.id').onDelete('cascade'))
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('roles_owner_name', ['owner', 'name_key'])
        .execute();
      await db.schema
        .createTable('role_users')
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('role_users_pk', ['role_id', 'user_id'])
        .execute();
      await db.schema.createIndex('role_users_user').on('role_users').column('user_id').execute();
      await db.schema
        .createTable('role_groups')
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('role_groups_pk', ['role_id', 'group_id'])
        .execute();
      await db.schema.createIndex('role_groups_group').on('role_groups').column('group_id').execute();
      // The user attributes a client receives as claims (`client update --claim`).
      await db.schema.alterTable('clients').addColumn('attribute_claims', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      // Clients (besides those the tokens were issued to) that may introspect tokens for an API.
      await db.schema.alterTable('apis').addColumn('introspection_clients', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    },
  },
  '0019_user_profile': {
    async up(db: Kysely<any>) {
      // Custom attributes (a JSON object, keys sorted), the last sign-in, and the lock state operators see and lift.
      await db.schema.alterTable('users').addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}')).execute();
      for (const column of ['last_sign_in_at', 'locked_until', 'unlocked_at']) {
        await db.schema.alterTable('users').addColumn(column, 'bigint').execute();
      }
    },
  },
  '0020_first_party_clients': {
    async up(db: Kysely<any>) {
      // Apps the operator trusts as its own: their users' consent is recorded without asking.
      await db.schema.alterTable('clients').addColumn('first_party', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '0021_audit_actor': {
    async up(db: Kysely<any>) {
      // Who made an operator's change: the CLI, an admin API client, a console user.
      await db.schema.alterTable('audit_events').addColumn('actor', 'text').execute();
    },
  },
  '0022_scim': {
    async up(db: Kysely<any>) {
      // What a SCIM client (Okta, Entra ID) provisions besides the profile: its own id for a user or
      // group, and a user's given and family name.
      for (const column of ['external_id', 'given_name', 'family_name']) await db.schema.alterTable('users').addColumn(column, 'text').execute();
      await db.schema.alterTable('groups').addColumn('external_id', 'text').execute();
    },
  },
  '0023_mail_outbox': {
    async up(db: Kysely<any>) {
      // Mail waiting to be sent (sealed), sent or given up (content erased, kept a while for operators).
      await db.schema
        .createTable('mail_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('settled_at', 'bigint')
        .execute();
      // The sender's question ("what is due?") and cleanup's ("what settled long ago?") each read one index.
      await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('mail_outbox_settled').on('mail_outbox').column('settled_at').execute();
      // Single-use tokens sent by email (password reset), by hash only.
      await db.schema
        .createTable('account_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema.createIndex('account_tokens_expires_at').on('account_tokens').column('expires_at').execute();
      await db.schema.createIndex('account_tokens_user').on('account_tokens').column('user_id').execute();
    },
  },
  '0024_passkeys': {
    async up(db: Kysely<any>) {
      // WebAuthn credentials; they go with their user.
      await db.schema
        .createTable('passkeys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('device_type', 'text', (c) => c.notNull())
        .addColumn('backed_up', 'integer', (c) => c.notNull())
        .addColumn('aaguid', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();
      // The opaque user handle authenticators keep (W3C WebAuthn §14.6.1), one per user.
      await db.schema
        .createTable('passkey_user_handles')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('handle', 'text', (c) => c.notNull().unique())
        .execute();
      // Challenges given out and not yet answered, by hash; single use, minutes long.
      await db.schema
        .createTable('passkey_challenges')
        .addColumn('challenge_hash', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('binding', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('passkey_challenges_expires_at').on('passkey_challenges').column('expires_at').execute();
    },
  },
  '0025_signup': {
    async up(db: Kysely<any>) {
      // The address a verification link proves (the account's, or the new one of an email change),
      // and the authorization request a sign-up came from (to return to it after verifying).
      await db.schema.alterTable('account_tokens').addColumn('email', 'text').execute();
      await db.schema.alterTable('account_tokens').addColumn('interaction_id', 'text').execute();
      // Invitations to sign up (--signup invite): single use, by hash only, for one address.
      await db.schema
        .createTable('invitations')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('invited_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema.createIndex('invitations_expires_at').on('invitations').column('expires_at').execute();
      // One sign-up per address (lower case): the primary key decides between concurrent sign-ups.
      await db.schema
        .createTable('signup_addresses')
        .addColumn('email_key', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0026_user_locale': {
    async up(db: Kysely<any>) {
      // The language a user reads (the OIDC `locale` claim): chosen with the pages' language switch, or set
      // by an operator or SCIM (`preferredLanguage`); their emails are written in it.
      await db.schema.alterTable('users').addColumn('locale', 'text').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** The migrations this release knows, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations).sort();

/** Brings the schema up to date and returns the migrations it applied; fails with the migration's own error if one cannot apply. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
