/**
 * The ports upstream identity providers sit behind (DESIGN.md §1): the core decides who signs in;
 * adapters in src/federation/ speak LDAP (ldapts) and OpenID Connect / OAuth 2.0 (openid-client).
 */

/** How to reach and read an LDAP directory or Active Directory; secrets already unsealed. */
export interface LdapSettings {
  /** ldaps://host:636 or ldap://host:389 */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS before anything is sent. */
  startTls: boolean;
  /** PEM file of the CA that signed the directory's certificate (else the system's CAs). Certificates are always checked. */
  caFile: string | null;
  /** The service account that searches for users. */
  bindDn: string;
  bindPassword: string;
  userBase: string;
  /** `{username}` is replaced by the typed username, escaped (RFC 4515). */
  userFilter: string;
  preset: 'openldap' | 'ad';
  attributes: { id: string; username: string; email: string; name: string; groups: string };
  /** Groups found by a search (`{dn}` is the user's DN) instead of, or besides, the groups attribute. */
  groupSearch: { base: string; filter: string } | null;
  timeoutMs: number;
}

/** A user as the directory describes them. */
export interface DirectoryEntry {
  /** The stable id (entryUUID, or objectGUID for AD), as text. */
  id: string;
  dn: string;
  username: string;
  email: string | null;
  name: string | null;
  groups: string[];
  /** AD: userAccountControl bit 2 (ACCOUNTDISABLE). */
  disabled: boolean;
  /** AD: the password has expired or must be changed (pwdLastSet 0, or the expiry flags). */
  passwordExpired: boolean;
}

export type DirectoryAnswer =
  | { status: 'ok'; entry: DirectoryEntry }
  | { status: 'no_such_user' }
  | { status: 'wrong_password' }
  /** Only once the password was found right (AD answers 533 to a bind then, or the entry's flags say so after a bind). */
  | { status: 'disabled'; entry: DirectoryEntry }
  /** Only once the password was found right (AD: 532 expired, 773 must change). */
  | { status: 'password_expired'; entry: DirectoryEntry }
  /** The directory could not be reached or did not answer in time; never a reason to try another source. */
  | { status: 'unavailable' };

export interface Directory {
  /** Searches the user with the service account, then binds as them with `password` (never empty). */
  authenticate(username: string, password: string): Promise<DirectoryAnswer>;
  /** The user with this stable id, to see whether they still exist and are enabled. */
  findById(id: string): Promise<DirectoryEntry | undefined | 'unavailable'>;
  /** The user a sign-in with this username would find (`idp test --username`). */
  lookup(username: string): Promise<DirectoryEntry | undefined>;
  /** Connects and binds as the service account; throws with a message an operator can act on. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** How to reach an OpenID provider, or a plain OAuth 2.0 provider with a user endpoint; secrets unsealed. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  scopes: string[];
}

export interface OAuth2Settings {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userEndpoint: string;
  clientId: string;
  clientSecret: string | null;
  scopes: string[];
  /** Where each claim is found in the user endpoint's JSON (dotted paths). */
  mapping: { subject: string; username: string; email: string; emailVerified: string | null; name: string };
}

/** What an upstream provider says about the user who signed in there. */
export interface UpstreamClaims {
  subject: string;
  username: string | null;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** RFC 8176 values the provider asserted (OpenID Connect `amr`), if any. */
  amr: string[];
  groups: string[];
}

/** A sign-in at the provider failed; `message` is safe to show (no token, no stack). */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    message: string,
    readonly reason: 'provider_error' | 'state_mismatch' | 'invalid_response' | 'unavailable',
  ) {
    super(message);
  }
}

export interface UpstreamSignIn {
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface Upstream {
  /** Where to send the browser (PKCE S256, state, nonce). */
  authorizationUrl(signIn: UpstreamSignIn): Promise<string>;
  /** Completes the sign-in from the callback URL: code exchange, ID token or user endpoint. Throws UpstreamError. */
  finish(callbackUrl: string, signIn: UpstreamSignIn): Promise<UpstreamClaims>;
  /** Fetches the provider's metadata; throws with a message an operator can act on. */
  check(): Promise<void>;
}

/** What the composition root plugs in: one adapter per kind of provider. */
export interface FederationAdapters {
  directory(settings: LdapSettings): Directory;
  upstream(settings: { kind: 'oidc'; oidc: OidcSettings } | { kind: 'oauth2'; oauth2: OAuth2Settings }): Upstream;
}
