import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { isPage, Browser, formOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { tessera, tesseraJson } from '../helpers/cli.js';

const CALLBACK = 'https://app.example.com/cb';

type Event = Record<string, unknown> & { type: string };

describe('audit log', () => {
  let server: TestServer;
  const logLines: string[] = [];
  /** Every secret the test handles; none may show up in an event or a log line. */
  const secrets: string[] = [];
  let adminToken: string;
  let alice: { sub: string; username: string; password: string };
  let app: { clientId: string; secret?: string };

  before(async () => {
    server = await startTestServer(
      { openRegistration: true, signInLimits: { perPair: 2 }, clientAuthLimits: { perPair: 2 } },
      { level: 'info', stream: { write: (line: string) => logLines.push(line) } },
    );
    alice = await server.addUser({ username: 'alice' });
    app = await server.addClient({ name: 'Photos', redirectUris: [CALLBACK], scopes: ['openid', 'profile'] });
    const admin = await server.addClient({ name: 'SIEM', grantTypes: ['client_credentials'], scopes: ['tessera:audit'] });
    secrets.push(alice.password, app.secret!, admin.secret!);
    const issued = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'tessera:audit' }, basic(admin.clientId, admin.secret!));
    adminToken = issued.body['access_token'] as string;
    secrets.push(adminToken);
  });
  after(() => server.close());

  async function events(query = ''): Promise<Event[]> {
    const res = await fetch(`${server.issuer}/admin/audit?limit=1000${query}`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { events: Event[] }).events;
  }

  it('records sign-ins, consent, tokens, replays, revocations, lockouts and rate-limit hits, and no secret', async () => {
    const config = await discover(server, app.clientId, app.secret);

    // A failed then a successful sign-in, with consent, code and tokens.
    const browser = new Browser(server.issuer);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid profile', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const login = isPage(await browser.visit(url.href));
    const wrongPassword = 'not-the-password-123';
    secrets.push(wrongPassword);
    const retry = isPage(await browser.submit(login, { username: 'alice', password: wrongPassword }));
    const consent = isPage(await browser.submit(retry, { username: 'alice', password: alice.password }));
    const done = await browser.submit(consent, { decision: 'allow' });
    if (!('leftTo' in done)) throw new Error(`expected the redirect back: ${done.html}`);
    const callback = new URL(done.leftTo);
    const code = callback.searchParams.get('code')!;
    secrets.push(code, verifier);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
    secrets.push(tokens.access_token, tokens.refresh_token!, tokens.id_token!);

    // The code replayed, a refresh, and the old refresh token reused.
    await postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }, basic(app.clientId, app.secret!));
    const { tokens: second } = await codeFlow(server, config, CALLBACK, 'openid', { username: 'alice', password: alice.password }, browser);
    secrets.push(second.access_token, second.refresh_token!);
    const refreshed = await client.refreshTokenGrant(config, second.refresh_token!);
    secrets.push(refreshed.access_token, refreshed.refresh_token!);
    await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: second.refresh_token! }, basic(app.clientId, app.secret!));

    // Revocation at /revoke and on the account page.
    const { tokens: third } = await codeFlow(server, config, CALLBACK, 'openid', { username: 'alice', password: alice.password }, browser);
    secrets.push(third.access_token, third.refresh_token!);
    await client.tokenRevocation(config, third.refresh_token!);
    const account = isPage(await browser.visit(`${server.issuer}/account`));
    await browser.submit(account, { grant_id: formOf(account.html, '/account/revoke').hidden['grant_id']! }, '/account/revoke');

    // A lockout (perPair 2) and a client-authentication rate-limit hit (perPair 2).
    const fresh = new Browser(server.issuer);
    for (const n of [1, 2]) {
      const page = isPage(await fresh.visit(`${server.issuer}/account`));
      await fresh.submit(page, { username: 'mallory-target', password: `guess-${n}` });
    }
    for (let i = 0; i < 3; i++) await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(app.clientId, `guess-${i}`));

    // A self-registered client.
    const registered = await fetch(`${server.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [CALLBACK] }) });
    const registration = (await registered.json()) as Record<string, string>;
    secrets.push(registration['client_secret']!, registration['registration_access_token']!);

    const all = await events();
    const types = new Set(all.map((e) => e.type));
    for (const type of ['login.failure', 'login.success', 'login.lockout', 'consent.given', 'consent.revoked', 'token.issued', 'token.refreshed', 'token.revoked', 'code.replay', 'refresh.reuse', 'rate_limit.hit', 'client.created']) {
      assert.ok(types.has(type), `an event of type ${type}`);
    }
    const failure = all.find((e) => e.type === 'login.failure' && e['user_id'] === alice.sub)!;
    assert.equal(failure['reason'], 'wrong_password');
    assert.equal(failure['outcome'], 'failure');
    assert.equal(failure['client_id'], app.clientId);
    assert.equal(failure['user_agent'], 'node', 'the user agent fetch sends');
    assert.equal(failure['ip'], '127.0.0.1');
    assert.match(String(failure['time']), /^\d{4}-\d{2}-\d{2}T/);
    const lockout = all.find((e) => e.type === 'login.lockout')!;
    assert.equal(lockout['username'], 'mallory-target');
    assert.equal(all.find((e) => e.type === 'code.replay')?.['user_id'], alice.sub);

    const auditLines = logLines.filter((l) => l.includes('"audit"'));
    assert.ok(auditLines.length >= all.length - 1, 'events go to the structured log too');
    const everything = JSON.stringify(all) + auditLines.join('\n');
    for (const secret of secrets) assert.ok(!everything.includes(secret), 'no secret in the audit log or the structured log');
  });

  it('filters by type, user and client, pages, and refuses bad filters and tokens', async () => {
    const failures = await events('&type=login.failure');
    assert.ok(failures.length > 0 && failures.every((e) => e.type === 'login.failure'));
    const byUser = await events(`&user=alice`);
    assert.ok(byUser.length > 0 && byUser.every((e) => e['user_id'] === alice.sub || e['username'] === 'alice'));
    const byClient = await events(`&client=${app.clientId}`);
    assert.ok(byClient.length > 0 && byClient.every((e) => e['client_id'] === app.clientId));
    const firstPage = await fetch(`${server.issuer}/admin/audit?limit=2`, { headers: { authorization: `Bearer ${adminToken}` } });
    const page = (await firstPage.json()) as { events: { id: number }[]; next_before: number };
    assert.equal(page.events.length, 2);
    const next = (await (await fetch(`${server.issuer}/admin/audit?limit=2&before=${page.next_before}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { events: { id: number }[] };
    assert.ok(next.events.every((e) => e.id < page.next_before));

    for (const query of ['type=nonsense', 'limit=abc', 'since=yesterday', 'limit=1&limit=2']) {
      const res = await fetch(`${server.issuer}/admin/audit?${query}`, { headers: { authorization: `Bearer ${adminToken}` } });
      assert.equal(res.status, 400, query);
      assert.equal(((await res.json()) as Record<string, unknown>)['error'], 'invalid_request');
    }
    assert.equal((await fetch(`${server.issuer}/admin/audit`)).status, 401);
    const other = await server.addClient({ name: 'Other', grantTypes: ['client_credentials'], scopes: ['reports:read'] });
    const otherToken = (await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(other.clientId, other.secret!))).body['access_token'] as string;
    const forbidden = await fetch(`${server.issuer}/admin/audit`, { headers: { authorization: `Bearer ${otherToken}` } });
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.headers.get('www-authenticate') ?? '', /insufficient_scope/);
  });

  it('records what operators do with the CLI, and lists events there too', async () => {
    const data = server.storeArgs;
    const created = await tesseraJson<{ client_id: string; client_secret: string }>(['client', 'create', '--name', 'Cli App', '--redirect-uri', CALLBACK, ...data]);
    await tesseraJson(['client', 'rotate-secret', created.client_id, ...data]);
    await tesseraJson(['user', 'disable', 'alice', ...data]);
    await tesseraJson(['keys', 'rotate', '--alg', 'ES256', ...data]);
    const listed = await tesseraJson<Event[]>(['audit', 'list', '--client', created.client_id, ...data]);
    assert.deepEqual(listed.map((e) => `${e.type} ${String(e['reason'])}`), ['client.changed secret_rotated', 'client.created operator']);
    const users = await tesseraJson<Event[]>(['audit', 'list', '--type', 'user.changed', '--user', 'alice', ...data]);
    assert.equal(users[0]?.['reason'], 'disabled');
    const keys = await tesseraJson<Event[]>(['audit', 'list', '--type', 'key.rotated', '--since', '1h', ...data]);
    assert.equal(keys.length, 1);
    const bad = await tessera(['audit', 'list', '--since', 'someday', ...data]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /since must be/);
    assert.ok(!JSON.stringify(listed).includes(created.client_secret));
  });

  it('keeps events for the configured retention, then cleanup removes them', async () => {
    assert.ok((await events()).length > 0);
    server.advance(90 * 24 * 3600 + 60);
    const report = await server.tessera.cleanUp();
    assert.ok(report.auditEvents > 0);
    // The admin token itself has expired by now: read the store.
    assert.deepEqual(await server.tessera.ctx.stores.audit.list({ limit: 10, since: 0, type: 'login.success' }), []);
  });
});
