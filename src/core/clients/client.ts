/** RFC 8628 §3.4: the grant type of device access token requests. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The grant types Tessera implements. `password` is for legacy first-party apps and must be allowed per client. */
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | typeof DEVICE_CODE_GRANT | 'password';
export const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE_GRANT, 'password'];

/** Grants that act for a user and may come with a refresh token. */
export const USER_GRANTS: readonly GrantType[] = ['authorization_code', DEVICE_CODE_GRANT, 'password'];

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

/** RFC 6749 §2.1: confidential clients can keep a secret, public ones (SPAs, native apps) cannot. */
export type ClientType = 'confidential' | 'public';

/** OpenID Connect `application_type`: native apps may use loopback and private-use redirect URIs. */
export type ApplicationType = 'web' | 'native';

export type ClientOrigin = 'operator' | 'dynamic' | 'console';

/** Algorithms a client may ask its ID tokens to be signed with (`id_token_signed_response_alg`). */
export const ID_TOKEN_ALGS = ['RS256', 'ES256', 'PS256'] as const;
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];
/** Algorithms access tokens may be signed with: what resource servers verify (src/resource-server). */
export const ACCESS_TOKEN_ALGS = ['ES256', 'RS256'] as const;
export type AccessTokenAlg = (typeof ACCESS_TOKEN_ALGS)[number];

/**
 * Lifetimes in seconds that an operator set for this client's tokens instead of the server's; an
 * unset one is the server's. `refreshToken` is the idle lifetime, `refreshTokenAbsolute` the lineage's.
 */
export interface ClientLifetimes {
  accessToken?: number;
  idToken?: number;
  refreshToken?: number;
  refreshTokenAbsolute?: number;
}
export const CLIENT_LIFETIMES = ['accessToken', 'idToken', 'refreshToken', 'refreshTokenAbsolute'] as const satisfies readonly (keyof ClientLifetimes)[];

/** Informational URLs and contacts a client registered (RFC 7591 §2); shown to users, never fetched. */
export interface ClientExtras {
  logo_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
  client_uri?: string;
  jwks_uri?: string;
  contacts?: string[];
  /** What the app is, in its developer's words (developer console). */
  description?: string;
}

/** A registered client as the core sees it. Its secret is kept only as a keyed hash. */
export interface Client {
  clientId: string;
  secretHash: string | null;
  name: string;
  type: ClientType;
  applicationType: ApplicationType;
  redirectUris: string[];
  /** Where RP-initiated logout may send the browser afterwards (exact match). */
  postLogoutRedirectUris: string[];
  grantTypes: GrantType[];
  /** Scopes this client may ask for. */
  scopes: string[];
  tokenEndpointAuthMethod: ClientAuthMethod;
  disabled: boolean;
  /** Tokens issued at or before this time are void (set when the client is disabled). */
  tokensRevokedAt: number | null;
  /**
   * Who registered the client: an operator (CLI), the client itself (`dynamic`, RFC 7591) or a user in
   * the developer console (`console`). Only operators vouch for a client; the consent page says so.
   */
  origin: ClientOrigin;
  /** Users signing in to this client must pass a second factor (operators set it: `--require-mfa`). */
  requireMfa: boolean;
  /** Sign-ins for this client must use a passkey (`--require-mfa phishing-resistant`); implies requireMfa. */
  requirePhishingResistant?: boolean;
  /**
   * An app the operator trusts as its own (`--first-party`): users are not asked to consent, the
   * consent is recorded for them. Only operators set it; registration and the console never do.
   */
  firstParty: boolean;
  /** The user who registered it in the developer console; null otherwise. */
  ownerId: string | null;
  /** The API (its identifier) tokens are for when a request names no `resource` (RFC 8707); null: Tessera itself. */
  defaultApi: string | null;
  /** User attributes (`user update --attr`) this client receives as claims of the same name (operators set it: `--claim`). */
  attributeClaims: string[];
  /** Hash of the RFC 7592 registration access token of a dynamic client. */
  registrationTokenHash: string | null;
  extras: ClientExtras;
  /** Operators set these (`client create|update --access-token-ttl …`); registration never does. */
  lifetimes: ClientLifetimes;
  /** `id_token_signed_response_alg` (OpenID Connect Dynamic Client Registration §2); null: the server's default. */
  idTokenAlg: IdTokenAlg | null;
  /** Operators set it; null: the server's (`--access-token-alg`). */
  accessTokenAlg: AccessTokenAlg | null;
  createdAt: number;
  updatedAt: number;
  /** Grows with every change: a change computed from an older read is refused (optimistic concurrency). */
  version: number;
}

/** What a client's registration says, which its owner (RFC 7592, the console) or an operator may change. */
export type ClientMetadata = Pick<
  Client,
  'name' | 'type' | 'applicationType' | 'redirectUris' | 'postLogoutRedirectUris' | 'grantTypes' | 'scopes' | 'tokenEndpointAuthMethod' | 'extras' | 'lifetimes' | 'idTokenAlg' | 'accessTokenAlg'
> & {
  /** Only when the change turns the client public (null) or confidential (a new secret). */
  secretHash?: string | null;
};

/** The client's state that operators set (and the console's secret rotation): never written by a metadata change. */
export type ClientState = Partial<Pick<Client, 'disabled' | 'tokensRevokedAt' | 'secretHash' | 'requireMfa' | 'requirePhishingResistant' | 'firstParty' | 'defaultApi' | 'attributeClaims'>>;

/** The RFC 7591 view of a client, as the CLI and APIs print it. */
export interface ClientMetadataView {
  client_id: string;
  client_name: string;
  client_type: ClientType;
  application_type: ApplicationType;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: GrantType[];
  response_types: string[];
  scope: string;
  token_endpoint_auth_method: ClientAuthMethod;
  /** Tessera's own: users must pass a second factor to sign in to this client. */
  require_mfa: boolean;
  /** Tessera's own: how strong that second factor must be (`phishing-resistant`: a passkey). */
  require_mfa_level: MfaLevel;
  /** Tessera's own: an operator-trusted app whose users are not asked to consent. */
  first_party: boolean;
  /** Tessera's own: the API (RFC 8707 resource) its tokens are for when a request names none. */
  default_api?: string;
  /** Tessera's own: the user attributes it receives as claims. */
  attribute_claims?: string[];
  client_id_issued_at: number;
  disabled: boolean;
  client_secret?: string;
  client_secret_expires_at?: number;
  /** Only when the client has its own; lifetimes in seconds. */
  id_token_signed_response_alg?: IdTokenAlg;
  access_token_alg?: AccessTokenAlg;
  access_token_ttl?: number;
  id_token_ttl?: number;
  refresh_token_ttl?: number;
  refresh_token_absolute_ttl?: number;
}

export type ClientView = ClientMetadataView & ClientExtras;

export function toMetadataView(client: Client, secret?: string): ClientView {
  const view: ClientView = {
    ...client.extras,
    client_id: client.clientId,
    client_name: client.name,
    client_type: client.type,
    application_type: client.applicationType,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    scope: client.scopes.join(' '),
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    require_mfa: client.requireMfa,
    require_mfa_level: mfaLevelOf(client),
    first_party: client.firstParty,
    ...(client.defaultApi !== null ? { default_api: client.defaultApi } : {}),
    ...(client.attributeClaims.length > 0 ? { attribute_claims: client.attributeClaims } : {}),
    client_id_issued_at: client.createdAt,
    disabled: client.disabled,
  };
  if (client.idTokenAlg !== null) view.id_token_signed_response_alg = client.idTokenAlg;
  if (client.accessTokenAlg !== null) view.access_token_alg = client.accessTokenAlg;
  const { accessToken, idToken, refreshToken, refreshTokenAbsolute } = client.lifetimes;
  if (accessToken !== undefined) view.access_token_ttl = accessToken;
  if (idToken !== undefined) view.id_token_ttl = idToken;
  if (refreshToken !== undefined) view.refresh_token_ttl = refreshToken;
  if (refreshTokenAbsolute !== undefined) view.refresh_token_absolute_ttl = refreshTokenAbsolute;
  if (secret !== undefined) {
    view.client_secret = secret;
    view.client_secret_expires_at = 0; // RFC 7591 §3.2.1: 0 means it does not expire
  }
  return view;
}

/** What a client requires of a sign-in: nothing more than the server does, a second factor, or a passkey. */
export type MfaLevel = 'off' | 'on' | 'phishing-resistant';
export const MFA_LEVELS: readonly MfaLevel[] = ['off', 'on', 'phishing-resistant'];

export function mfaLevelOf(client: Pick<Client, 'requireMfa' | 'requirePhishingResistant'>): MfaLevel {
  return client.requirePhishingResistant === true ? 'phishing-resistant' : client.requireMfa ? 'on' : 'off';
}

/** The client's two settings for a level. */
export const mfaLevelSettings = (level: MfaLevel): { requireMfa: boolean; requirePhishingResistant: boolean } => ({
  requireMfa: level !== 'off',
  requirePhishingResistant: level === 'phishing-resistant',
});
