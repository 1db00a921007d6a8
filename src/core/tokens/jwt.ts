import { SignJWT, jwtVerify, type JWTPayload, type JWTHeaderParameters } from 'jose';
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

/**
 * Verifies a JWT this server signed: a known kid, the key's own algorithm (never `none` or HMAC),
 * the expected `typ` and issuer, and not expired. Throws on any failure.
 */
export async function verifyOwnJwt(keys: KeyRing, token: string, typ: string, issuer: string): Promise<VerifiedJwt> {
  const result = await jwtVerify(
    token,
    (header) => {
      const key = header.kid === undefined ? undefined : keys.verificationKey(header.kid);
      if (!key || key.alg !== header.alg) throw new Error('unknown signing key');
      return key.publicKey;
    },
    { issuer, typ, algorithms: ['ES256', 'RS256'] },
  );
  return { payload: result.payload, header: result.protectedHeader };
}
