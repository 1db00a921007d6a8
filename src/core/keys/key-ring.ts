import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { KeyStore, SigningKeyRecord } from '../../store/ports.js';
import { isSealed, seal, unseal } from '../crypto.js';
import type { CacheLookupObserver } from '../cache-lookups.js';

export type SigningAlg = 'ES256' | 'RS256' | 'PS256';
/** One key per algorithm: PS256 has an RSA key of its own, so that each published key names the one algorithm it signs with. */
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256', 'PS256'];

const generate = promisify(generateKeyPair);

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  createdAt: number;
  retiredAt: number | null;
}

/** Thrown when a stored private key cannot be opened: sealed under another pepper, or altered. */
export class SealedKeyError extends Error {
  override name = 'SealedKeyError';
}

/**
 * Makes a new key pair: P-256 for ES256 (fast), 2048-bit RSA for RS256 and PS256. The kid is the RFC 7638
 * thumbprint. The private JWK leaves here sealed under the pepper: the store never sees it in clear.
 * Generated off the main thread: RSA takes a good part of a second.
 */
export async function generateSigningKey(alg: SigningAlg, now: number, pepper: Buffer): Promise<SigningKeyRecord> {
  const { privateKey } = alg === 'ES256' ? await generate('ec', { namedCurve: 'P-256' }) : await generate('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(createPublicKey(privateKey).export({ format: 'jwk' }) as JWK);
  return { kid, alg, privateJwk: seal(pepper, JSON.stringify(jwk), 'signing_key'), createdAt: now, retiredAt: null };
}

/**
 * The private JWK of a stored key, in clear. A key stored in clear is refused: every process seals
 * such rows (`sealStoredKeys`) before it loads keys, so one found later was written by someone
 * without the pepper, and must not sign.
 */
function openPrivateJwk(record: SigningKeyRecord, pepper: Buffer): JWK {
  if (!isSealed(record.privateJwk)) throw new SealedKeyError(`the signing key ${record.kid} is stored in clear: run 'tessera migrate' to seal it`);
  const text = unseal(pepper, record.privateJwk, 'signing_key');
  if (text === undefined) throw new SealedKeyError(`the signing key ${record.kid} cannot be opened with this pepper`);
  return JSON.parse(text) as JWK;
}

/**
 * Seals every private key still stored in clear (written before keys were sealed). Safe when
 * several processes start at once: each row is replaced only if it still holds the clear text
 * this process read, so a row is sealed once and never overwritten with a different sealing.
 * Returns the kids this call sealed.
 */
export async function sealStoredKeys(store: KeyStore, pepper: Buffer): Promise<string[]> {
  const sealed: string[] = [];
  for (const record of await store.all()) {
    if (isSealed(record.privateJwk)) continue;
    const next = seal(pepper, record.privateJwk, 'signing_key');
    if (await store.replacePrivateJwk(record.kid, record.privateJwk, next)) sealed.push(record.kid);
  }
  return sealed;
}

function fromRecord(record: SigningKeyRecord, pepper: Buffer): SigningKey {
  const privateKey = createPrivateKey({ key: openPrivateJwk(record, pepper), format: 'jwk' } as never);
  const publicKey = createPublicKey(privateKey);
  const exported = publicKey.export({ format: 'jwk' }) as JWK;
  return {
    kid: record.kid,
    alg: record.alg,
    privateKey,
    publicKey,
    publicJwk: { ...exported, kid: record.kid, alg: record.alg, use: 'sig' },
    createdAt: record.createdAt,
    retiredAt: record.retiredAt,
  };
}

/**
 * The server's signing keys, imported once (key imports are costly; never per request).
 * The newest key of an algorithm that is not retired signs; every stored key verifies and is published.
 */
export class KeyRing {
  private keys: SigningKey[] = [];
  private byKid = new Map<string, SigningKey>();
  private lastLoad = 0;

  constructor(
    private readonly store: KeyStore,
    private readonly pepper: Buffer,
    /** Told of each lookup in the key ring and in the cache of verified tokens (jwt.ts) built on it. */
    readonly lookups?: CacheLookupObserver,
  ) {}

  /** Loads keys from the store; with `createAt`, first creates one per algorithm that has no active key (first start). */
  async load(createAt?: number): Promise<void> {
    let records = await this.store.all();
    if (createAt !== undefined) {
      const missing = SIGNING_ALGS.filter((alg) => !records.some((r) => r.alg === alg && r.retiredAt === null));
      // Also how a store from before PS256 gets its key: at the next start.
      for (const key of await Promise.all(missing.map((alg) => generateSigningKey(alg, createAt, this.pepper)))) await this.store.add(key);
      records = await this.store.all();
    }
    // Keys already imported are kept as they are: importing is the costly part.
    const previous = this.byKid;
    this.keys = records.map((r) => {
      const known = previous.get(r.kid);
      return known ? { ...known, retiredAt: r.retiredAt } : fromRecord(r, this.pepper);
    });
    this.byKid = new Map(this.keys.map((k) => [k.kid, k]));
    this.lastLoad = Date.now();
  }

  /**
   * Picks up keys another process (the CLI, another node) added, retired or pruned. Called on a
   * timer, and when a token names a kid we do not know, at most once a second for that reason.
   */
  async reload(): Promise<void> {
    await this.load();
  }

  signingKey(alg: SigningAlg): SigningKey {
    let newest: SigningKey | undefined;
    for (const k of this.keys) {
      if (k.alg === alg && k.retiredAt === null && (!newest || k.createdAt >= newest.createdAt)) newest = k;
    }
    if (!newest) throw new Error(`no active ${alg} signing key`);
    return newest;
  }

  verificationKey(kid: string): SigningKey | undefined {
    return this.byKid.get(kid);
  }

  /** Like verificationKey, but an unknown kid first reloads the keys (rate limited). */
  async freshVerificationKey(kid: string): Promise<SigningKey | undefined> {
    const known = this.byKid.get(kid);
    this.lookups?.('keys', known ? 'hit' : 'miss');
    if (known || Date.now() - this.lastLoad < 1000) return known;
    await this.reload();
    return this.byKid.get(kid);
  }

  /** The public JWK Set (RFC 7517 §5): public members only. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}
