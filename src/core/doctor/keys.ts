import type { StoreFacts } from './facts.js';
import { error, humanSeconds, ok, warn, type CheckResult } from './result.js';
import { SIGNING_ALGS } from '../keys/key-ring.js';
import { keyState } from '../keys/rotation.js';

/** Doctor's rotation policy unless --key-max-age says otherwise: an active key older than this should be replaced. */
export const DEFAULT_KEY_MAX_AGE = 90 * 86400;

const ROTATE_FIX = 'tessera keys rotate (the old keys stay published until the tokens they signed expire)';

/** The signing-key checks: the age of the active keys, sealing, and retired keys to prune. */
export function keyChecks(store: StoreFacts, now: number, maxAge: number): CheckResult[] {
  const read = store.keys;
  if (!read) return [];
  if ('error' in read) return [error('keys.age', `cannot read the signing keys: ${read.error}`, 'run tessera migrate if migrations are pending; check that this user may read the database')];
  const { keys, retention } = read.value;
  if (keys.length === 0) return [warn('keys.age', 'no signing keys yet', 'serve makes one per algorithm at its first start (or run tessera keys rotate)')];
  const results: CheckResult[] = [];
  const nowSeconds = Math.floor(now / 1000);
  const active = keys.filter((k) => k.retiredAt === null);
  const missing = SIGNING_ALGS.filter((alg) => !active.some((k) => k.alg === alg));
  const old = active.filter((k) => nowSeconds - k.createdAt > maxAge);
  const ages = active.map((k) => `${k.alg} ${humanSeconds(nowSeconds - k.createdAt)}`).join(', ');
  if (old.length > 0) {
    const named = old.map((k) => `${k.alg} ${k.kid.slice(0, 8)}… (${humanSeconds(nowSeconds - k.createdAt)})`).join(', ');
    results.push(warn('keys.age', `active keys older than the rotation policy of ${humanSeconds(maxAge)}: ${named}`, ROTATE_FIX));
  } else if (missing.length > 0) {
    results.push(warn('keys.age', `no active ${missing.join(', ')} key`, 'serve adds one at its next start (or run tessera keys rotate --alg ALG)'));
  } else {
    results.push(ok('keys.age', `active keys: ${ages} old, within the rotation policy of ${humanSeconds(maxAge)}`));
  }
  const inClear = keys.filter((k) => !k.sealed);
  const closed = keys.filter((k) => k.sealed && k.opens === false);
  if (closed.length > 0) {
    results.push(error('keys.sealed', `${closed.length} signing key(s) do not open with this pepper: ${closed.map((k) => k.kid.slice(0, 8) + '…').join(', ')}`, 'give the pepper the keys were sealed with; the server cannot load these keys'));
  } else if (inClear.length > 0) {
    results.push(warn('keys.sealed', `${inClear.length} private signing key(s) stored in clear, readable by anyone with a copy of the database`, 'run tessera migrate, which seals them under the pepper'));
  } else if (keys.every((k) => k.opens === true)) {
    results.push(ok('keys.sealed', `every private key (${keys.length}) is sealed and opens with this pepper`));
  } else {
    results.push(ok('keys.sealed', `every private key (${keys.length}) is sealed`));
  }
  const states = keys.map((k) => keyState(k, nowSeconds, retention));
  const prunable = states.filter((s) => s === 'prunable').length;
  const retired = states.filter((s) => s === 'retired').length;
  if (prunable > 0) {
    results.push(warn('keys.retired', `${prunable} retired key(s) can be pruned: every token they signed has expired`, 'tessera keys prune (a running server also removes them within 5 minutes)'));
  } else {
    results.push(ok('keys.retired', retired > 0 ? `${retired} retired key(s), published until the tokens they signed expire` : 'no retired keys'));
  }
  return results;
}
