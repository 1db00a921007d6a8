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

  constructor(private readonly store: KeyStore) {}

  /** Loads keys from the store, creating one per algorithm the first time the server starts. */
  async load(now: number, create = true): Promise<void> {
    let records = await this.store.all();
    if (create) {
      for (const alg of SIGNING_ALGS) {
        if (!records.some((r) => r.alg === alg && r.retiredAt === null)) {
          await this.store.add(await generateSigningKey(alg, now));
        }
      }
      records = await this.store.all();
    }
    this.keys = records.map(fromRecord);
    this.byKid = new Map(this.keys.map((k) => [k.kid, k]));
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

  /** The public JWK Set (RFC 7517 §5): public members only. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}
