import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { Browser, type Page } from '../helpers/browser.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestStore, startTestServer, type TestServer } from '../helpers/server.js';
import { serverOnStallablePostgres } from '../helpers/postgres-stall.js';
import { basic, postForm } from '../helpers/http.js';
import { parseMetrics, promtool, valueOf, type Sample } from '../helpers/metrics.js';

/*
 * Attacks on the Prometheus metrics (issue 20): cardinality, access to /metrics, counts under
 * concurrency, scrapes while the store fails. Real servers over HTTP; each test asserts what should be.
 */

const TOKEN = 'attack-metrics-token-0123456789ABCDEF';
const auth = { authorization: `Bearer ${TOKEN}` };

async function scrape(url: string, headers: Record<string, string> = auth): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return { text, samples: parseMetrics(text) };
}

/** Series (sample lines) of the tessera_ families: what an attacker could try to grow. */
const seriesOf = (samples: readonly Sample[]) => samples.filter((s) => s.name.startsWith('tessera_')).length;

/** Sends one raw HTTP/1.1 request and returns the status line's code. */
function rawRequest(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
  });
}

const rand = () => Math.random().toString(36).slice(2, 10);

describe('attack: metrics cardinality', () => {
  let server: TestServer;
  let url: string;
  before(async () => {
    server = await startTestServer({}, undefined, { metrics: { token: TOKEN, clientIdLabels: 5, gaugeCacheMs: 0 } });
    url = `${server.issuer}/metrics`;
  });
  after(() => server.close());

  it('a burst of random paths, odd verbs, made-up error codes and unknown clients adds a bounded number of series and no attacker text', async () => {
    // Warm up every label value the burst can legitimately reach, so the count after is comparable.
    const warm = async () => {
      await fetch(`${server.issuer}/warm-${rand()}`);
      await fetch(`${server.issuer}/warm-${rand()}`, { method: 'POST' });
      await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic('nobody', 'nothing-at-all'));
    };
    await warm();
    const before = await scrape(url);
    const marker = `zz${rand()}`;
    const verbs = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'MKCOL', 'PURGE', 'LOCK', 'SEARCH', 'REPORT'];
    const jobs: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < 1500; i++) {
      const verb = verbs[i % verbs.length]!;
      jobs.push(() => rawRequest(server.port, `${verb} /${marker}/${rand()}?error=${marker}_${i} HTTP/1.1\r\nHost: x\r\nUser-Agent: ${marker}-ua-${i}\r\nConnection: close\r\n\r\n`));
      if (i % 3 === 0) {
        jobs.push(() => postForm(`${server.issuer}/token`, { grant_type: `${marker}_grant_${i}`, client_id: `${marker}-client-${i}`, client_secret: 'x'.repeat(20) }));
        jobs.push(() => postForm(`${server.issuer}/token`, { grant_type: 'password', username: `${marker}-user-${i}`, password: 'whatever it is' }, basic(`${marker}-c-${i}`, 'a-secret-of-length')));
        jobs.push(() => fetch(`${server.issuer}/authorize?client_id=${marker}-a-${i}&error=${marker}&response_type=${marker}`));
      }
    }
    // 64 at a time, all concurrent within each wave.
    for (let i = 0; i < jobs.length; i += 64) await Promise.all(jobs.slice(i, i + 64).map((j) => j()));
    const afterBurst = await scrape(url);
    assert.ok(!afterBurst.text.includes(marker), 'an attacker-sent string became a label value');
    // Only the seven verbs and other on `unmatched`, and a few routes and error codes of the specs,
    // each a histogram of 16 series: a couple of hundred at most, not thousands.
    const grown = seriesOf(afterBurst.samples) - seriesOf(before.samples);
    assert.ok(grown < 300, `the burst added ${grown} series`);
    const checked = await promtool(['check', 'metrics'], afterBurst.text);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    // A second burst of the same shape adds nothing at all.
    const jobs2 = Array.from({ length: 300 }, (_, i) => () => rawRequest(server.port, `${verbs[i % verbs.length]} /${rand()}/${rand()} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    for (let i = 0; i < jobs2.length; i += 64) await Promise.all(jobs2.slice(i, i + 64).map((j) => j()));
    assert.equal(seriesOf((await scrape(url)).samples), seriesOf(afterBurst.samples) + 0, 'the same shapes again grew the series');
  });

  it('the client_id cap holds under a concurrent burst of first-time clients', async () => {
    const clients = await Promise.all(Array.from({ length: 40 }, (_, i) => server.addClient({ name: `Burst ${i}`, redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] })));
    const answers = await Promise.all(clients.flatMap((c) => [0, 1, 2].map(() => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!)))));
    assert.ok(answers.every((a) => a.status === 200));
    const { samples } = await scrape(url);
    const issued = samples.filter((s) => s.name === 'tessera_tokens_issued_total');
    const named = issued.filter((s) => s.labels['client_id'] !== 'other');
    assert.ok(named.length <= 5, `${named.length} client ids got a label of their own with a cap of 5`);
    assert.equal(issued.reduce((sum, s) => sum + s.value, 0), 120, 'every token is counted exactly once');
    for (const s of named) assert.equal(s.value, 3, `${s.labels['client_id']}: each named client counted all its tokens`);
  });
});

describe('attack: counts under concurrency', () => {
  let server: TestServer;
  let url: string;
  before(async () => {
    server = await startTestServer({ signInLimits: { perPair: 3, perSubject: 50, perIp: 500, windowSeconds: 60, lockSeconds: 60, delayMs: 1 } }, undefined, { metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    url = `${server.issuer}/metrics`;
  });
  after(() => server.close());

  it('a burst of N token requests, scraped all along, counts exactly N; every scrape answers', async () => {
    const c = await server.addClient({ name: 'Cron', redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] });
    const label = { grant_type: 'client_credentials', client_id: c.clientId };
    const start = (await scrape(url)).samples;
    const N = 300;
    const scrapes: Promise<{ text: string }>[] = [];
    const tokens = Array.from({ length: N }, async (_, i) => {
      if (i % 20 === 0) scrapes.push(scrape(url));
      return postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!));
    });
    const answers = await Promise.all(tokens);
    assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.find((a) => a.status !== 200)));
    for (const s of await Promise.all(scrapes)) assert.equal((await promtool(['check', 'metrics'], s.text)).code, 0);
    const end = (await scrape(url)).samples;
    assert.equal(valueOf(end, 'tessera_tokens_issued_total', label) - valueOf(start, 'tessera_tokens_issued_total', label), N);
    const ok = { route: '/token', method: 'POST', status_class: '2xx' };
    assert.equal(valueOf(end, 'tessera_http_requests_total', ok) - valueOf(start, 'tessera_http_requests_total', ok), N);
    // Every histogram series is whole: buckets never decrease, +Inf is the count.
    const series = new Map<string, { le: number; value: number }[]>();
    for (const s of end.filter((x) => x.name.startsWith('tessera_') && x.name.endsWith('_bucket'))) {
      const { le, ...rest } = s.labels;
      const key = `${s.name.replace(/_bucket$/, '')}${JSON.stringify(rest)}`;
      series.set(key, [...(series.get(key) ?? []), { le: le === '+Inf' ? Infinity : Number(le), value: s.value }]);
      assert.ok(s.value >= 0);
    }
    assert.ok(series.size >= 4, [...series.keys()].join(' '));
    for (const [key, buckets] of series) {
      buckets.sort((x, y) => x.le - y.le);
      for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, key);
      const [name, labels] = [key.slice(0, key.indexOf('{')), JSON.parse(key.slice(key.indexOf('{'))) as Record<string, string>];
      assert.equal(buckets.at(-1)!.le, Infinity, key);
      assert.equal(buckets.at(-1)!.value, valueOf(end, `${name}_count`, labels), key);
    }
  });

  it('one refresh token presented many times at once: one rotation, and each refused presentation counted as what it was', async () => {
    const web = await server.addClient({ name: 'App', redirectUris: [], grantTypes: ['password', 'refresh_token'], scopes: ['openid', 'offline_access'] });
    const user = await server.addUser({ username: 'rita' });
    const first = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: 'rita', password: user.password, scope: 'openid offline_access' }, basic(web.clientId, web.secret!));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const refresh = String(first.body['refresh_token']);
    const start = (await scrape(url)).samples;
    const answers = await Promise.all(Array.from({ length: 20 }, () => postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: refresh }, basic(web.clientId, web.secret!))));
    const won = answers.filter((a) => a.status === 200).length;
    // At most one wins; under load the winner may be refused too, when a loser's reuse revoked the
    // family before the winner answered (RFC 9700 §4.14.2: the whole family goes).
    assert.ok(won <= 1, `${won} presentations of one refresh token were rotated`);
    const end = (await scrape(url)).samples;
    const d = (name: string, labels: Record<string, string> = {}) => valueOf(end, name, labels) - valueOf(start, name, labels);
    assert.equal(d('tessera_refresh_rotations_total'), won);
    assert.equal(d('tessera_tokens_issued_total', { grant_type: 'refresh_token', client_id: web.clientId }), won);
    const refused = answers.length - won;
    // Each presentation refused as a reuse is counted once, and only those.
    const reuses = answers.filter((a) => /already used/.test(String(a.body['error_description']))).length;
    assert.equal(d('tessera_refresh_reuse_detected_total'), reuses);
    assert.equal(d('tessera_http_request_errors_total', { route: '/token', error: 'invalid_grant' }), refused);

    // A rotated token presented many times at once: at least one reuse detected, each counted once.
    const second = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: 'rita', password: user.password, scope: 'openid offline_access' }, basic(web.clientId, web.secret!));
    const old = String(second.body['refresh_token']);
    assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: old }, basic(web.clientId, web.secret!))).status, 200);
    const mid = (await scrape(url)).samples;
    const replays = await Promise.all(Array.from({ length: 20 }, () => postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: old }, basic(web.clientId, web.secret!))));
    assert.ok(replays.every((a) => a.status === 400));
    const detected = replays.filter((a) => /already used/.test(String(a.body['error_description']))).length;
    assert.ok(detected >= 1);
    const last = (await scrape(url)).samples;
    assert.equal(valueOf(last, 'tessera_refresh_reuse_detected_total') - valueOf(mid, 'tessera_refresh_reuse_detected_total'), detected);
    assert.equal(valueOf(last, 'tessera_refresh_rotations_total') - valueOf(mid, 'tessera_refresh_rotations_total'), 0);
  });

  it('a burst of wrong passwords for one username locks it once, and counts one lockout', async () => {
    const app = await server.addClient({ name: 'Legacy', redirectUris: [], grantTypes: ['password'], scopes: ['openid'] });
    await server.addUser({ username: 'lena' });
    const start = (await scrape(url)).samples;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => postForm(`${server.issuer}/token`, { grant_type: 'password', username: 'lena', password: `wrong password ${i}` }, basic(app.clientId, app.secret!))));
    assert.ok(answers.every((a) => a.status >= 400));
    const end = (await scrape(url)).samples;
    assert.equal(valueOf(end, 'tessera_lockouts_total') - valueOf(start, 'tessera_lockouts_total'), 1);
    const failures = valueOf(end, 'tessera_sign_ins_total', { outcome: 'failure', method: 'password' }) - valueOf(start, 'tessera_sign_ins_total', { outcome: 'failure', method: 'password' });
    assert.equal(failures, 30, 'each refused sign-in counted once');
  });
});

describe('attack: access to /metrics', () => {
  // Was a bug: a refused /metrics request's access-log line named the user part of its Basic header
  // as `client_id`, so a scraper set up with `basic_auth: { username: <token> }` wrote the token to
  // the log on every scrape. The metrics route now keeps its refusals from naming a client.
  it('refuses token variants, a token in the query, Basic, two Authorization headers; never logs the token (was a bug)', async () => {
    const lines: string[] = [];
    const server = await startTestServer({}, { level: 'debug', stream: { write: (line: string) => lines.push(line) } }, { metrics: { token: TOKEN } });
    try {
      const url = `${server.issuer}/metrics`;
      const refusedHeaders: Record<string, string>[] = [
        { authorization: `Bearer ${TOKEN.toLowerCase()}` },
        { authorization: `Bearer ${TOKEN.toUpperCase()}` },
        { authorization: `Bearer  ${TOKEN}` },
        { authorization: `Bearer\t${TOKEN}` },
        { authorization: `Bearer${TOKEN}` },
        { authorization: `Token ${TOKEN}` },
        { authorization: `Bearer ${TOKEN},Bearer ${TOKEN}` },
        { authorization: `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}` },
        { authorization: `Basic ${Buffer.from(`metrics:${TOKEN}`).toString('base64')}` },
        { authorization: `Bearer ${Buffer.from(TOKEN).toString('base64')}` },
        { 'x-metrics-token': TOKEN },
        { cookie: `token=${TOKEN}` },
      ];
      for (const headers of refusedHeaders) assert.equal((await fetch(url, { headers })).status, 401, JSON.stringify(headers));
      for (const q of [`?token=${TOKEN}`, `?access_token=${TOKEN}`, `?bearer=${TOKEN}`]) assert.equal((await fetch(url + q)).status, 401, q);
      // Other scheme spellings are accepted (RFC 7235: the scheme is case-insensitive).
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) assert.equal((await fetch(url, { headers: { authorization: `${scheme} ${TOKEN}` } })).status, 200, scheme);
      // Two Authorization headers, the first wrong: not let in by the second.
      const twice = await rawRequest(server.port, `GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-wrong-wrong-wrong\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
      assert.notEqual(twice, 200);
      const twiceRight = await rawRequest(server.port, `GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nAuthorization: Bearer wrong-wrong-wrong-wrong\r\nConnection: close\r\n\r\n`);
      assert.ok(twiceRight === 200 || twiceRight === 400 || twiceRight === 401, String(twiceRight));
      // Other methods on /metrics are not served.
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) assert.ok([404, 405].includes((await fetch(url, { method, headers: auth })).status), method);
      const { text } = await scrape(url);
      assert.ok(!text.includes(TOKEN), 'the token in the metrics');
      await sleep(100);
      const log = lines.join('\n');
      assert.ok(log.length > 0);
      assert.ok(!log.includes(TOKEN) && !log.includes(TOKEN.toLowerCase()) && !log.includes(TOKEN.toUpperCase()), 'the token (or a variant) in the logs');
    } finally {
      await server.close();
    }
  });

  it('with only a listener of their own, the main port has no /metrics in any spelling; that listener serves nothing else', async () => {
    const server = await startTestServer({}, undefined, { metrics: { separateListener: true } });
    try {
      for (const path of ['/metrics', '/metrics/', '/METRICS', '/Metrics', '//metrics', '/metrics?x=1', '/%6detrics', '/./metrics', '/metrics/..;/metrics']) {
        const answer = await fetch(`${server.issuer}${path}`);
        assert.ok(answer.status === 404 || answer.status === 400, `${path}: ${answer.status}`);
        assert.ok(!(await answer.text()).includes('tessera_'), `${path} leaked the metrics`);
      }
      const base = server.metricsUrl!.replace(/\/metrics$/, '');
      for (const path of ['/', '/token', '/ready', '/health', '/.well-known/openid-configuration', '/jwks', '/admin/v1/clients']) {
        assert.equal((await fetch(`${base}${path}`)).status, 404, path);
      }
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) assert.ok([404, 405].includes((await fetch(server.metricsUrl!, { method })).status), method);
      assert.equal((await fetch(server.metricsUrl!)).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('attack: scrapes while the store fails', () => {
  it('a store closed under the server: /metrics still answers, with tessera_ready 0', async () => {
    const server = await startTestServer({}, undefined, { metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    try {
      assert.equal(valueOf((await scrape(`${server.issuer}/metrics`)).samples, 'tessera_ready'), 1);
      await server.tessera.ctx.stores.close();
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${server.issuer}/metrics`, { headers: auth });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        assert.equal(valueOf(parseMetrics(text), 'tessera_ready'), 0);
      }
    } finally {
      await server.close().catch(() => {});
    }
  });

  it('a PostgreSQL that stops answering: a scrape answers within a bounded time, with tessera_ready 0', { timeout: 120_000 }, async () => {
    const stalling = await serverOnStallablePostgres();
    // The helper's server has no metrics: a second node on the same proxied database does.
    const server = await startTestServer({}, undefined, {
      store: { dataDir: stalling.server.dataDir, database: { url: stalling.server.databaseUrl! }, remove: async () => {} },
      metrics: { token: TOKEN, gaugeCacheMs: 0 },
    });
    try {
      assert.equal(valueOf((await scrape(`${server.issuer}/metrics`)).samples, 'tessera_ready'), 1);
      stalling.proxy.stall();
      const started = Date.now();
      const answer = await Promise.race([fetch(`${server.issuer}/metrics`, { headers: auth }), sleep(15_000).then(() => undefined)]);
      assert.ok(answer, 'the scrape hung while the store did not answer');
      assert.equal(answer.status, 200);
      assert.equal(valueOf(parseMetrics(await answer.text()), 'tessera_ready'), 0);
      assert.ok(Date.now() - started < 10_000, `the scrape took ${Date.now() - started} ms: longer than Prometheus waits`);
      stalling.proxy.resume();
      let ready = 0;
      for (let i = 0; i < 40 && ready !== 1; i++) {
        await sleep(250);
        ready = valueOf((await scrape(`${server.issuer}/metrics`)).samples, 'tessera_ready');
      }
      assert.equal(ready, 1, 'ready again once the database answers');
    } finally {
      stalling.proxy.resume();
      await server.close();
      await stalling.close();
    }
  });
});

describe('attack: the alert rules and the dashboard read labels the metrics have', () => {
  it('every label an expression matches on or groups by is one its metrics carry in a live scrape', async () => {
    const server = await startTestServer({ signInLimits: { perPair: 2, perSubject: 10, perIp: 20, windowSeconds: 60, lockSeconds: 60, delayMs: 1 } }, undefined, { metrics: { token: TOKEN } });
    try {
      // Give each labelled family a sample: tokens, a consent, sign-ins, a lockout, a limiter refusal, a refusal by error.
      const web = await server.addClient({ name: 'Web', redirectUris: ['https://web.example.com/cb'], grantTypes: ['authorization_code'], scopes: ['openid'] });
      const user = await server.addUser({ username: 'ola' });
      const config = await discover(server, web.clientId, web.secret);
      await codeFlow(server, config, 'https://web.example.com/cb', 'openid', { username: 'ola', password: user.password });
      for (let i = 0; i < 3; i++) await assert.rejects(codeFlow(server, config, 'https://web.example.com/cb', 'openid', { username: 'ola', password: `wrong ${i} password` }));
      const { samples } = await scrape(`${server.issuer}/metrics`);
      const labelsOf = new Map<string, Set<string>>();
      for (const s of samples) {
        const set = labelsOf.get(s.name) ?? new Set<string>();
        for (const l of Object.keys(s.labels)) set.add(l);
        labelsOf.set(s.name, set);
      }
      // Labels Prometheus adds at scrape time.
      const added = new Set(['job', 'instance']);
      const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/tessera-alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
      const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/tessera.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
      const exprs = [...rules.groups.flatMap((g) => g.rules.map((r) => [r.alert, r.expr] as const)), ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => [p.title, t.expr] as const))];
      for (const [where, expr] of exprs) {
        const selectors = [...expr.matchAll(/\b((?:tessera|process|nodejs)_[a-z0-9_]+)(?:\{([^}]*)\})?/g)];
        const metrics = selectors.map((m) => m[1]!);
        for (const name of metrics) {
          if (name === 'tessera_store_pool_connections' && server.databaseUrl === undefined) continue;
          assert.ok(labelsOf.has(name), `${where}: ${name} has no sample in the scrape`);
        }
        for (const m of selectors) {
          for (const [, label] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
            if (added.has(label!) || !labelsOf.has(m[1]!)) continue;
            assert.ok(labelsOf.get(m[1]!)!.has(label!), `${where}: ${m[1]} has no label ${label} (${expr})`);
          }
        }
        for (const [, list] of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
          for (const label of list!.split(',').map((l) => l.trim())) {
            if (added.has(label)) continue;
            const carried = metrics.some((n) => labelsOf.get(n)?.has(label) || (n === 'tessera_store_pool_connections' && server.databaseUrl === undefined));
            assert.ok(carried, `${where}: groups by ${label}, which none of ${metrics.join(', ')} carries (${expr})`);
          }
        }
      }
      // The values the expressions match on are ones the labels take.
      const valuesOf = (name: string, label: string) => new Set(samples.filter((s) => s.name === name).map((s) => s.labels[label]));
      assert.ok(valuesOf('tessera_http_requests_total', 'status_class').has('2xx'));
      assert.ok(valuesOf('tessera_sign_ins_total', 'outcome').has('failure'));
      assert.ok(valuesOf('tessera_cache_lookups_total', 'result').has('hit'));
    } finally {
      await server.close();
    }
  });
});

describe('attack: two nodes on one PostgreSQL', () => {
  it('count each token, rotation, reuse and lockout once, on the node that saw it; no secret, username or address in either scrape', { timeout: 120_000 }, async () => {
    const store = await createTestStore('postgres');
    const limits = { signInLimits: { perPair: 3, perSubject: 50, perIp: 500, windowSeconds: 60, lockSeconds: 60, delayMs: 1 } };
    const a = await startTestServer(limits, undefined, { store, trustProxy: true, metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    const b = await startTestServer(limits, undefined, { store, trustProxy: true, metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    try {
      const app = await a.addClient({ name: 'App', redirectUris: [], grantTypes: ['password', 'refresh_token', 'client_credentials'], scopes: ['openid', 'offline_access', 'api'] });
      const user = await a.addUser({ username: 'secret-username-pia' });
      const from = { 'x-forwarded-for': '198.51.100.77' };
      const grant = (node: TestServer, form: Record<string, string>) => postForm(`${node.issuer}/token`, form, { ...basic(app.clientId, app.secret!), ...from });
      const [startA, startB] = [(await scrape(`${a.issuer}/metrics`)).samples, (await scrape(`${b.issuer}/metrics`)).samples];
      // A signs in and gets a refresh token; B rotates it; A presents the old one again (reuse).
      const first = await grant(a, { grant_type: 'password', username: user.username, password: user.password, scope: 'openid offline_access' });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const rotated = await grant(b, { grant_type: 'refresh_token', refresh_token: String(first.body['refresh_token']) });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      assert.equal((await grant(a, { grant_type: 'refresh_token', refresh_token: String(first.body['refresh_token']) })).status, 400);
      // B is guessed at until the username locks.
      await Promise.all(Array.from({ length: 6 }, (_, i) => grant(b, { grant_type: 'password', username: user.username, password: `wrong password ${i}` })));
      const [endA, endB] = [await scrape(`${a.issuer}/metrics`), await scrape(`${b.issuer}/metrics`)];
      const d = (end: Sample[], start: Sample[], name: string, labels: Record<string, string> = {}) => valueOf(end, name, labels) - valueOf(start, name, labels);
      const issued = (grantType: string) => ({ grant_type: grantType, client_id: app.clientId });
      assert.equal(d(endA.samples, startA, 'tessera_tokens_issued_total', issued('password')), 1);
      assert.equal(d(endB.samples, startB, 'tessera_tokens_issued_total', issued('password')), 0);
      assert.equal(d(endA.samples, startA, 'tessera_refresh_rotations_total'), 0);
      assert.equal(d(endB.samples, startB, 'tessera_refresh_rotations_total'), 1);
      assert.equal(d(endA.samples, startA, 'tessera_refresh_reuse_detected_total'), 1);
      assert.equal(d(endB.samples, startB, 'tessera_refresh_reuse_detected_total'), 0);
      assert.equal(d(endA.samples, startA, 'tessera_lockouts_total'), 0);
      assert.equal(d(endB.samples, startB, 'tessera_lockouts_total'), 1);
      assert.equal(d(endA.samples, startA, 'tessera_sign_ins_total', { outcome: 'failure', method: 'password' }), 0);
      assert.equal(d(endB.samples, startB, 'tessera_sign_ins_total', { outcome: 'failure', method: 'password' }), 6);
      const pool = endA.samples.filter((s) => s.name === 'tessera_store_pool_connections');
      assert.equal(pool.length, 3);
      for (const text of [endA.text, endB.text]) {
        for (const secret of [TOKEN, app.secret!, user.password, user.username, '198.51.100.77', String(first.body['refresh_token']), String(first.body['access_token']), String(rotated.body['refresh_token'])]) {
          assert.ok(!text.includes(secret), `${secret.slice(0, 12)}… is in a scrape`);
        }
        assert.equal((await promtool(['check', 'metrics'], text)).code, 0);
      }
    } finally {
      await b.close();
      await a.close();
      await store.remove();
    }
  });
});

describe('attack: strangers taking the client_id places', () => {
  // Was a bug: any client that got a token took one of the first N client_id labels for good, and
  // with open registration anyone can register a client_credentials client and get a token in two
  // requests: N of them pushed every real client into `other` (the docs said strangers could not).
  // Now only clients an operator registered are named.
  it('clients registered through open registration never get a client_id label of their own (was a bug)', async () => {
    const server = await startTestServer({ openRegistration: true }, undefined, { metrics: { token: TOKEN, clientIdLabels: 3 } });
    try {
      const strangers = await Promise.all(Array.from({ length: 6 }, async () => {
        const r = await fetch(`${server.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_types: ['client_credentials'], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic' }) });
        assert.equal(r.status, 201);
        return (await r.json()) as { client_id: string; client_secret: string };
      }));
      for (const s of strangers) assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(s.client_id, s.client_secret))).status, 200);
      const ops = [];
      for (let i = 0; i < 3; i++) ops.push(await server.addClient({ name: `Job ${i}`, redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] }));
      for (const c of ops) assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!))).status, 200);
      const { samples, text } = await scrape(`${server.issuer}/metrics`);
      for (const s of strangers) assert.ok(!text.includes(s.client_id), 'a self-registered client is named');
      for (const c of ops) assert.equal(valueOf(samples, 'tessera_tokens_issued_total', { grant_type: 'client_credentials', client_id: c.clientId }), 1, `${c.clientId} lost its place`);
      assert.equal(valueOf(samples, 'tessera_tokens_issued_total', { grant_type: 'client_credentials', client_id: 'other' }), 6);
    } finally {
      await server.close();
    }
  });
});

describe('attack: scrapes while the node stops', () => {
  it('scrapes in flight during a shutdown under a token burst answer 200 (or 503, or find the port closed), never 500; the node stops', { timeout: 60_000 }, async () => {
    const server = await startTestServer({}, undefined, { metrics: { token: TOKEN, separateListener: true, gaugeCacheMs: 0 } });
    const c = await server.addClient({ name: 'Cron', redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] });
    const statuses: number[] = [];
    let stop = false;
    const scraper = async (target: string) => {
      while (!stop) {
        try {
          const r = await fetch(target, { headers: auth });
          await r.text();
          statuses.push(r.status);
        } catch {
          // The listener closed: what Prometheus sees as the node down.
        }
        await sleep(5);
      }
    };
    const burst = async () => {
      while (!stop) await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!)).catch(() => undefined);
    };
    const loops = [scraper(server.metricsUrl!), scraper(`${server.issuer}/metrics`), burst(), burst()];
    await sleep(300);
    const closing = server.close();
    const closed = await Promise.race([closing.then(() => true), sleep(20_000).then(() => false)]);
    stop = true;
    await Promise.all(loops);
    assert.ok(closed, 'the node did not stop while being scraped');
    assert.ok(statuses.length > 0);
    // 503 is Fastify's answer to a request on a kept-alive connection once it is closing.
    assert.deepEqual([...new Set(statuses)].filter((s) => s !== 200 && s !== 503), [], 'a scrape failed during shutdown');
  });
});

describe('attack: odd client ids an operator chose', () => {
  it('quotes, backslashes, newlines and braces in a named client id leave the scrape valid and the id intact', async () => {
    const server = await startTestServer({}, undefined, { metrics: { token: TOKEN } });
    try {
      const ids = ['quote"in-id', 'back\\slash', 'new\nline', 'brace}{,=', 'uni-ç-✓'];
      for (const clientId of ids) {
        const c = await server.addClient({ clientId, name: 'Odd', redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] });
        const answer = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(c.clientId, c.secret!));
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
      }
      const { text, samples } = await scrape(`${server.issuer}/metrics`);
      const checked = await promtool(['check', 'metrics'], text);
      assert.equal(checked.code, 0, checked.stdout + checked.stderr);
      for (const clientId of ids) assert.equal(valueOf(samples, 'tessera_tokens_issued_total', { grant_type: 'client_credentials', client_id: clientId }), 1, JSON.stringify(clientId));
    } finally {
      await server.close();
    }
  });
});

describe('attack: a burst of wrong passwords in browsers', () => {
  it('many browsers guessing one username at once: one lock, one lockout counted, each failure counted once', async () => {
    const server = await startTestServer({ signInLimits: { perPair: 3, perSubject: 50, perIp: 500, windowSeconds: 60, lockSeconds: 60, delayMs: 1 } }, undefined, { metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    try {
      await server.addUser({ username: 'nina' });
      const forms = await Promise.all(Array.from({ length: 12 }, async () => {
        const browser = new Browser(server.issuer);
        return { browser, form: (await browser.visit(`${server.issuer}/account`)) as Page };
      }));
      const start = (await scrape(`${server.issuer}/metrics`)).samples;
      const answers = await Promise.all(forms.map(({ browser, form }, i) => browser.submit(form, { username: 'nina', password: `a wrong password ${i}` })));
      assert.ok(answers.every((a) => !('leftTo' in a)), 'a wrong password signed someone in');
      const end = (await scrape(`${server.issuer}/metrics`)).samples;
      assert.equal(valueOf(end, 'tessera_lockouts_total') - valueOf(start, 'tessera_lockouts_total'), 1);
      const failed = { outcome: 'failure', method: 'password' };
      assert.equal(valueOf(end, 'tessera_sign_ins_total', failed) - valueOf(start, 'tessera_sign_ins_total', failed), 12);
      assert.equal(valueOf(end, 'tessera_sign_ins_total', { outcome: 'success', method: 'password' }), 0);
    } finally {
      await server.close();
    }
  });
});

describe('attack: malformed requests', () => {
  it('bad escapes, huge paths, bad bodies and bad content types become no label of their own and leave the scrape valid', async () => {
    const server = await startTestServer({}, undefined, { metrics: { token: TOKEN } });
    try {
      const marker = `mk${rand()}`;
      const requests = [
        `GET /%zz${marker} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        `GET /token/%c0%af${marker} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        `GET /${marker}${'a'.repeat(8000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        `GET /interaction/${marker}%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/${marker}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
        `POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{"${marker}":`,
        `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n${'a=b&'.repeat(10)}`,
        `GET /authorize?client_id=${marker}&redirect_uri=%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ];
      for (const r of requests) await rawRequest(server.port, r).catch(() => 0);
      const { text, samples } = await scrape(`${server.issuer}/metrics`);
      assert.ok(!text.includes(marker), 'attacker text in a label');
      assert.equal((await promtool(['check', 'metrics'], text)).code, 0);
      const routes = new Set(samples.flatMap((s) => (s.labels['route'] ? [s.labels['route']] : [])));
      for (const route of routes) assert.ok(route === 'unmatched' || route.startsWith('/'), route);
      const errors = samples.filter((s) => s.name === 'tessera_http_requests_total' && s.labels['status_class'] === '5xx');
      assert.deepEqual(errors, [], 'a malformed request became a server error');
    } finally {
      await server.close();
    }
  });
});

describe('attack: a guessing burst split across two nodes sharing Redis', () => {
  it('one lock across the nodes: the lockouts the nodes count add up to one, the failures to the guesses, the refusals to the refused', { timeout: 60_000 }, async () => {
    const store = await createTestStore();
    const redis = { url: process.env['TESSERA_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379', prefix: `tessera-attack-metrics-${process.pid}-${rand()}` };
    const limits = { signInLimits: { perPair: 3, perSubject: 50, perIp: 500, windowSeconds: 60, lockSeconds: 60, delayMs: 1 } };
    const a = await startTestServer(limits, undefined, { store, redis, metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    const b = await startTestServer(limits, undefined, { store, redis, metrics: { token: TOKEN, gaugeCacheMs: 0 } });
    try {
      const app = await a.addClient({ name: 'Legacy', redirectUris: [], grantTypes: ['password'], scopes: ['openid'] });
      await a.addUser({ username: 'olga' });
      const nodes = [a, b];
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => postForm(`${nodes[i % 2]!.issuer}/token`, { grant_type: 'password', username: 'olga', password: `wrong password ${i}` }, basic(app.clientId, app.secret!))));
      assert.ok(answers.every((x) => x.status >= 400));
      const [sa, sb] = [(await scrape(`${a.issuer}/metrics`)).samples, (await scrape(`${b.issuer}/metrics`)).samples];
      const both = (name: string, labels: Record<string, string> = {}) => valueOf(sa, name, labels) + valueOf(sb, name, labels);
      assert.equal(both('tessera_lockouts_total'), 1);
      assert.equal(both('tessera_sign_ins_total', { outcome: 'failure', method: 'password' }), 20);
      const refused = [...sa, ...sb].filter((s) => s.name === 'tessera_rate_limit_refusals_total' && s.labels['limiter']?.startsWith('sign-in:')).reduce((sum, s) => sum + s.value, 0);
      // 3 guesses go through (the third locks); the other 17 are refused by a limiter, each counted once per limiter that refused it.
      assert.ok(refused >= 17, `only ${refused} refusals counted for 17 refused guesses`);
    } finally {
      await b.close();
      await a.close();
      await store.remove();
    }
  });
});

describe('attack: a burst of failed sign-ins on a quiet node', () => {
  // Was a bug: tessera_sign_ins_total{outcome="failure",…} only appeared once a sign-in had failed,
  // holding the burst's whole count at its first scrape. Prometheus's increase() and rate() take a
  // series' first sample as its start, so TesseraSignInFailureSpike never saw a burst of guesses
  // on a node where none had failed before (after every restart, too). Each outcome and method now
  // exists at 0 from the start.
  it('the failure series are there at 0 before the burst, so the burst is an increase Prometheus sees (was a bug)', async () => {
    const server = await startTestServer({ signInLimits: { perPair: 100, perSubject: 100, perIp: 100, windowSeconds: 60, lockSeconds: 60, delayMs: 1 } }, undefined, { metrics: { token: TOKEN } });
    try {
      const app = await server.addClient({ name: 'Legacy', redirectUris: [], grantTypes: ['password'], scopes: ['openid'] });
      const first = (await scrape(`${server.issuer}/metrics`)).samples;
      const present = (samples: Sample[], labels: Record<string, string>) => samples.some((s) => s.name === 'tessera_sign_ins_total' && s.labels['outcome'] === labels['outcome'] && s.labels['method'] === labels['method']);
      for (const outcome of ['success', 'failure']) {
        for (const method of ['password', 'totp', 'backup_code', 'directory', 'upstream', 'second_factor']) {
          assert.ok(present(first, { outcome, method }), `tessera_sign_ins_total{outcome="${outcome}",method="${method}"} is missing before any sign-in`);
          assert.equal(valueOf(first, 'tessera_sign_ins_total', { outcome, method }), 0);
        }
      }
      await Promise.all(Array.from({ length: 60 }, (_, i) => postForm(`${server.issuer}/token`, { grant_type: 'password', username: `guess${i}`, password: 'a wrong password' }, basic(app.clientId, app.secret!))));
      const second = (await scrape(`${server.issuer}/metrics`)).samples;
      // What increase() computes between the two scrapes: the alert's threshold is 50.
      const failed = { outcome: 'failure', method: 'password' };
      assert.equal(valueOf(second, 'tessera_sign_ins_total', failed) - valueOf(first, 'tessera_sign_ins_total', failed), 60);
      const checked = await promtool(['check', 'metrics'], (await scrape(`${server.issuer}/metrics`)).text);
      assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    } finally {
      await server.close();
    }
  });
});
