import { SignJWT, compactVerify, jwtVerify, decodeProtectedHeader, type JWTPayload, type JWTHeaderParameters, type CompactJWSHeaderParameters, type KeyObject } from 'jose';
import type { KeyRing, SigningAlg } from '../keys/key-ring.js';

/** Signs claims with the active key for `alg`, naming the key in `kid`. */
export async function signJwt(keys: KeyRing, alg: SigningAlg, typ: string, claims: JWTPayload): Promise<string> {
  const key = keys.signingKey(alg);
  return new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid, typ }).sign(key.privateKey);
}

export interface VerifiedJwt {
  payload: JWTPayload;
  header: JWTHeaderParameters;
}

/** The public key named by the header's kid, only for that key's own algorithm (never `none` or HMAC). */
function keyResolver(keys: KeyRing) {
  return async (header: CompactJWSHeaderParameters): Promise<KeyObject> => {
    const key = header.kid === undefined ? undefined : await keys.freshVerificationKey(header.kid);
    if (!key || key.alg !== header.alg) throw new Error('unknown signing key');
    return key.publicKey;
  };
}

const ALGORITHMS = ['ES256', 'RS256'];

/**
 * Verifies a JWT this server signed: a known kid, the key's own algorithm, the expected `typ`
 * and issuer, and not expired. Throws on any failure.
 */
export async function verifyOwnJwt(keys: KeyRing, token: string, typ: string, issuer: string, now: number): Promise<VerifiedJwt> {
  // The server's clock decides expiry (it is the one tests and operators can reason about).
  const result = await jwtVerify(token, keyResolver(keys), { issuer, typ, algorithms: ALGORITHMS, currentDate: new Date(now * 1000) });
  return { payload: result.payload, header: result.protectedHeader };
}

/**
 * Verifies that we signed a JWT, with the expected `typ` and issuer, whatever its expiry: for
 * hints such as `id_token_hint`, which may be presented after the ID token expired
 * (OpenID Connect RP-Initiated Logout 1.0 §2). Throws on any failure.
 */
export async function verifyOwnJwtIgnoringExpiry(keys: KeyRing, token: string, typ: string, issuer: string): Promise<VerifiedJwt> {
  const header = decodeProtectedHeader(token);
  if (header.typ !== typ) throw new Error('unexpected token type');
  const { payload } = await compactVerify(token, keyResolver(keys), { algorithms: ALGORITHMS });
  const claims = JSON.parse(new TextDecoder().decode(payload)) as JWTPayload;
  if (claims.iss !== issuer) throw new Error('issued by someone else');
  return { payload: claims, header: header as JWTHeaderParameters };
}
