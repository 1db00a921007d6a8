import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { attemptLimiter, type LimiterFactory } from '../../src/limits/attempts.js';
import { memoryLimiterFactory } from '../../src/limits/memory.js';
import { Redis } from 'ioredis';
import { redisLimiterFactory } from '../../src/limits/redis.js';

/** The behaviour of the failure counters, whichever store keeps them. */
function limiterContract(name: string, make: () => { factory: LimiterFactory; close(): Promise<void> }, setUp = async () => {}): void {
  describe(`limiter contract: ${name}`, () => {
    const made = make();
    before(setUp);
    after(() => made.close());

    it('allows failures up to the limit, then blocks for the lock time; a reset forgets them', async () => {
      const limiter = attemptLimiter(made.factory(`t:${randomBytes(4).toString('hex')}`, 3, 60, 120), 3, 120);
      assert.deepEqual(await limiter.check('k'), { allowed: true, retryAfter: 0 });
      assert.deepEqual(await limiter.fail('k'), { count: 1, blocked: false });
      assert.deepEqual(await limiter.fail('k'), { count: 2, blocked: false });
      assert.deepEqual(await limiter.fail('k'), { count: 3, blocked: true });
      const blocked = await limiter.check('k');
      assert.equal(blocked.allowed, false);
      assert.ok(blocked.retryAfter > 60 && blocked.retryAfter <= 120, `the block lasts the lock time, not the window (${blocked.retryAfter})`);
      assert.equal((await limiter.check('other')).allowed, true, 'keys are counted apart');
      await limiter.reset('k');
      assert.equal((await limiter.check('k')).allowed, true);
    });

    it('counts concurrent failures without losing any', async () => {
      const limiter = attemptLimiter(made.factory(`t:${randomBytes(4).toString('hex')}`, 50, 60, 60), 50, 60);
      await Promise.all(Array.from({ length: 20 }, () => limiter.fail('k')));
      assert.deepEqual(await limiter.fail('k'), { count: 21, blocked: false });
    });
  });
}

limiterContract('memory', () => ({ factory: memoryLimiterFactory, close: async () => {} }));
const REDIS_URL = process.env['TESSERA_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tessera-test-${randomBytes(4).toString('hex')}`;
const redis = redisLimiterFactory(REDIS_URL, prefix);
limiterContract(
  'redis',
  () => redis,
  async () => assert.equal(await redis.connected(), true, 'Redis must be reachable: the counters are to be tested there, not in the fallback'),
);

describe('limiter contract: redis (where the counters are)', () => {
  it('keeps the counters in Redis under the prefix, and removes them', async () => {
    const inspect = new Redis(REDIS_URL);
    try {
      const keys = await inspect.keys(`${prefix}:*`);
      assert.ok(keys.length >= 1, `counters written to Redis (${keys.length})`);
      await inspect.del(...keys);
    } finally {
      inspect.disconnect();
    }
  });
});
