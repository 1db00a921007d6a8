import type { SigningKeyRecord, Stores } from '../../store/ports.js';
import { DEFAULT_TTL, type Config } from '../config.js';
import { SIGNING_ALGS, type SigningAlg } from '../keys/key-ring.js';
import { JWT_LIFETIME_SETTING, keyRetention, keyState, pruneKeys, rotateKeys, type KeyState } from '../keys/rotation.js';
import type { AdminContext } from './context.js';

/** Managing signing keys: list, rotate, prune; for the CLI, the admin API and the console. */

export class KeyInputError extends Error {
  override name = 'KeyInputError';
}

/**
 * How long a retired key stays published. Without the server's config (the CLI has none) it
 * follows the longer of the default token lifetimes and those the server last started with (it
 * records them), and the clients' and APIs' own; a face inside the server passes its `ttl`.
 */
export async function currentKeyRetention(stores: Stores, ttl?: Config['ttl']): Promise<number> {
  const recorded = Number((await stores.settings.get(JWT_LIFETIME_SETTING)) ?? 0) || 0;
  const base = ttl ?? DEFAULT_TTL;
  const merged = { ...base, accessToken: Math.max(base.accessToken, recorded), idToken: Math.max(base.idToken, recorded) };
  return keyRetention({ ttl: merged }, await stores.clients.list(), await stores.apis.list());
}

export interface KeyView extends Record<string, unknown> {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  created_at: number;
  retired_at: number | null;
  /** When a retired key may go: every token it signed has expired by then. */
  prunable_at: number | null;
}

export function keyView(key: SigningKeyRecord, now: number, retention: number): KeyView {
  return {
    kid: key.kid,
    alg: key.alg,
    state: keyState(key, now, retention),
    created_at: key.createdAt,
    retired_at: key.retiredAt,
    prunable_at: key.retiredAt === null ? null : key.retiredAt + retention,
  };
}

/** Every signing key, active and retired (public facts only: no private key leaves the store). */
export async function listSigningKeys(stores: Stores, now: number, ttl?: Config['ttl']): Promise<KeyView[]> {
  const retention = await currentKeyRetention(stores, ttl);
  return (await stores.keys.all()).map((k) => keyView(k, now, retention));
}

/** The algorithms to rotate: all when none are named; unknown names are refused. */
function checkedAlgs(algs: readonly string[] | undefined): readonly SigningAlg[] {
  if (algs === undefined || algs.length === 0) return SIGNING_ALGS;
  const unknown = algs.find((a) => !SIGNING_ALGS.includes(a as SigningAlg));
  if (unknown !== undefined) throw new KeyInputError(`alg must be one of ${SIGNING_ALGS.join(', ')}, not '${unknown}'`);
  return [...new Set(algs as SigningAlg[])];
}

/**
 * Adds a new key per algorithm (all by default), which signs from now on; the keys it replaces are
 * retired and stay published until their tokens expire. Returns the new keys.
 */
export async function rotateSigningKeys(admin: AdminContext, input: { algs?: readonly string[] } = {}, ttl?: Config['ttl']): Promise<KeyView[]> {
  const algs = checkedAlgs(input.algs);
  const added = await rotateKeys(admin.stores.keys, admin.pepper, admin.now, algs);
  for (const key of added) await admin.audit({ type: 'key.rotated', reason: `${key.alg} ${key.kid}` });
  const retention = await currentKeyRetention(admin.stores, ttl);
  return added.map((k) => keyView(k, admin.now, retention));
}

/** Removes retired keys whose tokens have all expired; returns their kids. */
export async function pruneSigningKeys(admin: AdminContext, ttl?: Config['ttl']): Promise<{ pruned: string[] }> {
  const pruned = await pruneKeys(admin.stores.keys, admin.now, await currentKeyRetention(admin.stores, ttl));
  for (const kid of pruned) await admin.audit({ type: 'key.pruned', reason: kid });
  return { pruned };
}
