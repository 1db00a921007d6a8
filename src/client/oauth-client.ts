import * as oidc from 'openid-client';
import { connect, type ConnectOptions } from './connect.js';
import { UserClient, type SignedIn } from './user-client.js';

export interface OAuthClientOptions extends ConnectOptions {
  /** The app's callback, registered with Tessera exactly as written here. */
  redirectUri: string;
  /** Default `openid`; add `offline_access` for a refresh token. */
  scope?: string;
  /** Refresh this many seconds before the access token expires (default 30, at most half its lifetime). */
  refreshEarlySeconds?: number;
}

/** What the app keeps in the user's session between sending them to Tessera and the callback. */
export interface PendingSignIn {
  state: string;
  codeVerifier: string;
  /** Only when the request asked for `openid`: then an ID token carrying it is required. */
  nonce?: string;
}

export interface AuthorizationUrlOptions {
  /** Instead of the client's default scope. */
  scope?: string;
  /** The API the access token is for (RFC 8707). */
  resource?: string;
  /** Further authorization request parameters (`prompt`, `login_hint`, `max_age`, `acr_values`, …). */
  parameters?: Record<string, string>;
}

/**
 * A web app's client: the authorization code flow with PKCE S256, state and nonce (OAuth 2.1 §4.1,
 * OpenID Connect Core §3.1), then sessions whose `fetch` keeps the access token fresh.
 */
export class OAuthClient extends UserClient {
  readonly redirectUri: string;
  readonly scope: string;

  constructor(configuration: oidc.Configuration, options: Pick<OAuthClientOptions, 'redirectUri' | 'scope' | 'refreshEarlySeconds'>) {
    super(configuration, options.refreshEarlySeconds);
    this.redirectUri = options.redirectUri;
    this.scope = options.scope ?? 'openid';
  }

  /** Where to send the user to sign in, and what to keep in their session until the callback. */
  async authorizationUrl(options: AuthorizationUrlOptions = {}): Promise<{ url: URL; pending: PendingSignIn }> {
    const scope = options.scope ?? this.scope;
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      ...(scope.split(' ').includes('openid') ? { nonce: oidc.randomNonce() } : {}),
    };
    const url = oidc.buildAuthorizationUrl(this.configuration, {
      ...options.parameters,
      redirect_uri: this.redirectUri,
      scope,
      ...(options.resource !== undefined ? { resource: options.resource } : {}),
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      ...(pending.nonce !== undefined ? { nonce: pending.nonce } : {}),
    });
    return { url, pending };
  }

  /**
   * Completes the sign-in at the callback: checks `iss` (RFC 9207) and `state`, redeems the code with
   * the PKCE verifier and checks the ID token's nonce. Throws openid-client's errors when any of
   * that fails, or when the user declined (AuthorizationResponseError, `error` = access_denied).
   */
  async completeSignIn(callbackUrl: URL | string, pending: PendingSignIn): Promise<SignedIn> {
    const response = await oidc.authorizationCodeGrant(this.configuration, new URL(callbackUrl), {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      ...(pending.nonce !== undefined ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}),
    });
    return this.signedIn(response);
  }

  /** Where to send the user to sign out of Tessera too (OpenID Connect RP-Initiated Logout 1.0). */
  endSessionUrl(options: { idTokenHint?: string; postLogoutRedirectUri?: string } = {}): URL {
    return oidc.buildEndSessionUrl(this.configuration, {
      ...(options.idTokenHint !== undefined ? { id_token_hint: options.idTokenHint } : {}),
      ...(options.postLogoutRedirectUri !== undefined ? { post_logout_redirect_uri: options.postLogoutRedirectUri } : {}),
    });
  }
}

/** Discovers Tessera and returns the web app's client. */
export async function oauthClient(options: OAuthClientOptions): Promise<OAuthClient> {
  return new OAuthClient(await connect(options), options);
}
