import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';
import { selfSignedCert } from '../helpers/tls.js';
import { startWebhookReceiver, type Delivery, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import type { EventSinkSettings } from '../../src/observability/events/index.js';
import { until } from '../helpers/wait.js';

const tls = selfSignedCert();
const secret = `whsec_${randomBytes(32).toString('base64')}`;

/** The Standard Webhooks check, done here with node:crypto alone, as a receiver would. */
function verify(delivery: Delivery): boolean {
  const id = delivery.headers['webhook-id'];
  const timestamp = delivery.headers['webhook-timestamp'];
  const signatures = delivery.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest('base64');
  return signatures.split(' ').some((s) => s === `v1,${expected}`);
}


type Body = Record<string, unknown>;
const body = (d: Delivery) => JSON.parse(d.body) as Body;
/** The events the receiver took (answered 2xx), by id. */
const accepted = (r: WebhookReceiver, clientId: string) => r.deliveries.filter((d) => d.status >= 200 && d.status < 300 && body(d)['client_id'] === clientId);

function webhook(receiver: WebhookReceiver, dataDir: string, extra: Partial<NonNullable<EventSinkSettings['webhook']>> = {}): EventSinkSettings {
  return {
    webhook: {
      url: receiver.url,
      secret,
      secretSource: 'the test',
      ca: tls.cert,
      retryBaseMs: 50,
      retryMaxMs: 400,
      attempts: 100,
      deadLetterFile: join(dataDir, 'webhook-dead-letters.jsonl'),
      ...extra,
    },
  };
}

async function startWith(settings: (dataDir: string) => EventSinkSettings, logLines: string[] = []): Promise<TestServer> {
  // The store is made first, so the dead-letter file can sit in its data directory.
  const { createTestStore } = await import('../helpers/server.js');
  const store = await createTestStore();
  stores.push(store);
  // The store outlives the server (removed after all tests), so what it left can be read after it stopped.
  return startTestServer({}, { level: 'info', stream: { write: (l: string) => logLines.push(l) } }, { store, events: settings(store.dataDir) });
}

const stores: { remove(): Promise<void> }[] = [];
after(async () => {
  for (const store of stores) await store.remove();
});

async function serviceClient(server: TestServer) {
  const c = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
  return { ...c, token: () => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(c.clientId, c.secret!)) };
}

describe('audit events to a webhook', () => {
  let receiver: WebhookReceiver;
  let server: TestServer;
  before(async () => {
    receiver = await startWebhookReceiver(tls);
    server = await startWith((dir) => webhook(receiver, dir, { timeoutMs: 1000 }));
  });
  after(async () => {
    await server.close();
    await receiver.kill();
  });

  it('signs each event the Standard Webhooks way, and sends no secret', async () => {
    const service = await serviceClient(server);
    const issued = await service.token();
    assert.equal(issued.status, 200);
    await until('the token.issued event', () => accepted(receiver, service.clientId).length === 1);
    const [delivery] = accepted(receiver, service.clientId);
    assert.ok(verify(delivery!), 'the signature verifies with the shared secret');
    assert.equal(delivery!.headers['content-type'], 'application/json');
    // Tampering shows: the same signature does not verify another body.
    assert.equal(verify({ ...delivery!, body: delivery!.body.replace('token.issued', 'token.revoked') }), false);
    const event = body(delivery!);
    assert.equal(event['id'], delivery!.headers['webhook-id']);
    assert.equal(event['version'], 1);
    assert.equal(event['type'], 'token.issued');
    assert.equal(event['severity'], 'info');
    assert.equal(event['outcome'], 'success');
    assert.equal(event['issuer'], server.issuer);
    assert.match(String(event['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(String(event['request_id']), /^[0-9a-f-]{36}$/, 'the request id of the token request');
    for (const s of [service.secret!, issued.body['access_token'] as string, secret]) assert.ok(!delivery!.body.includes(s), 'no secret leaves in an event');
  });

  it('does not slow token requests while the receiver is down, and delivers the events once it is back', async () => {
    const service = await serviceClient(server);
    // The normal pace first, with the receiver up.
    const normal: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      assert.equal((await service.token()).status, 200);
      normal.push(performance.now() - start);
    }
    await until('the first events', () => accepted(receiver, service.clientId).length === 5);
    await receiver.kill();
    const during: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      assert.equal((await service.token()).status, 200);
      during.push(performance.now() - start);
    }
    // Generous bounds: the point is that no request waits for the receiver (a retry waits up to 400 ms here, a timeout 10 s).
    for (const ms of during) assert.ok(ms < 1000, `a token request took ${Math.round(ms)} ms while the receiver was down`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(during) < mean(normal) + 200, `token requests slowed from ${Math.round(mean(normal))} to ${Math.round(mean(during))} ms on average`);
    await sleep(300);
    await receiver.revive();
    await until('the events of the outage', () => accepted(receiver, service.clientId).length >= 15);
    // A receiver that takes the connection and never answers holds no request either (deliveries time out after 1 s here).
    receiver.answer = () => 'hang';
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      assert.equal((await service.token()).status, 200);
      const ms = performance.now() - start;
      assert.ok(ms < 1000, `a token request took ${Math.round(ms)} ms while the receiver hung`);
    }
    await until('the stalled deliveries', () => receiver.deliveries.filter((d) => d.status === 0).length >= 5);
    receiver.answer = () => 204;
    await until('the events of the stall', () => accepted(receiver, service.clientId).length >= 20);
    await sleep(300);
    const ids = accepted(receiver, service.clientId).map((d) => d.headers['webhook-id']);
    assert.equal(ids.length, 20, 'each event delivered once');
    assert.equal(new Set(ids).size, 20);
    for (const d of accepted(receiver, service.clientId)) assert.ok(verify(d));
  });

  it('delivers every event of a concurrent burst exactly once, through refusals and retries', async () => {
    const service = await serviceClient(server);
    // Every third request is answered 503 (then retried), so redelivery is part of the run.
    receiver.answer = (_d, i) => (i % 3 === 0 ? 503 : 200);
    try {
      const results = await Promise.all(Array.from({ length: 60 }, () => service.token()));
      for (const r of results) assert.equal(r.status, 200);
      await until('60 events', () => accepted(receiver, service.clientId).length >= 60);
      await sleep(500);
      const ids = accepted(receiver, service.clientId).map((d) => String(d.headers['webhook-id']));
      assert.equal(ids.length, 60);
      assert.equal(new Set(ids).size, 60, 'no event accepted twice');
      const refused = receiver.deliveries.filter((d) => d.status === 503 && body(d)['client_id'] === service.clientId);
      assert.ok(refused.length > 0, 'some deliveries were refused and retried');
      for (const d of refused) assert.ok(ids.includes(String(d.headers['webhook-id'])), 'a refused event came again and was taken');
    } finally {
      receiver.answer = () => 204;
    }
  });
});

describe('webhook events that cannot be delivered', () => {
  it('are kept in a 0600 dead-letter file and logged, after the last attempt or on a refusal', async () => {
    const receiver = await startWebhookReceiver(tls);
    const logLines: string[] = [];
    let deadLetters = '';
    const server = await startWith((dir) => {
      deadLetters = join(dir, 'webhook-dead-letters.jsonl');
      return webhook(receiver, dir, { attempts: 3, retryBaseMs: 20, retryMaxMs: 50 });
    }, logLines);
    try {
      const service = await serviceClient(server);
      receiver.answer = () => 503;
      assert.equal((await service.token()).status, 200);
      const letters = () => (existsSync(deadLetters) ? readFileSync(deadLetters, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Body) : []);
      await until('a dead letter', () => letters().length === 1);
      const [letter] = letters();
      assert.equal(letter!['reason'], 'attempts_exhausted');
      assert.equal(letter!['attempts'], 3);
      assert.equal(letter!['last_error'], 'HTTP 503');
      const event = letter!['event'] as Body;
      assert.equal(event['type'], 'token.issued');
      assert.equal(event['client_id'], service.clientId);
      assert.equal(receiver.deliveries.filter((d) => body(d)['id'] === event['id']).length, 3, 'three attempts reached the receiver');
      assert.equal(statSync(deadLetters).mode & 0o777, 0o600);
      assert.ok(logLines.some((l) => l.includes('"reason":"attempts_exhausted"') && l.includes(String(event['id']))), 'a log line names the event');

      // A receiver that refuses (4xx other than 408/429) is not asked again.
      receiver.answer = () => 400;
      assert.equal((await service.token()).status, 200);
      await until('a second dead letter', () => letters().length === 2);
      const refused = letters()[1]!;
      assert.equal(refused['reason'], 'refused');
      assert.equal(refused['attempts'], 1);
    } finally {
      await server.close();
      await receiver.kill();
    }
  });

  it('are kept when the queue overflows, and none is lost', async () => {
    const receiver = await startWebhookReceiver(tls);
    await receiver.kill();
    let deadLetters = '';
    const server = await startWith((dir) => {
      deadLetters = join(dir, 'webhook-dead-letters.jsonl');
      return webhook(receiver, dir, { queueSize: 5, retryBaseMs: 60_000, retryMaxMs: 60_000 });
    });
    try {
      const service = await serviceClient(server);
      for (let i = 0; i < 8; i++) assert.equal((await service.token()).status, 200);
      const letters = () => (existsSync(deadLetters) ? readFileSync(deadLetters, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Body) : []);
      await until('3 dead letters', () => letters().length === 3);
      for (const l of letters()) assert.equal(l['reason'], 'queue_full');
    } finally {
      // Stopping gives up on the 5 still queued (the receiver is down): they are set aside too.
      await server.close();
    }
    const all = readFileSync(deadLetters, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Body);
    assert.equal(all.length, 8, 'every event is delivered or kept');
    assert.equal(new Set(all.map((l) => (l['event'] as Body)['id'])).size, 8);
    assert.equal(all.filter((l) => l['reason'] === 'shutdown').length, 5);
  });
});

describe('webhook settings', () => {
  it('refuses plain http unless allowed, and a malformed secret, at startup', async () => {
    const { createServer } = await import('../../src/server.js');
    const { createTestStore } = await import('../helpers/server.js');
    const store = await createTestStore();
    try {
      const base = { dataDir: store.dataDir, ...(store.database ? { databaseUrl: store.database.url } : {}), config: { issuer: 'http://127.0.0.1:1' }, logger: false };
      const hook = { url: 'http://127.0.0.1:9/x', secret, secretSource: 'TESSERA_WEBHOOK_SECRET', deadLetterFile: join(store.dataDir, 'dl.jsonl') };
      await assert.rejects(createServer({ ...base, events: { webhook: hook } }), /plain http.*--webhook-allow-insecure-http/);
      await assert.rejects(createServer({ ...base, events: { webhook: { ...hook, url: 'https://example.com/x', secret: 'not-a-secret' } } }), /TESSERA_WEBHOOK_SECRET must hold a secret of the form whsec_/);
      const allowed = await createServer({ ...base, events: { webhook: { ...hook, allowInsecureHttp: true } } });
      await allowed.close();
    } finally {
      await store.remove();
    }
  });
});
