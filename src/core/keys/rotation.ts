import type { Config } from '../config.js';
import type { Client, KeyStore, SigningKeyRecord } from '../../store/ports.js';
import { SIGNING_ALGS, generateSigningKey, type SigningAlg } from './key-ring.js';
import { longestJwtLifetime, type ApiTokenSettings } from '../tokens/lifetimes.js';

/** How long a running server may keep signing with a key after it was retired elsewhere (its reload interval, with room to spare). */
export const RETIREMENT_SLACK = 60;

/**
 * How long a retired key stays published: until every token it can have signed has expired.
 * The longest-lived JWT it signs is an ID token or an access token, the server's, a client's or an API's own.
 */
export function keyRetention(config: Pick<Config, 'ttl'>, clients: readonly Pick<Client, 'lifetimes'>[] = [], apis: readonly ApiTokenSettings[] = []): number {
  return longestJwtLifetime(config, clients, apis) + RETIREMENT_SLACK;
}

/**
 * The setting in which a starting server records the longest lifetime of the JWTs it signs, so
 * that `tessera keys`, which has no server config, keeps retired keys published long enough.
 */
export const JWT_LIFETIME_SETTING = 'jwt_lifetime';

export type KeyState = 'active' | 'retired' | 'prunable';

export function keyState(key: Pick<SigningKeyRecord, 'retiredAt'>, now: number, retention: number): KeyState {
  if (key.retiredAt === null) return 'active';
  return key.retiredAt + retention <= now ? 'prunable' : 'retired';
}

/**
 * Adds a new key for each algorithm and only then retires the keys it replaces, so there is
 * always one that signs. The new public keys are published from the moment they are stored.
 */
export async function rotateKeys(store: KeyStore, pepper: Buffer, now: number, algs: readonly SigningAlg[] = SIGNING_ALGS): Promise<SigningKeyRecord[]> {
  const before = await store.all();
  const added: SigningKeyRecord[] = [];
  for (const alg of algs) {
    const key = await generateSigningKey(alg, now, pepper);
    await store.add(key);
    added.push(key);
  }
  for (const old of before) {
    if (old.retiredAt === null && algs.includes(old.alg)) await store.retire(old.kid, now);
  }
  return added;
}

/** Removes retired keys whose tokens have all expired; returns their kids. Active keys are never removed. */
export async function pruneKeys(store: KeyStore, now: number, retention: number): Promise<string[]> {
  const removed: string[] = [];
  for (const key of await store.all()) {
    if (keyState(key, now, retention) === 'prunable' && (await store.delete(key.kid))) removed.push(key.kid);
  }
  return removed;
}
