import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** A random value with `bytes` bytes of entropy, base64url without padding. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A random token that starts with a letter or digit, so that it is never taken for an option when
 * an operator passes it on a command line (`tessera registration-token revoke -abc…`). Drawing
 * again keeps it uniform over the tokens that qualify (1 in 32 starts with `-` or `_`).
 */
export function commandLineToken(bytes = 32): string {
  for (;;) {
    const token = randomToken(bytes);
    if (/^[A-Za-z0-9]/.test(token)) return token;
  }
}

/** `length` characters drawn uniformly from `alphabet` (codes people type: user codes, backup codes). */
export function randomCode(alphabet: string, length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}

/** SHA-256 of a value, base64url: how codes, tokens and session ids are kept at rest. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Keyed hash for server-generated high-entropy secrets (DESIGN.md §6): no slow KDF needed. */
export function keyedHash(pepper: Buffer, value: string): string {
  return createHmac('sha256', pepper).update(value).digest('base64url');
}

/** Compares two strings in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    // Still spend a comparison so length alone is the only thing learned.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** What a sealed value is for; bound to it, so a value sealed for one use cannot be passed off as another. */
export type SealPurpose = 'totp' | 'signing_key' | 'idp_secret' | 'pkce_verifier' | 'mail';

/** Names the current sealing format: AES-256-GCM under an HKDF-SHA-256 key of the pepper (RFC 5869). */
const SEAL_VERSION = 'v2';

/** The key of format v2. A later pepper rotation adds a version with its own derivation. */
function sealingKeyV2(pepper: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), 'tessera:seal:v2', 32));
}

/** The key of the first format (`iv.tag.body`, no version), still read so TOTP secrets sealed by earlier releases open. */
function sealingKeyV1(pepper: Buffer): Buffer {
  return createHmac('sha256', pepper).update('tessera:seal:v1').digest();
}

/**
 * Encrypts a secret that cannot be hashed because the server needs it again (TOTP secrets,
 * private signing keys): `v2.iv.tag.body`, base64url parts, the purpose as additional data.
 */
export function seal(pepper: Buffer, plaintext: string, purpose: SealPurpose): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKeyV2(pepper), iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [SEAL_VERSION, ...[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'))].join('.');
}

/** Whether a stored value is in a sealed format (of any version) rather than clear text. */
export function isSealed(value: string): boolean {
  return /^(v2\.)?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

/** Opens what `seal` made (or the first format); undefined when it was altered, sealed for another purpose or with another pepper. */
export function unseal(pepper: Buffer, sealed: string, purpose: SealPurpose): string | undefined {
  const parts = sealed.split('.');
  const versioned = parts.length === 4 && parts[0] === SEAL_VERSION;
  if (!versioned && parts.length !== 3) return undefined;
  const [iv, tag, body] = parts.slice(versioned ? 1 : 0).map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !body || iv.length !== 12 || tag.length !== 16) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', versioned ? sealingKeyV2(pepper) : sealingKeyV1(pepper), iv);
    if (versioned) decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Names the pepper without revealing it: a keyed hash of a fixed label. */
export function pepperFingerprint(pepper: Buffer): string {
  return keyedHash(pepper, 'tessera:pepper-fingerprint:v1');
}
