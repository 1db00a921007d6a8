import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { totp } from '../helpers/totp.js';
import { tesseraJson } from '../helpers/cli.js';
import { confirmEnrollment, startEnrollment } from '../../src/core/accounts/mfa.js';

const CALLBACK = 'https://app.example.com/cb';

/** Identical failures are gathered per minute of the clock: start a burst early in one. */
async function earlyInAMinute(): Promise<void> {
  const second = Math.floor(Date.now() / 1000) % 60;
  if (second > 40) await sleep((61 - second) * 1000);
}

describe('refused requests do not grow the audit log without bound', () => {
  let server: TestServer;
  let adminToken: string;

  before(async () => {
    server = await startTestServer({ mfa: { policy: 'risk' } });
    const admin = await server.addClient({ name: 'SIEM', grantTypes: ['client_credentials'], scopes: ['tessera:audit'] });
    adminToken = (await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'tessera:audit' }, basic(admin.clientId, admin.secret!))).body['access_token'] as string;
  });
  after(() => server.close());

  it('gathers a burst of 100 identical failures from one address into one record with a count of 100', async () => {
    const user = await server.addUser({ username: 'flooded' });
    const app = await server.addClient({ name: 'Web', redirectUris: [CALLBACK], scopes: ['openid'] });
    const config = await discover(server, app.clientId, app.secret);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const code = (await new Browser(server.issuer).authorize(url.href, { username: 'flooded', password: user.password })).searchParams.get('code')!;

    await earlyInAMinute();
    // Warm connections first, so that the 100 requests reach the server together.
    await Promise.all(Array.from({ length: 100 }, () => fetch(`${server.issuer}/health`).then((r) => r.text())));
    const refused = await Promise.all(
      Array.from({ length: 100 }, () =>
        postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: client.randomPKCECodeVerifier() }, basic(app.clientId, app.secret!)),
      ),
    );
    assert.ok(refused.every((r) => r.status === 400 && r.body['error'] === 'invalid_grant'));

    const res = await fetch(`${server.issuer}/admin/audit?type=code.misuse&client=${app.clientId}`, { headers: { authorization: `Bearer ${adminToken}` } });
    const { events } = (await res.json()) as { events: Record<string, unknown>[] };
    assert.equal(events.length, 1, 'one record');
    assert.equal(events[0]!['count'], 100);
    assert.equal(events[0]!['reason'], 'code_verifier_mismatch');
    assert.equal(events[0]!['ip'], '127.0.0.1');

    const listed = await tesseraJson<Record<string, unknown>[]>(['audit', 'list', '--type', 'code.misuse', '--client', app.clientId, ...server.storeArgs]);
    assert.deepEqual(listed.map((e) => e['count']), [100], 'tessera audit list shows the count');
  });

  it('still counts every failure where it matters: recent failed sign-ins raise the risk score', async () => {
    const ida = await server.addUser({ username: 'ida' });
    const { ctx } = server.tessera;
    const enrollment = await startEnrollment(ctx, ida.sub, ida.username, 'setup-session');
    assert.ok(await confirmEnrollment(ctx, ida.sub, totp(enrollment!.secret, ctx.now()), 'setup-session'));
    const laptop = { 'user-agent': 'Laptop/1.0' };
    const signIn = async (password: string) => {
      const browser = new Browser(server.issuer, laptop);
      const login = isPage(await browser.visit(`${server.issuer}/account`));
      return { browser, page: isPage(await browser.submit(login, { username: 'ida', password })) };
    };

    // The first sign-in on the laptop is a new device: it asks for the code, and makes the laptop known.
    const first = await signIn(ida.password);
    assert.match(first.page.html, /name="code"/);
    isPage(await first.browser.submit(first.page, { code: totp(enrollment!.secret, ctx.now() + 30) }));
    assert.match(textOf((await signIn(ida.password)).page.html), /Your account/, 'the usual device: the password is enough');

    await earlyInAMinute();
    for (let i = 0; i < 3; i++) await signIn('not the password');
    const failures = await ctx.stores.audit.list({ user: ida.sub, type: 'login.failure', limit: 10 });
    assert.deepEqual(failures.map((e) => e.count), [3], 'three identical failures, one record');
    const risky = await signIn(ida.password);
    assert.match(risky.page.html, /name="code"/, 'recent_failures counts the three, and asks for the second factor');
  });
});
