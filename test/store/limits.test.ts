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

    it('allows attempts up to the allowance, then refuses; a lock lasts the lock time; a reset forgets them', async () => {
      const limiter = attemptLimiter(made.factory(`t:${randomBytes(4).toString('hex')}`, 3, 60, 120), 3, 120);
      assert.equal(await limiter.wait('k'), 0);
      for (const n of [1, 2, 3]) assert.deepEqual(await limiter.take('k'), { allowed: true, retryAfter: 0, count: n });
      assert.equal(await limiter.wait('k'), 0, 'spent, but not locked until the last failure says so');
      await limiter.lock('k');
      const refused = await limiter.take('k');
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfter > 60 && refused.retryAfter <= 120, `the lock lasts the lock time, not the window (${refused.retryAfter})`);
      assert.ok((await limiter.wait('k')) > 60);
      assert.equal((await limiter.take('other')).allowed, true, 'keys are counted apart');
      await limiter.reset('k');
      assert.equal((await limiter.take('k')).allowed, true);
    });

    it('gives points back after a success, never below zero', async () => {
      const limiter = attemptLimiter(made.factory(`t:${randomBytes(4).toString('hex')}`, 2, 60, 60), 2, 60);
      await limiter.take('k');
      await limiter.giveBack('k');
      await limiter.giveBack('k');
      await limiter.giveBack('never-taken');
      assert.equal((await limiter.take('k')).count, 1, 'the given-back point is free again, and no credit was made');
      assert.equal((await limiter.take('never-taken')).count, 1);
    });

    it('lets exactly the allowance through a burst of concurrent attempts (count before you verify)', async () => {
      const limiter = attemptLimiter(made.factory(`t:${randomBytes(4).toString('hex')}`, 5, 60, 60), 5, 60);
      const answers = await Promise.all(Array.from({ length: 100 }, () => limiter.take('k')));
      assert.equal(answers.filter((a) => a.allowed).length, 5);
      assert.deepEqual(answers.filter((a) => a.allowed).map((a) => a.count).sort(), [1, 2, 3, 4, 5]);
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
