import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { KeyStore, SigningKeyRecord } from '../../store/ports.js';

export type SigningAlg = 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  createdAt: number;
  retiredAt: number | null;
}

/** Makes a new key pair: P-256 for ES256 (fast), 2048-bit RSA for RS256. The kid is the RFC 7638 thumbprint. */
export async function generateSigningKey(alg: SigningAlg, now: number): Promise<SigningKeyRecord> {
  const { privateKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(createPublicKey(privateKey).export({ format: 'jwk' }) as JWK);
  return { kid, alg, privateJwk: JSON.stringify(jwk), createdAt: now, retiredAt: null };
}

function fromRecord(record: SigningKeyRecord): SigningKey {
  const privateKey = createPrivateKey({ key: JSON.parse(record.privateJwk) as JWK, format: 'jwk' } as never);
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

  constructor(private readonly store: KeyStore) {}

  /** Loads keys from the store; with `createAt`, first creates one per algorithm that has no active key (first start). */
  async load(createAt?: number): Promise<void> {
    let records = await this.store.all();
    if (createAt !== undefined) {
      for (const alg of SIGNING_ALGS) {
        if (!records.some((r) => r.alg === alg && r.retiredAt === null)) {
          await this.store.add(await generateSigningKey(alg, createAt));
        }
      }
      records = await this.store.all();
    }
    // Keys already imported are kept as they are: importing is the costly part.
    const previous = this.byKid;
    this.keys = records.map((r) => {
      const known = previous.get(r.kid);
      return known ? { ...known, retiredAt: r.retiredAt } : fromRecord(r);
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
    if (known || Date.now() - this.lastLoad < 1000) return known;
    await this.reload();
    return this.byKid.get(kid);
  }

  /** The public JWK Set (RFC 7517 §5): public members only. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}
