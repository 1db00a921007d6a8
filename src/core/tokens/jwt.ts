import { constants, sign, verify, type KeyObject } from 'node:crypto';
import type { KeyRing, SigningAlg, SigningKey } from '../keys/key-ring.js';

/*
 * Compact JWS (RFC 7515) for the server's own tokens, with node:crypto KeyObjects imported once
 * by the KeyRing. Signing is synchronous and several times cheaper than WebCrypto's for ES256;
 * it runs on every token request, so it matters.
 */

export type JwtClaims = Record<string, unknown> & {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
};

export interface JwtHeader {
  alg: SigningAlg;
  kid: string;
  typ: string;
  [name: string]: unknown;
}

export interface VerifiedJwt {
  payload: JwtClaims;
  header: JwtHeader;
}

type SigningInput = KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' } | { key: KeyObject; padding: number; saltLength: number };

/** ES256 signatures are the raw r‖s pair (RFC 7518 §3.4), not DER; PS256 is RSASSA-PSS with a salt as long as the hash (§3.5). */
function keyFor(alg: SigningAlg, key: KeyObject): SigningInput {
  if (alg === 'ES256') return { key, dsaEncoding: 'ieee-p1363' };
  if (alg === 'PS256') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  return key;
}

/** The encoded protected header is the same for every token of a key and type: made once. */
const encodedHeaders = new WeakMap<SigningKey, Map<string, string>>();

function encodedHeader(key: SigningKey, typ: string): string {
  let byTyp = encodedHeaders.get(key);
  if (!byTyp) encodedHeaders.set(key, (byTyp = new Map()));
  let encoded = byTyp.get(typ);
  if (encoded === undefined) {
    encoded = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ })).toString('base64url');
    byTyp.set(typ, encoded);
  }
  return encoded;
}

/** Signs claims with the active key for `alg`, naming the key in `kid`. */
export function signJwt(keys: KeyRing, alg: SigningAlg, typ: string, claims: JwtClaims): string {
  const key = keys.signingKey(alg);
  const input = `${encodedHeader(key, typ)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), keyFor(alg, key.privateKey));
  return `${input}.${signature.toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeObject(segment: string): Record<string, unknown> {
  if (!BASE64URL.test(segment)) throw new Error('not base64url');
  const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

/** The header of a compact JWS, unverified: for choosing what to do before verifying. Throws when it is not one. */
export function decodeHeader(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  return decodeObject(parts[0]!);
}

/** The claims of a JWT, unverified: only for tokens this process has just signed. */
export function decodeClaims(token: string): JwtClaims {
  return decodeObject(token.split('.')[1] ?? '') as JwtClaims;
}

/**
 * Checks that we signed `token`: a compact JWS whose kid names one of our keys, with that key's
 * own algorithm (never `none` or HMAC), the expected `typ`, no extensions we do not know (RFC 7515
 * §4.1.11: we know none), and a valid signature. Throws on any failure.
 */
async function verifySignature(keys: KeyRing, token: string, typ: string): Promise<VerifiedJwt> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = decodeObject(encodedHeader);
  if (header['typ'] !== typ) throw new Error('unexpected token type');
  if (header['crit'] !== undefined) throw new Error('unsupported critical header parameters');
  const alg = header['alg'];
  if (alg !== 'ES256' && alg !== 'RS256' && alg !== 'PS256') throw new Error('unsupported algorithm');
  if (typeof header['kid'] !== 'string') throw new Error('no kid');
  const key = await keys.freshVerificationKey(header['kid']);
  if (!key || key.alg !== alg) throw new Error('unknown signing key');
  if (!BASE64URL.test(encodedSignature)) throw new Error('signature is not base64url');
  const signed = verify('sha256', Buffer.from(`${encodedHeader}.${encodedPayload}`), keyFor(alg, key.publicKey), Buffer.from(encodedSignature, 'base64url'));
  if (!signed) throw new Error('bad signature');
  return { header: header as JwtHeader, payload: decodeObject(encodedPayload) as JwtClaims };
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Tokens whose signature was checked, per key ring; a resource server presents the same token many times. */
const VERIFIED_CACHE_SIZE = 10_000;
const verifiedTokens = new WeakMap<KeyRing, Map<string, VerifiedJwt>>();

/**
 * The signature check of a token seen before (the very same string) is remembered; its claims are
 * checked again each time, and it counts only while the key that signed it is still ours.
 */
async function verifySignatureRemembered(keys: KeyRing, token: string, typ: string): Promise<VerifiedJwt> {
  let cache = verifiedTokens.get(keys);
  if (!cache) verifiedTokens.set(keys, (cache = new Map()));
  const key = `${typ} ${token}`;
  const known = cache.get(key);
  const hit = known !== undefined && keys.verificationKey(known.header.kid) !== undefined;
  keys.lookups?.('verified_tokens', hit ? 'hit' : 'miss');
  if (hit) return known;
  const verified = await verifySignature(keys, token, typ);
  Object.freeze(verified.payload);
  // Oldest first out: a Map keeps insertion order.
  if (cache.size >= VERIFIED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, verified);
  return verified;
}

/**
 * Verifies a JWT this server signed: see verifySignature, and then our issuer, not expired
 * (`exp` is required) and not before its `nbf`. Throws on any failure.
 */
export async function verifyOwnJwt(keys: KeyRing, token: string, typ: string, issuer: string, now: number): Promise<VerifiedJwt> {
  // The server's clock decides expiry (it is the one tests and operators can reason about).
  const verified = await verifySignatureRemembered(keys, token, typ);
  const { iss, exp, nbf, iat } = verified.payload;
  if (iss !== issuer) throw new Error('issued by someone else');
  if (!isNumber(exp) || exp <= now) throw new Error('expired');
  if (nbf !== undefined && (!isNumber(nbf) || nbf > now)) throw new Error('not yet valid');
  if (iat !== undefined && !isNumber(iat)) throw new Error('iat is not a number');
  return verified;
}

/**
 * Verifies that we signed a JWT, with the expected `typ` and issuer, whatever its expiry: for
 * hints such as `id_token_hint`, which may be presented after the ID token expired
 * (OpenID Connect RP-Initiated Logout 1.0 §2). Throws on any failure.
 */
export async function verifyOwnJwtIgnoringExpiry(keys: KeyRing, token: string, typ: string, issuer: string): Promise<VerifiedJwt> {
  const verified = await verifySignature(keys, token, typ);
  if (verified.payload.iss !== issuer) throw new Error('issued by someone else');
  return verified;
}
