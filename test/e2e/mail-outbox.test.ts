import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, createTestStore, type TestServer, type TestStore } from '../helpers/server.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import type { OutboxMessage } from '../../src/store/ports.js';

const TEMPLATE = { name: 'password-reset', data: { username: 'ada', link: 'https://id.example/reset?token=abc', minutes: 30 } } as const;

/** Waits (up to 10 s) until the outbox row satisfies `check`. */
async function outboxRow(server: TestServer, id: string, check: (m: OutboxMessage) => boolean): Promise<OutboxMessage> {
  for (let i = 0; i < 400; i++) {
    const row = await server.tessera.ctx.stores.mailOutbox.find(id);
    if (row && check(row)) return row;
    await sleep(25);
  }
  assert.fail(`outbox message ${id} never reached the expected state: ${JSON.stringify(await server.tessera.ctx.stores.mailOutbox.find(id))}`);
}

describe('mail outbox: delivery over real SMTP', () => {
  let sink: MailSink;
  let server: TestServer;
  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({}, undefined, { mail: { url: sink.url, from: 'Tessera <id@example.com>', allowPlain: true, pollSeconds: 0.2, retry: { baseSeconds: 60, attempts: 2 } } });
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  it('sends a queued message at once, with the From, the credentials of the URL, text and HTML; the row keeps no content', async () => {
    const id = await server.tessera.ctx.mail!.queue('ada@example.org', TEMPLATE);
    const queued = await server.tessera.ctx.stores.mailOutbox.find(id);
    assert.ok(queued, 'queued in the outbox');
    assert.ok(!queued.content.includes('token=abc'), 'the content is sealed at rest, the link not in clear');
    const mail = await sink.next();
    assert.deepEqual(mail.to, ['ada@example.org']);
    assert.equal(mail.from, 'id@example.com');
    assert.equal(mail.user, 'user', 'authenticated with the URL\'s credentials');
    assert.match(mail.raw, /^From: Tessera <id@example\.com>/m);
    assert.equal(mail.subject, 'Reset your password');
    assert.match(mail.raw, /Content-Type: text\/plain/);
    assert.match(mail.raw, /Content-Type: text\/html/);
    assert.ok(mail.decoded.includes('https://id.example/reset?token=abc'));
    assert.match(mail.raw, new RegExp(`^Message-ID: <${id}@example\\.com>`, 'mi'));
    const sent = await outboxRow(server, id, (m) => m.status === 'sent');
    assert.equal(sent.content, '', 'erased once sent');
    assert.equal(sent.attempts, 1);
  });

  it('retries with backoff while the mail server is down, and delivers once it is back', async () => {
    await sink.stop();
    const id = await server.tessera.ctx.mail!.queue('bob@example.org', TEMPLATE);
    const failed = await outboxRow(server, id, (m) => m.lastError !== null);
    assert.equal(failed.status, 'pending');
    assert.equal(failed.attempts, 1);
    assert.ok(failed.nextAttemptAt >= server.tessera.ctx.now() + 55, 'waits out the backoff');
    await sink.start();
    await sleep(600);
    assert.equal((await server.tessera.ctx.stores.mailOutbox.find(id))?.status, 'pending', 'not before the backoff ends');
    server.advance(61);
    const mail = await sink.next();
    assert.deepEqual(mail.to, ['bob@example.org']);
    const sent = await outboxRow(server, id, (m) => m.status === 'sent');
    assert.equal(sent.attempts, 2);
  });

  it('gives a message up after the last attempt, with an audit event', async () => {
    await sink.stop();
    try {
      const id = await server.tessera.ctx.mail!.queue('carol@example.org', TEMPLATE);
      await outboxRow(server, id, (m) => m.attempts === 1 && m.lastError !== null);
      server.advance(61);
      const given = await outboxRow(server, id, (m) => m.status === 'failed');
      assert.equal(given.content, '');
      assert.equal(given.attempts, 2);
      const events = await server.tessera.ctx.stores.audit.list({ type: 'mail.failed', limit: 10 });
      assert.equal(events.length, 1);
      assert.match(events[0]!.reason ?? '', /^password-reset: /);
    } finally {
      await sink.start();
    }
  });
});

describe('mail outbox: a message survives a restart between queueing and sending', () => {
  let sink: MailSink;
  let store: TestStore;
  before(async () => {
    sink = await startMailSink();
    store = await createTestStore();
  });
  after(async () => {
    await sink.stop();
    await store.remove();
  });

  it('is queued while the mail server is down, the server stops, and after a restart the message arrives', async () => {
    await sink.stop();
    const mail = { url: sink.url, from: 'id@example.com', allowPlain: true, pollSeconds: 0.2, retry: { baseSeconds: 1 } };
    const first = await startTestServer({}, undefined, { store, mail });
    const id = await first.tessera.ctx.mail!.queue('dave@example.org', TEMPLATE);
    await outboxRow(first, id, (m) => m.lastError !== null);
    await first.close();
    await sink.start();
    await sleep(300);
    assert.equal(sink.messages.length, 0, 'nothing was sent while no server ran');
    const second = await startTestServer({}, undefined, { store, port: first.port, mail });
    try {
      const arrived = await sink.next();
      assert.deepEqual(arrived.to, ['dave@example.org']);
      assert.equal((await outboxRow(second, id, (m) => m.status === 'sent')).attempts, 2);
    } finally {
      await second.close();
    }
  });
});

describe('mail outbox: smtp:// requires STARTTLS unless plain is allowed', () => {
  it('does not send to a server that offers no STARTTLS, and says why', async () => {
    const sink = await startMailSink();
    const server = await startTestServer({}, undefined, { mail: { url: sink.url, from: 'id@example.com', pollSeconds: 0.2 } });
    try {
      const id = await server.tessera.ctx.mail!.queue('erin@example.org', TEMPLATE);
      const row = await outboxRow(server, id, (m) => m.lastError !== null);
      assert.match(row.lastError!, /STARTTLS/i);
      assert.equal(row.status, 'pending');
      assert.equal(sink.messages.length, 0, 'nothing crossed the network in clear');
    } finally {
      await server.close();
      await sink.stop();
    }
  });
});

describe('mail outbox: two nodes on one PostgreSQL database', () => {
  it('send each message once', async () => {
    const sink = await startMailSink();
    const store = await createTestStore('postgres');
    const mail = { url: sink.url, from: 'id@example.com', allowPlain: true, pollSeconds: 0.05 };
    const a = await startTestServer({}, undefined, { store, mail });
    const b = await startTestServer({}, undefined, { store, mail });
    try {
      // Each node queues half and both look for due mail all the time: each message must still go out once.
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).tessera.ctx.mail!.queue(`user${i}@example.org`, TEMPLATE)));
      for (let i = 0; i < 30; i++) await sink.next();
      await sleep(500);
      assert.equal(sink.messages.length, 30, 'no message twice');
      const recipients = sink.messages.map((m) => m.to.join());
      assert.equal(new Set(recipients).size, 30);
      for (const id of ids) assert.equal((await a.tessera.ctx.stores.mailOutbox.find(id))?.status, 'sent');
    } finally {
      await a.close();
      await b.close();
      await store.remove();
      await sink.stop();
    }
  });
});
