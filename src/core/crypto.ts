import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** A random value with `bytes` bytes of entropy, base64url without padding. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
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

/** The key that seals secrets the server must read back (TOTP secrets), derived from the pepper. */
function sealingKey(pepper: Buffer): Buffer {
  return createHmac('sha256', pepper).update('tessera:seal:v1').digest();
}

/** Encrypts a secret that cannot be hashed because the server needs it again (AES-256-GCM). */
export function seal(pepper: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(pepper), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** Opens what `seal` made; undefined when it was altered or sealed with another pepper. */
export function unseal(pepper: Buffer, sealed: string): string | undefined {
  const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !body) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(pepper), iv);
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
