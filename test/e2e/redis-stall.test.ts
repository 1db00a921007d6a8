import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * A Redis that stops answering (SIGSTOP: the connection stays open, nothing comes back) must not
 * hang token requests or sign-ins (issue 16): each node falls back to counting in memory within a
 * bounded time, and /ready reports Redis as degraded without taking the node out.
 */

/** A request that hangs fails the test instead of the suite: far longer than any answer may take here. */
const HANG = 8000;

describe('a Redis that stops answering', () => {
  let redis: ChildProcess;
  let port: number;
  let server: TestServer;
  let service: { clientId: string; secret?: string };

  before(async () => {
    port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
    for (let i = 0; i < 50; i++) {
      try {
        await probe.connect();
        break;
      } catch {
        await sleep(100);
      }
    }
    probe.disconnect();
    server = await startTestServer({ signInLimits: { perPair: 3, delayMs: 1 } }, undefined, { trustProxy: true, redis: { url: `redis://127.0.0.1:${port}`, prefix: 'stall' } });
    service = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
  });
  after(async () => {
    redis.kill('SIGCONT');
    redis.kill('SIGKILL');
    await server.close();
  });

  const token = () => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(service.clientId, service.secret!));
  const ready = async () => (await fetch(`${server.issuer}/ready`, { signal: AbortSignal.timeout(HANG) })).json() as Promise<{ status: string; checks: Record<string, string> }>;

  it('keeps answering token requests and sign-ins, counting in memory, and stays ready', async () => {
    assert.equal((await token()).status, 200);
    assert.deepEqual(await ready(), { status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    const user = await server.addUser({ username: 'una' });

    redis.kill('SIGSTOP');
    const answers = await Promise.all(Array.from({ length: 20 }, () => Promise.race([token(), sleep(HANG).then(() => ({ status: 0 }))])));
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], 'every token request answered');
    // Wrong secrets are still counted (in memory), and answered.
    const wrong = await Promise.all(Array.from({ length: 12 }, () => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, { ...basic(service.clientId, 'wrong'), 'x-forwarded-for': '10.3.0.1' })));
    assert.ok(wrong.every((w) => w.status === 401 || w.status === 429));

    const browser = new Browser(server.issuer, { 'x-forwarded-for': '10.3.1.1' });
    const form = isPage(await browser.visit(`${server.issuer}/account`, { signal: AbortSignal.timeout(HANG) }));
    for (const n of [1, 2, 3]) isPage(await browser.submit(form, { username: 'una', password: `wrong ${n}` }));
    const locked = isPage(await browser.submit(form, { username: 'una', password: user.password }));
    assert.equal(locked.status, 429, 'the lock holds while Redis is away (counted on this node)');
    const elsewhere = new Browser(server.issuer, { 'x-forwarded-for': '10.3.1.2' });
    const signedIn = isPage(await elsewhere.submit(isPage(await elsewhere.visit(`${server.issuer}/account`)), { username: 'una', password: user.password }));
    assert.match(signedIn.html, /Your account/);

    assert.deepEqual(await ready(), { status: 'ready', checks: { database: 'ok', redis: 'degraded' } });

    redis.kill('SIGCONT');
    let state = '';
    for (let i = 0; i < 40 && state !== 'ok'; i++) {
      await sleep(250);
      state = (await ready()).checks['redis'] ?? '';
    }
    assert.equal(state, 'ok', 'back to Redis once it answers');
    assert.equal((await token()).status, 200);
  });
});
