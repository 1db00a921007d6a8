import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { Redis } from 'ioredis';

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';

/** The address the request seems to come from: the test server trusts X-Forwarded-For, as behind a proxy. */
const fromIp = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip });

describe('brute-force lockout of sign-in', () => {
  let server: TestServer;
  // A short window and lock, so the test sees the lock end.
  const LOCK = 2;

  before(async () => {
    server = await startTestServer({ signInLimits: { perPair: 3, perSubject: 6, perIp: 8, windowSeconds: LOCK, lockSeconds: LOCK, delayMs: 1 } }, undefined, { trustProxy: true });
  });
  after(() => server.close());

  /** One sign-in on the account page from `ip`; the page that answers. */
  async function signIn(username: string, password: string, ip: string): Promise<Page> {
    const browser = new Browser(server.issuer);
    const form = isPage(await browser.visit(`${server.issuer}/account`, { headers: fromIp(ip) }));
    const body = new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(form.html)![1]!, return_to: '/account', username, password });
    return isPage(await browser.visit(`${server.issuer}/login`, { method: 'POST', headers: { ...fromIp(ip), 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() }));
  }

  it('locks a username on one IP after the configured failures, for unknown users alike, and lets it in again after the window', async () => {
    const alice = await server.addUser({ username: 'alice' });
    for (const attempt of [1, 2]) assert.equal(alert(await signIn('alice', `wrong ${attempt}`, '10.0.0.1')), 'Incorrect username or password.');
    assert.match(alert(await signIn('alice', 'wrong 3', '10.0.0.1')), /Too many failed sign-ins/);
    // Locked: even the right password is refused, without being checked.
    const locked = await signIn('alice', alice.password, '10.0.0.1');
    assert.match(alert(locked), /Too many failed sign-ins/);
    assert.match(locked.html, /name="password"/, 'still the sign-in form');

    // An unknown username gets exactly the same answers.
    for (const attempt of [1, 2]) assert.equal(alert(await signIn('nobody', `wrong ${attempt}`, '10.0.0.1')), 'Incorrect username or password.');
    assert.match(alert(await signIn('nobody', 'wrong 3', '10.0.0.1')), /Too many failed sign-ins/);

    // The attacker's IP is locked, not the user: from elsewhere alice signs in.
    const elsewhere = await signIn('alice', alice.password, '10.0.0.2');
    assert.match(textOf(elsewhere.html), /Your account/);

    await sleep((LOCK + 0.5) * 1000);
    const after = await signIn('alice', alice.password, '10.0.0.1');
    assert.match(textOf(after.html), /Your account/, 'the lock has ended');
  });

  it('stops one IP guessing across many usernames before it can lock anyone out for long', async () => {
    const carol = await server.addUser({ username: 'carol' });
    // perIp is 8: two failures for each of four usernames (below their pair limit of 3).
    for (const name of ['u1', 'u2', 'u3', 'u4']) for (const n of [1, 2]) await signIn(name, `guess ${n}`, '10.0.0.3');
    assert.match(alert(await signIn('carol', carol.password, '10.0.0.3')), /Too many failed sign-ins/);
    assert.match(textOf((await signIn('carol', carol.password, '10.0.0.4')).html), /Your account/);
  });

  it('locks the password grant too, per username through the app, answering 429 with Retry-After', async () => {
    const dave = await server.addUser({ username: 'dave' });
    const app = await server.addClient({ name: 'Legacy', grantTypes: ['password'], scopes: ['openid'] });
    const grant = (password: string) => postForm(`${server.issuer}/token`, { grant_type: 'password', username: 'dave', password }, { ...basic(app.clientId, app.secret!), ...fromIp('10.0.0.5') });
    for (const n of [1, 2]) {
      const wrong = await grant(`wrong ${n}`);
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body['error'], 'invalid_grant');
    }
    // The app's requests all come from its server: they are counted per username through the app,
    // apart from the browser's sign-ins (the login page is not locked by them).
    assert.equal((await grant('wrong 3')).status, 429);
    assert.match(textOf((await signIn('dave', dave.password, '10.0.0.5')).html), /Your account/);
    const locked = await grant(dave.password);
    assert.equal(locked.status, 429);
    assert.equal(locked.body['error'], 'invalid_grant');
    assert.ok(Number(locked.headers.get('retry-after')) >= 1);
    await sleep((LOCK + 0.5) * 1000);
    assert.equal((await grant(dave.password)).status, 200);
  });
});

describe('failed client authentication limits', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ clientAuthLimits: { perPair: 5, perIp: 30, windowSeconds: 60, lockSeconds: 60 } }, undefined, { trustProxy: true });
  });
  after(() => server.close());

  it('answers 429 with Retry-After and an OAuth error once a secret was guessed too often', async () => {
    const service = await server.addClient({ name: 'Reports', type: 'confidential', grantTypes: ['client_credentials'], scopes: ['reports:read'] });
    const token = (secret: string, ip: string) => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, { ...basic(service.clientId, secret), ...fromIp(ip) });
    for (let i = 0; i < 5; i++) assert.equal((await token(`guess-${i}`, '10.1.0.1')).status, 401);
    const limited = await token('guess-5', '10.1.0.1');
    assert.equal(limited.status, 429);
    assert.equal(limited.body['error'], 'invalid_client');
    assert.equal(typeof limited.body['error_description'], 'string');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // The same limits guard revocation and introspection, which share client authentication.
    const introspect = await postForm(`${server.issuer}/introspect`, { token: 'x' }, { ...basic(service.clientId, 'guess'), ...fromIp('10.1.0.1') });
    assert.equal(introspect.status, 429);
    // A request that authenticates is always served, from anywhere: a 256-bit secret cannot be guessed,
    // so the failures of others never lock the client out.
    assert.equal((await token(service.secret!, '10.1.0.2')).status, 200);
    assert.equal((await token(service.secret!, '10.1.0.1')).status, 200);
  });

  it('never slows valid traffic: a burst of 500 client_credentials requests all succeed', async () => {
    const service = await server.addClient({ name: 'Busy', type: 'confidential', grantTypes: ['client_credentials'], scopes: ['jobs:run'] });
    const answers = await Promise.all(
      Array.from({ length: 500 }, () => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(service.clientId, service.secret!))),
    );
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    assert.deepEqual([...statuses], [[200, 500]]);
  });

  it('limits bad bearer tokens at the registration endpoint per IP', async () => {
    const register = () =>
      fetch(`${server.issuer}/register`, {
        method: 'POST',
        headers: { authorization: 'Bearer not-a-real-token', 'content-type': 'application/json', ...fromIp('10.1.0.9') },
        body: JSON.stringify({ redirect_uris: ['https://app.example.com/cb'] }),
      });
    for (let i = 0; i < 5; i++) assert.equal((await register()).status, 401);
    const limited = await register();
    assert.equal(limited.status, 429);
    assert.ok(limited.headers.get('retry-after'));
    assert.equal(((await limited.json()) as Record<string, unknown>)['error'], 'invalid_token');
  });
});

describe('limits shared through Redis', () => {
  const REDIS = 'redis://127.0.0.1:6379';
  const prefix = `tessera-test-${process.pid}-${Date.now()}`;
  const limits = { signInLimits: { perPair: 3, windowSeconds: 60, lockSeconds: 60, delayMs: 1 } };
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    a = await startTestServer(limits, undefined, { redis: { url: REDIS, prefix } });
    b = await startTestServer(limits, undefined, { redis: { url: REDIS, prefix } });
  });
  after(async () => {
    await a.close();
    await b.close();
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const signIn = async (server: TestServer, username: string, password: string): Promise<Page> => {
    const browser = new Browser(server.issuer);
    const form = isPage(await browser.visit(`${server.issuer}/account`));
    return isPage(await browser.submit(form, { username, password }));
  };

  it('counts failures on one node against sign-ins on another', async () => {
    const onA = await a.addUser({ username: 'zoe', password: 'zoe has a long passphrase' });
    await b.addUser({ username: 'zoe', password: onA.password });
    for (const n of [1, 2, 3]) await signIn(a, 'zoe', `wrong ${n}`);
    const refused = await signIn(b, 'zoe', onA.password);
    assert.match(alert(refused), /Too many failed sign-ins/);
  });

  it('keeps signing users in when Redis cannot be reached, counting in memory meanwhile', async () => {
    const lonely = await startTestServer(limits, undefined, { redis: { url: 'redis://127.0.0.1:1', prefix } });
    try {
      const user = await lonely.addUser({ username: 'yan' });
      assert.match(textOf((await signIn(lonely, 'yan', user.password)).html), /Your account/);
      for (const n of [1, 2, 3]) await signIn(lonely, 'yan', `wrong ${n}`);
      assert.match(alert(await signIn(lonely, 'yan', user.password)), /Too many failed sign-ins/);
    } finally {
      await lonely.close();
    }
  });
});
