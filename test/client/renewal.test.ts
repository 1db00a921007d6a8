import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDue, type TokenSet } from '../../src/client/token-set.js';
import { RenewingToken } from '../../src/client/renewing-token.js';

/** When a token counts as due, and what the one renewal in flight does on failure (no server needed). */
describe('client library: renewal rules', () => {
  const now = 1_000_000;
  const token = (lifetime: number, accessToken = 'a'): TokenSet => ({ accessToken, receivedAt: now, expiresAt: now + lifetime });

  it('renews `earlySeconds` before expiry, but not before half the lifetime has passed', () => {
    assert.equal(isDue(token(900), 30, now + 869), false);
    assert.equal(isDue(token(900), 30, now + 870), true);
    // A 2-second token with a 30-second margin is still used for its first second.
    assert.equal(isDue(token(2), 30, now + 0.9), false);
    assert.equal(isDue(token(2), 30, now + 1), true);
    // Without expires_in, only a 401 renews it.
    assert.equal(isDue({ accessToken: 'a', receivedAt: now }, 30, now + 1e9), false);
  });

  it('does not keep a failed renewal: the next call tries again', async () => {
    let calls = 0;
    const renewing = new RenewingToken(async () => {
      calls++;
      if (calls === 1) throw new Error('Tessera unreachable');
      return token(900, 'b');
    }, 30);
    const first = await Promise.allSettled([renewing.get(), renewing.get(), renewing.get()]);
    assert.ok(first.every((r) => r.status === 'rejected'));
    assert.equal(calls, 1, 'three waiters, one attempt');
    assert.equal((await renewing.get()).accessToken, 'b');
    assert.equal(calls, 2);
  });

  it('replaces a refused token once; a caller holding an already replaced token gets the new one', async () => {
    let calls = 0;
    const renewing = new RenewingToken(async () => token(900, `t${++calls}`), 30, token(900, 't0'));
    const [a, b] = await Promise.all([renewing.replace('t0'), renewing.replace('t0')]);
    assert.equal(a.accessToken, 't1');
    assert.equal(b.accessToken, 't1');
    assert.equal((await renewing.replace('t0')).accessToken, 't1', 'the late 401 of an old token renews nothing');
    assert.equal(calls, 1);
  });
});
