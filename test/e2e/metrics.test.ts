import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { createTestStore, startTestServer, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { basic, postForm } from '../helpers/http.js';
import { familiesOf, parseMetrics, promtool, valueOf, type Sample } from '../helpers/metrics.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const CALLBACK = 'https://web.example.com/cb';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Scrapes /metrics with the token: the text, and its samples. */
async function scrape(url: string, token: string | undefined = TOKEN): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, samples: parseMetrics(text) };
}

describe('metrics: a scripted sequence over HTTP', () => {
  let server: TestServer;
  let metricsUrl: string;
  const secrets: string[] = [];

  before(async () => {
    // Two failures for one username and address lock it, so a lockout is quick to reach.
    server = await startTestServer({ signInLimits: { perPair: 2, perSubject: 10, perIp: 20, windowSeconds: 60, lockSeconds: 60, delayMs: 1 } }, undefined, { metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    metricsUrl = `${server.issuer}/metrics`;
  });
  after(() => server.close());

  it('counts failed and successful sign-ins, issued tokens, rotations, reuse, lockouts, rate-limit refusals and consents', async () => {
    const web = await server.addClient({ name: 'Web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'api'] });
    const cron = await server.addClient({ name: 'Cron', redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] });
    const user = await server.addUser({ username: 'mona' });
    await server.addUser({ username: 'lou' });
    secrets.push(web.secret!, cron.secret!, user.password);
    const config = await discover(server, web.clientId, web.secret);
    const at = async () => (await scrape(metricsUrl)).samples;
    const start = await at();
    const delta = (now: Sample[], name: string, labels: Record<string, string> = {}) => valueOf(now, name, labels) - valueOf(start, name, labels);

    // A failed sign-in, then a good one with consent and tokens.
    await assert.rejects(codeFlow(server, config, CALLBACK, 'openid api', { username: 'mona', password: 'not her password at all' }));
    let now = await at();
    assert.equal(delta(now, 'tessera_sign_ins_total', { outcome: 'failure', method: 'password' }), 1);
    assert.equal(delta(now, 'tessera_sign_ins_total', { outcome: 'success', method: 'password' }), 0);
    const { tokens } = await codeFlow(server, config, CALLBACK, 'openid api', { username: 'mona', password: user.password });
    now = await at();
    assert.equal(delta(now, 'tessera_sign_ins_total', { outcome: 'success', method: 'password' }), 1);
    assert.equal(delta(now, 'tessera_tokens_issued_total', { grant_type: 'authorization_code', client_id: web.clientId }), 1);
    assert.equal(delta(now, 'tessera_consents_total', { action: 'given' }), 1);
    assert.equal(valueOf(now, 'tessera_sso_sessions_active'), 1);

    // client_credentials.
    const issued = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(cron.clientId, cron.secret!));
    assert.equal(issued.status, 200);
    secrets.push(String(issued.body['access_token']));
    now = await at();
    assert.equal(delta(now, 'tessera_tokens_issued_total', { grant_type: 'client_credentials', client_id: cron.clientId }), 1);
    // The same token checked twice: its signature is verified once, then remembered.
    for (let i = 0; i < 2; i++) {
      const introspected = await postForm(`${server.issuer}/introspect`, { token: String(issued.body['access_token']) }, basic(cron.clientId, cron.secret!));
      assert.equal(introspected.body['active'], true, JSON.stringify(introspected.body));
    }
    now = await at();
    assert.equal(delta(now, 'tessera_cache_lookups_total', { cache: 'verified_tokens', result: 'miss' }), 1);
    assert.equal(delta(now, 'tessera_cache_lookups_total', { cache: 'verified_tokens', result: 'hit' }), 1);
    assert.equal(delta(now, 'tessera_cache_lookups_total', { cache: 'keys', result: 'hit' }), 1);
    assert.equal(delta(now, 'tessera_cache_lookups_total', { cache: 'keys', result: 'miss' }), 0);

    // A rotation, then the rotated token again: reuse, refused as invalid_grant.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    secrets.push(tokens.refresh_token!, refreshed.refresh_token!);
    const reused = await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, basic(web.clientId, web.secret!));
    assert.equal(reused.body['error'], 'invalid_grant');
    now = await at();
    assert.equal(delta(now, 'tessera_refresh_rotations_total'), 1);
    assert.equal(delta(now, 'tessera_tokens_issued_total', { grant_type: 'refresh_token', client_id: web.clientId }), 1);
    assert.equal(delta(now, 'tessera_refresh_reuse_detected_total'), 1);
    assert.equal(delta(now, 'tessera_http_request_errors_total', { route: '/token', error: 'invalid_grant' }), 1);

    // A wrong client secret: invalid_client.
    assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(cron.clientId, 'a-wrong-secret-of-some-length'))).status, 401);
    now = await at();
    assert.equal(delta(now, 'tessera_http_request_errors_total', { route: '/token', error: 'invalid_client' }), 1);

    // Two wrong passwords for lou lock the username; the next attempt is refused by the limiter before any check.
    for (let i = 0; i < 3; i++) await assert.rejects(codeFlow(server, config, CALLBACK, 'openid', { username: 'lou', password: `wrong password number ${i}` }));
    now = await at();
    assert.equal(delta(now, 'tessera_lockouts_total'), 1);
    assert.equal(delta(now, 'tessera_sign_ins_total', { outcome: 'failure', method: 'password' }), 4);
    const refusals = now.filter((s) => s.name === 'tessera_rate_limit_refusals_total' && s.labels['limiter']?.startsWith('sign-in:'));
    assert.ok(refusals.reduce((sum, s) => sum + s.value, 0) >= 1, JSON.stringify(refusals));

    // The answers counted by route pattern and status class: three tokens, two refusals (reuse, wrong secret).
    assert.equal(delta(now, 'tessera_http_requests_total', { route: '/token', method: 'POST', status_class: '2xx' }), 3);
    assert.equal(delta(now, 'tessera_http_requests_total', { route: '/token', method: 'POST', status_class: '4xx' }), 2);
    assert.ok(delta(now, 'tessera_http_requests_total', { route: '/interaction/:id', method: 'GET', status_class: '2xx' }) >= 1);
    const routes = new Set(now.flatMap((s) => (s.labels['route'] === undefined ? [] : [s.labels['route']])));
    assert.ok([...routes].every((r) => !/\/interaction\/(?!:id)/.test(r)), `routes are patterns, never raw paths: ${[...routes].join(' ')}`);
  });

  it('labels requests no route matched as unmatched, and an error code outside the specs as other', async () => {
    const before = (await scrape(metricsUrl)).samples;
    for (const path of ['/no-such-endpoint', '/another/unknown/path?x=1']) assert.equal((await fetch(`${server.issuer}${path}`)).status, 404);
    // The admin API answers problem details, with no OAuth error code.
    assert.equal((await fetch(`${server.issuer}/admin/v1/clients`)).status, 401);
    const after = (await scrape(metricsUrl)).samples;
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    assert.equal(delta('tessera_http_requests_total', { route: 'unmatched', method: 'GET', status_class: '4xx' }), 2);
    assert.equal(delta('tessera_http_request_errors_total', { route: 'unmatched', error: 'not_found' }), 2);
    assert.equal(delta('tessera_http_request_errors_total', { route: '/admin/v1/*', error: 'other' }), 1);
    assert.ok(!after.some((s) => s.labels['route']?.includes('no-such')), 'no raw path becomes a label');
  });

  it('reads the gauges at scrape time: pending device codes, key age, readiness; and times the store', async () => {
    const tv = await server.addClient({ name: 'TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'] });
    const started = await postForm(`${server.issuer}/device_authorization`, { client_id: tv.clientId, scope: 'openid' });
    assert.equal(started.status, 200);
    let samples = (await scrape(metricsUrl)).samples;
    assert.equal(valueOf(samples, 'tessera_device_codes_pending'), 1);
    assert.equal(valueOf(samples, 'tessera_ready'), 1);
    const age = valueOf(samples, 'tessera_signing_key_age_seconds', { alg: 'ES256' });
    assert.ok(age >= 0 && age < 600, String(age));
    server.advance(7200);
    samples = (await scrape(metricsUrl)).samples;
    assert.ok(valueOf(samples, 'tessera_signing_key_age_seconds', { alg: 'ES256' }) >= age + 7200);
    // The device code expired meanwhile (10 minutes).
    assert.equal(valueOf(samples, 'tessera_device_codes_pending'), 0);
    assert.ok(valueOf(samples, 'tessera_store_operation_duration_seconds_count', { operation: 'refreshTokens.rotate' }) >= 1);
    assert.ok(valueOf(samples, 'tessera_store_operation_duration_seconds_count', { operation: 'audit.append' }) >= 5);
    assert.ok(valueOf(samples, 'tessera_cache_lookups_total', { cache: 'clients', result: 'hit' }) >= 1, 'the same clients came back from the cache');
    assert.ok(valueOf(samples, 'tessera_audit_batch_size_count') >= 1);
    assert.ok(valueOf(samples, 'process_cpu_user_seconds_total') > 0, 'the process metrics are there');
    // The connection pool exists on PostgreSQL only (TESSERA_TEST_STORE=postgres).
    const pool = new Map(samples.filter((s) => s.name === 'tessera_store_pool_connections').map((s) => [s.labels['state'], s.value]));
    if (server.databaseUrl) {
      assert.deepEqual([...pool.keys()].sort(), ['idle', 'total', 'waiting']);
      assert.ok(pool.get('total')! >= 1 && pool.get('total')! <= 10 && pool.get('waiting') === 0, JSON.stringify([...pool]));
    } else assert.equal(pool.size, 0);
  });

  it('passes promtool check metrics on a live scrape, and holds no secret', async () => {
    const { text } = await scrape(metricsUrl);
    const checked = await promtool(['check', 'metrics'], text);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    for (const secret of [TOKEN, ...secrets]) assert.ok(!text.includes(secret), 'a secret in the metrics');
  });
});

describe('metrics: access', () => {
  it('are off unless configured', async () => {
    const server = await startTestServer();
    try {
      assert.equal((await fetch(`${server.issuer}/metrics`)).status, 404);
      assert.equal(server.tessera.metricsApp, undefined);
    } finally {
      await server.close();
    }
  });

  it('on the main port, answer only with the bearer token', async () => {
    const server = await startTestServer({}, undefined, { metrics: { token: TOKEN } });
    try {
      const url = `${server.issuer}/metrics`;
      for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(1)}` }, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, { authorization: TOKEN }, { authorization: `Bearer ${TOKEN} ${TOKEN}` }]) {
        const refused = await fetch(url, { headers });
        assert.equal(refused.status, 401, JSON.stringify(headers));
        assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="metrics"');
        assert.equal(((await refused.json()) as Record<string, unknown>)['error'], 'invalid_token');
      }
      const { samples } = await scrape(url);
      assert.equal(valueOf(samples, 'tessera_http_request_errors_total', { route: '/metrics', error: 'invalid_token' }), 6);
      assert.equal((await fetch(url, { headers: { authorization: `bearer ${TOKEN}` } })).status, 200, 'the scheme is case-insensitive');
      assert.equal(server.tessera.metricsApp, undefined, 'no other listener');
    } finally {
      await server.close();
    }
  });

  it('on a listener of their own, bound to loopback; the main port then has no /metrics', async () => {
    const server = await startTestServer({}, undefined, { metrics: { separateListener: true } });
    try {
      assert.equal((await fetch(`${server.issuer}/metrics`)).status, 404);
      const address = server.tessera.metricsApp!.server.address() as AddressInfo;
      assert.equal(address.address, '127.0.0.1');
      assert.notEqual(address.port, server.port);
      const { samples } = await scrape(server.metricsUrl!, undefined);
      assert.equal(valueOf(samples, 'tessera_ready'), 1);
      assert.equal((await fetch(server.metricsUrl!.replace('/metrics', '/token'), { method: 'POST' })).status, 404, 'nothing else is served there');
    } finally {
      await server.close();
    }
  });

  it('on a listener of their own with a token: the token is asked for there too', async () => {
    const server = await startTestServer({}, undefined, { metrics: { token: TOKEN, separateListener: true } });
    try {
      assert.equal((await fetch(server.metricsUrl!)).status, 401);
      await scrape(server.metricsUrl!);
      await scrape(`${server.issuer}/metrics`);
    } finally {
      await server.close();
    }
  });
});

describe('metrics: client_id cardinality', () => {
  it('names the first N clients and counts the rest as other', async () => {
    const server = await startTestServer({}, undefined, { metrics: { token: TOKEN, clientIdLabels: 2 } });
    try {
      const clients: { clientId: string; secret?: string }[] = [];
      for (let i = 0; i < 3; i++) clients.push(await server.addClient({ name: `Job ${i}`, redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] }));
      // In order 0, 1, 2, then 0 and 2 again: the first two seen keep their names, the third is other.
      for (const i of [0, 1, 2, 0, 2]) {
        const c = clients[i]!;
        assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!))).status, 200);
      }
      const { samples } = await scrape(`${server.issuer}/metrics`);
      const issued = samples.filter((s) => s.name === 'tessera_tokens_issued_total');
      assert.deepEqual(
        issued.map((s) => [s.labels['client_id'], s.value]).sort(),
        [[clients[0]!.clientId, 2], [clients[1]!.clientId, 1], ['other', 2]].sort(),
      );
    } finally {
      await server.close();
    }
  });

  it('with 0, names no client', async () => {
    const server = await startTestServer({}, undefined, { metrics: { token: TOKEN, clientIdLabels: 0 } });
    try {
      const c = await server.addClient({ name: 'Job', redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] });
      assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!))).status, 200);
      const { samples, text } = await scrape(`${server.issuer}/metrics`);
      assert.equal(valueOf(samples, 'tessera_tokens_issued_total', { grant_type: 'client_credentials', client_id: 'other' }), 1);
      assert.ok(!text.includes(c.clientId));
      assert.equal(familiesOf(text).get('tessera_tokens_issued_total'), 'counter');
    } finally {
      await server.close();
    }
  });
});

describe('metrics: several nodes on one store', () => {
  it('each node counts only what it did; the gauges read from the store agree', async () => {
    const store = await createTestStore();
    const a = await startTestServer({}, undefined, { store, metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    const b = await startTestServer({}, undefined, { store, metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    try {
      const c = await a.addClient({ name: 'Job', redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] });
      for (let i = 0; i < 3; i++) assert.equal((await postForm(`${a.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!))).status, 200);
      assert.equal((await postForm(`${b.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!))).status, 200);
      const tv = await a.addClient({ name: 'TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'] });
      assert.equal((await postForm(`${b.issuer}/device_authorization`, { client_id: tv.clientId, scope: 'openid' })).status, 200);
      const [onA, onB] = [(await scrape(`${a.issuer}/metrics`)).samples, (await scrape(`${b.issuer}/metrics`)).samples];
      const issued = { grant_type: 'client_credentials', client_id: c.clientId };
      assert.equal(valueOf(onA, 'tessera_tokens_issued_total', issued), 3);
      assert.equal(valueOf(onB, 'tessera_tokens_issued_total', issued), 1);
      assert.equal(valueOf(onA, 'tessera_device_codes_pending'), 1);
      assert.equal(valueOf(onB, 'tessera_device_codes_pending'), 1);
    } finally {
      await b.close();
      await a.close();
      await store.remove();
    }
  });
});
