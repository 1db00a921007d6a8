import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { startTestServer, freePort, type TestServer } from '../helpers/server.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { randomUUID } from 'node:crypto';
import { createPasswordHasher } from '../../src/core/accounts/passwords.js';
import { buildUser } from '../../src/core/accounts/users.js';

/**
 * Attack (review of issues 15/16): docs/deployment.md tells operators to set TESSERA_TRUST_PROXY
 * behind nginx with `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`. That nginx
 * variable *appends* the peer's address to whatever X-Forwarded-For the client sent, and Fastify's
 * `trustProxy: true` takes the left-most entry, which the client wrote. So every client behind
 * the documented proxy picks its own address: the per-username+IP and per-IP sign-in limits and
 * the per-address share of the password-hashing places (and the audit's IP) are the attacker's to set.
 */

/** The proxy of docs/deployment.md: appends the peer's address, as nginx's $proxy_add_x_forwarded_for does. */
function nginxLike(target: string): Server {
  return createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const existing = req.headers['x-forwarded-for'];
      const remote = req.socket.remoteAddress ?? '';
      const xff = existing ? `${Array.isArray(existing) ? existing.join(', ') : existing}, ${remote}` : remote;
      const url = new URL(target);
      const upstream = request({ host: url.hostname, port: url.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': xff, 'x-forwarded-proto': 'https' } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(Buffer.concat(chunks));
    });
  });
}

describe('behind the documented proxy, a client cannot choose the address it is counted under', () => {
  let server: TestServer;
  let proxy: Server;
  let publicUrl: string;

  before(async () => {
    server = await startTestServer({ signInLimits: { perPair: 5, perSubject: 20, perIp: 50, delayMs: 1 } }, undefined, { trustProxy: true });
    const port = await freePort();
    proxy = nginxLike(server.issuer);
    await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    publicUrl = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
    await server.close();
  });

  it('checks at most 5 wrong passwords for one username from one client, whatever X-Forwarded-For it sends', async () => {
    await server.addUser({ username: 'olga' });
    const passwords = server.tessera.ctx.passwords;
    const verify = passwords.verify.bind(passwords);
    let checked = 0;
    passwords.verify = async (hash, password, requester) => {
      checked++;
      return verify(hash, password, requester);
    };
    try {
      // One client (one TCP peer, 127.0.0.1), 40 guesses at once, each claiming another address in the header.
      const browser = new Browser(server.issuer);
      const form = isPage(await browser.visit(`${server.issuer}/account`));
      const guesses = Array.from({ length: 40 }, (_, i) =>
        (async () => {
          const b = new Browser(publicUrl, { 'x-forwarded-for': `198.51.100.${i}` });
          for (const [k, v] of browser.cookies) b.cookies.set(k, v);
          const action = form.html.match(/action="([^"]+)"/)![1]!.replace(server.issuer, publicUrl);
          const hidden = Object.fromEntries([...form.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
          const res = await b.request(action, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ ...hidden, username: 'olga', password: `guess ${i}` }).toString(),
          });
          return res.status;
        })(),
      );
      await Promise.all(guesses);
    } finally {
      passwords.verify = verify;
    }
    const events = await server.tessera.ctx.stores.audit.list({ type: 'login.failure', limit: 1000 });
    const ips = new Set(events.filter((e) => e.reason === 'wrong_password').map((e) => e.ip));
    assert.ok(checked <= 5, `argon2 ran on ${checked} guesses from one client; the audit log names ${ips.size} addresses it made up (${[...ips].slice(0, 3).join(', ')}, …)`);
  });

  it('keeps one client from filling every password-hashing place by naming a new address in each request', async () => {
    const busyServer = await startTestServer({ signInLimits: { perPair: 5, perSubject: 1000, perIp: 1000, delayMs: 1 } }, undefined, { trustProxy: true, passwordHashing: { concurrency: 1, queue: 8 } });
    const port = await freePort();
    const front = nginxLike(busyServer.issuer);
    await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve));
    const front_url = `http://127.0.0.1:${port}`;
    try {
      const people = await Promise.all(Array.from({ length: 5 }, (_, i) => busyServer.addUser({ username: `person${i}` })));
      // Accounts whose hashes are costly to check, so the flood really occupies the places (as in guessing-bursts.test.ts).
      const costly = await createPasswordHasher({ memoryCost: 65536, timeCost: 3, parallelism: 1 });
      const template = await buildUser({ username: 'template', password: 'their own long password' }, costly, busyServer.tessera.ctx.now());
      for (let i = 0; i < 60; i++) await busyServer.tessera.ctx.stores.users.create({ ...template, id: randomUUID(), username: `target${i}` });

      const formOfServer = async (b: Browser) => isPage(await b.visit(`${busyServer.issuer}/account`));
      const post = async (b: Browser, base: string, page: Page, fields: Record<string, string>) => {
        const action = page.html.match(/action="([^"]+)"/)![1]!.replace(busyServer.issuer, base);
        const hidden = Object.fromEntries([...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
        const res = await b.request(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...hidden, ...fields }).toString() });
        return { status: res.status, html: await res.text() };
      };
      // Real people, each on an address of their own (as the proxy names them), at the sign-in form.
      const ready = await Promise.all(
        people.map(async (_, i) => {
          const b = new Browser(busyServer.issuer, { 'x-forwarded-for': `10.5.1.${i}` });
          return { b, page: await formOfServer(b) };
        }),
      );
      // The flooder: one client behind the proxy, a made-up address in each request.
      const flooderBrowser = new Browser(busyServer.issuer);
      const flooderForm = await formOfServer(flooderBrowser);
      const flood = Array.from({ length: 60 }, (_, i) => {
        const b = new Browser(front_url, { 'x-forwarded-for': `203.0.113.${i}` });
        for (const [k, v] of flooderBrowser.cookies) b.cookies.set(k, v);
        return post(b, front_url, flooderForm, { username: `target${i}`, password: 'a wrong password' });
      });
      // Once the flood's first answer is back (a 503: every place is taken), the real people sign in.
      await Promise.race(flood);
      const real = await Promise.all(ready.map(({ b, page }, i) => post(b, busyServer.issuer, page, { username: people[i]!.username, password: people[i]!.password })));
      await Promise.all(flood);
      const statuses = real.map((r) => r.status);
      assert.deepEqual(statuses.map((s) => s !== 503), [true, true, true, true, true], `real sign-ins turned away with 503 while one client flooded: ${JSON.stringify(statuses)} ${real.map((r) => textOf(r.html).slice(0, 60)).join(' | ')}`);
    } finally {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
      await busyServer.close();
    }
  });
});
