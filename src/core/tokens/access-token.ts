import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { KeyRing } from '../keys/key-ring.js';
import { signJwt, verifyOwnJwt } from './jwt.js';
import { formatScope } from '../scopes.js';
import type { AccessTokenAlg } from '../clients/client.js';

/** RFC 9068 §2.1: the media type of JWT access tokens. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenInput {
  /** The user's id, or the client's id for client_credentials (RFC 9068 §2.2). */
  subject: string;
  clientId: string;
  scopes: readonly string[];
  authTime?: number;
  /** An API's identifier (RFC 8707): the token's `aud`; else the server's default audience. */
  audience?: string;
  /** Seconds it lives and what signs it (see lifetimes.ts); the server's when not given. */
  ttl?: number;
  alg?: AccessTokenAlg;
  /** The user's roles for the API the token is for (see entitlements.ts); no claim when none. */
  roles?: readonly string[];
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
  expiresAt: number;
}

/** Issues a JWT access token with the claims RFC 9068 §2.2 requires. */
export async function issueAccessToken(config: Config, keys: KeyRing, input: AccessTokenInput, now: number): Promise<IssuedAccessToken> {
  const jti = randomUUID();
  const ttl = input.ttl ?? config.ttl.accessToken;
  const expiresAt = now + ttl;
  const claims: Record<string, unknown> = {
    iss: config.issuer,
    sub: input.subject,
    aud: input.audience ?? config.accessTokenAudience,
    client_id: input.clientId,
    scope: formatScope(input.scopes),
    jti,
    iat: now,
    exp: expiresAt,
  };
  if (input.authTime !== undefined) claims['auth_time'] = input.authTime;
  // RFC 9068 §2.2.3.1 takes `roles` from SCIM (RFC 7643 §4.1.2) for the user's roles.
  if (input.roles !== undefined && input.roles.length > 0) claims['roles'] = [...input.roles];
  const token = signJwt(keys, input.alg ?? config.accessTokenAlg, ACCESS_TOKEN_TYP, claims);
  return { token, jti, expiresIn: ttl, expiresAt };
}

export interface AccessTokenClaims {
  sub: string;
  clientId: string;
  scopes: string[];
  /** Audiences, always as a list. */
  aud: string[];
  jti: string;
  exp: number;
  iat: number;
}

/** Verifies an access token this server issued; undefined when it is not one (bad signature, expired, wrong type). */
export async function readAccessToken(config: Config, keys: KeyRing, token: string, now: number): Promise<AccessTokenClaims | undefined> {
  try {
    const { payload } = await verifyOwnJwt(keys, token, ACCESS_TOKEN_TYP, config.issuer, now);
    const { sub, jti, exp, iat } = payload;
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    const clientId = payload['client_id'];
    const scope = payload['scope'];
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number' || typeof iat !== 'number') return undefined;
    if (typeof clientId !== 'string' || typeof scope !== 'string') return undefined;
    return { sub, clientId, scopes: scope === '' ? [] : scope.split(' '), aud, jti, exp, iat };
  } catch {
    return undefined;
  }
}
