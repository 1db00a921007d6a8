import type { Generated } from 'kysely';
/** Table shapes as kysely sees them. Times are Unix seconds; lists are JSON text. */
export interface ClientsTable {
  client_id: string;
  secret_hash: string | null;
  name: string;
  type: string;
  application_type: string;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  scopes: string;
  token_endpoint_auth_method: string;
  disabled: number;
  tokens_revoked_at: number | null;
  origin: string;
  registration_token_hash: string | null;
  owner_id: string | null;
  require_mfa: number;
  first_party: number;
  default_api: string | null;
  attribute_claims: string;
  extras: string;
  /** The client's own lifetimes in seconds; null: the server's. */
  access_token_ttl: number | null;
  id_token_ttl: number | null;
  refresh_token_ttl: number | null;
  refresh_token_absolute_ttl: number | null;
  id_token_alg: string | null;
  access_token_alg: string | null;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface UsersTable {
  id: string;
  username: string;
  username_lower: string;
  email: string | null;
  email_verified: number;
  name: string | null;
  password_hash: string;
  disabled: number;
  tokens_revoked_at: number | null;
  /** JSON object of strings, keys sorted (compared as text by conditional updates). */
  attributes: string;
  last_sign_in_at: number | null;
  locked_until: number | null;
  unlocked_at: number | null;
  external_id: string | null;
  given_name: string | null;
  family_name: string | null;
  locale?: string | null;
  created_at: number;
  updated_at: number;
}

export interface CodesTable {
  code_hash: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  redirect_uri_in_request: number;
  code_challenge: string;
  scopes: string;
  nonce: string | null;
  auth_time: number;
  amr: string;
  grant_id: string;
  family_id: string;
  created_at: number;
  expires_at: number;
  /** RFC 8707 resources granted (JSON list of API identifiers). */
  resources: string;
  consumed_at: number | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  grant_id: string | null;
  client_id: string;
  user_id: string;
  scopes: string;
  auth_time: number;
  amr: string;
  created_at: number;
  expires_at: number;
  /** RFC 8707 resources granted (JSON list of API identifiers). */
  resources: string;
  /** When the lineage ends whatever its rotations; null for lineages begun before 0017. */
  absolute_expires_at: number | null;
  rotated_at: number | null;
  revoked_at: number | null;
}

export interface IssuedAccessTokensTable {
  jti: string;
  family_id: string;
  grant_id: string | null;
  expires_at: number;
}

export interface RevokedJtisTable {
  jti: string;
  expires_at: number;
}

export interface RevokedFamiliesTable {
  family_id: string;
  revoked_at: number;
  expires_at: number;
}

export interface GrantsTable {
  grant_id: string;
  user_id: string;
  client_id: string;
  scopes: string;
  created_at: number;
  updated_at: number;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  auth_time: number;
  amr: string;
  pending_factor: string | null;
  device_user_code_hash: string | null;
  created_at: number;
  expires_at: number;
  /** Use extends expires_at up to this; null for sessions begun before 0017 (they never extend). */
  absolute_expires_at: number | null;
}

export interface InteractionsTable {
  id: string;
  browser_hash: string;
  csrf_token: string;
  client_id: string;
  request: string;
  user_id: string | null;
  auth_time: number | null;
  amr: string;
  session_hash: string | null;
  created_at: number;
  expires_at: number;
}

export interface DeviceCodesTable {
  device_code_hash: string;
  user_code_hash: string;
  client_id: string;
  scopes: string;
  resources: string;
  status: string;
  user_id: string | null;
  auth_time: number | null;
  amr: string;
  grant_id: string | null;
  interval: number;
  last_polled_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface InitialAccessTokensTable {
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  uses_left: number | null;
}

export interface MailOutboxTable {
  id: string;
  recipient: string;
  template: string;
  content: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  last_error: string | null;
  created_at: number;
  settled_at: number | null;
}

export interface AccountTokensTable {
  token_hash: string;
  purpose: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  email: string | null;
  interaction_id: string | null;
}

export interface InvitationsTable {
  token_hash: string;
  email: string;
  invited_by: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface SignupAddressesTable {
  email_key: string;
  user_id: string;
  created_at: number;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  public_key: string;
  counter: number;
  transports: string;
  device_type: string;
  backed_up: number;
  aaguid: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface PasskeyUserHandlesTable {
  user_id: string;
  handle: string;
}

export interface PasskeyChallengesTable {
  challenge_hash: string;
  purpose: string;
  binding: string;
  user_id: string | null;
  expires_at: number;
}

export interface Database {
  invitations: InvitationsTable;
  signup_addresses: SignupAddressesTable;
  passkeys: PasskeysTable;
  passkey_user_handles: PasskeyUserHandlesTable;
  passkey_challenges: PasskeyChallengesTable;
  mail_outbox: MailOutboxTable;
  account_tokens: AccountTokensTable;
  clients: ClientsTable;
  users: UsersTable;
  codes: CodesTable;
  refresh_tokens: RefreshTokensTable;
  issued_access_tokens: IssuedAccessTokensTable;
  revoked_jtis: RevokedJtisTable;
  revoked_families: RevokedFamiliesTable;
  grants: GrantsTable;
  signing_keys: SigningKeysTable;
  sessions: SessionsTable;
  interactions: InteractionsTable;
  device_codes: DeviceCodesTable;
  initial_access_tokens: InitialAccessTokensTable;
  audit_events: AuditEventsTable;
  user_mfa: UserMfaTable;
  settings: SettingsTable;
  identity_providers: IdentityProvidersTable;
  apis: ApisTable;
  federated_identities: FederatedIdentitiesTable;
  federation_states: FederationStatesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  roles: RolesTable;
  role_users: RoleUsersTable;
  role_groups: RoleGroupsTable;
}

export interface GroupsTable {
  id: string;
  name: string;
  name_key: string;
  description: string;
  mappings: string;
  external_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  created_at: number;
}

export interface RolesTable {
  id: string;
  api_id: string | null;
  owner: string;
  name: string;
  name_key: string;
  description: string;
  scopes: string;
  created_at: number;
  updated_at: number;
}

export interface RoleUsersTable {
  role_id: string;
  user_id: string;
  created_at: number;
}

export interface RoleGroupsTable {
  role_id: string;
  group_id: string;
  created_at: number;
}

export interface IdentityProvidersTable {
  id: string;
  name: string;
  kind: string;
  display_name: string;
  enabled: number;
  priority: number;
  domains: string;
  settings: string;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface FederatedIdentitiesTable {
  provider_id: string;
  subject: string;
  user_id: string;
  username: string | null;
  email: string | null;
  groups: string;
  created_at: number;
  last_sign_in_at: number;
}

export interface FederationStatesTable {
  state_hash: string;
  provider_id: string;
  browser_hash: string;
  nonce: string;
  verifier_sealed: string;
  next: string;
  created_at: number;
  expires_at: number;
}

export interface ApisTable {
  id: string;
  identifier: string;
  name: string;
  scopes: string;
  access_token_ttl: number | null;
  access_token_alg: string | null;
  rbac: number;
  introspection_clients: string;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface UserMfaTable {
  user_id: string;
  secret_sealed: string;
  enabled_at: number | null;
  last_time_step: number;
  backup_codes: string;
  created_at: number;
  pending_session: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  type: string;
  outcome: string;
  user_id: string | null;
  username: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  reason: string | null;
  /** Who made an operator's change (see AuditEvent.actor). */
  actor: string | null;
  /** How many identical failures this row stands for (see audit.ts). */
  count: Generated<number>;
  /** Names the identical failures of one window this row gathers; null for events kept one per row. */
  aggregate_key: string | null;
}
