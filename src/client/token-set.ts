import type * as oidc from 'openid-client';

/**
 * The tokens of one sign-in (or one client-credentials token), as plain JSON: what an app keeps
 * in its session store and gives back to `session()` later. Times are seconds since the epoch.
 */
export interface TokenSet {
  accessToken: string;
  /** When the access token expires, from `expires_in`; absent when Tessera did not say. */
  expiresAt?: number;
  /** When the access token was received: with `expiresAt`, its lifetime. */
  receivedAt: number;
  refreshToken?: string;
  idToken?: string;
  /** The scope granted, when the response named it. */
  scope?: string;
}

type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

/** A token response as a TokenSet; a refresh response without a new refresh or ID token keeps the previous one (RFC 6749 §6). */
export function tokenSetOf(response: TokenResponse, previous?: TokenSet, now: number = Date.now() / 1000): TokenSet {
  const expiresIn = response.expiresIn();
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const idToken = response.id_token ?? previous?.idToken;
  const scope = response.scope ?? previous?.scope;
  return {
    accessToken: response.access_token,
    receivedAt: now,
    ...(expiresIn !== undefined ? { expiresAt: now + expiresIn } : {}),
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    ...(idToken !== undefined ? { idToken } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}

/**
 * Whether a token should be renewed now: within `earlySeconds` of its expiry, but never before
 * half its lifetime has passed, so a short-lived token is used at all before it is replaced.
 */
export function isDue(tokens: TokenSet, earlySeconds: number, now: number = Date.now() / 1000): boolean {
  if (tokens.expiresAt === undefined) return false;
  const lifetime = tokens.expiresAt - tokens.receivedAt;
  return now >= tokens.expiresAt - Math.min(earlySeconds, lifetime / 2);
}
