import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as tcpServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as httpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { createTestStore, startTestServer, type TestServer, type TestStore } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';
import { selfSignedCert } from '../helpers/tls.js';
import { ROOT } from '../helpers/cli.js';
import type { EventSinkSettings } from '../../src/observability/events/index.js';
import { until } from '../helpers/wait.js';

/*
 * Attacks on the audit event sinks (issue 20): each test is one attack, asserting what must hold,
 * against real peers (files, TCP/UDP/TLS listeners, an HTTPS receiver) and a real server.
 */

const tls = selfSignedCert();
const secret = `whsec_${randomBytes(32).toString('base64')}`;


const stores: TestStore[] = [];
after(async () => {
  for (const store of stores) await store.remove();
});

async function startWith(events: (dataDir: string) => EventSinkSettings, logLines: string[] = []): Promise<TestServer & { dataDir: string }> {
  const store = await createTestStore();
  stores.push(store);
  const server = await startTestServer({}, { level: 'info', stream: { write: (l: string) => logLines.push(l) } }, { store, events: events(store.dataDir) });
  return Object.assign(server, { dataDir: store.dataDir });
}

async function serviceClient(server: TestServer) {
  const c = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
  return { ...c, token: () => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(c.clientId, c.secret!)) };
}

const jsonLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []);

describe('attacks on the events file', () => {
  it('a rotation that fails (the .1 name taken by a directory) does not kill the sink: later events are still written (was a bug)', async () => {
    // Was: rotate() closed the descriptor first and, when a rename failed, left the sink holding the
    // closed descriptor's number: every later batch failed (EBADF) until a restart, or, once the number
    // was reused by a socket or another file the process opened, was written into that instead.
    let path = '';
    const logs: string[] = [];
    const server = await startWith((dir) => {
      path = join(dir, 'events.jsonl');
      return { file: { path, maxBytes: 1500, keep: 1 } };
    }, logs);
    try {
      mkdirSync(`${path}.1`);
      writeFileSync(join(`${path}.1`, 'in-the-way'), 'x');
      const service = await serviceClient(server);
      for (let i = 0; i < 12; i++) assert.equal((await service.token()).status, 200);
      await until('the failed rotation to be logged', () => logs.some((l) => l.includes('events file')));
      // The obstacle goes; events made from now on must reach the file.
      rmSync(`${path}.1`, { recursive: true });
      const later = await serviceClient(server);
      for (let i = 0; i < 3; i++) {
        const r = await later.token();
        assert.equal(r.status, 200);
        assert.equal(typeof r.body['access_token'], 'string', 'the HTTP answer is whole');
      }
      // (keep is 1, so rotations now drop the oldest of these: the newest must be in the current file.)
      const newest = () => jsonLines(path).at(-1);
      await until('the newest event in the events file', () => newest()?.['client_id'] === later.clientId);
      assert.equal(statSync(path).mode & 0o777, 0o600);
    } finally {
      await server.close();
    }
  });
});

/** A TCP syslog collector that parses RFC 6587 octet-counted frames strictly, as a collector must. */
async function strictCollector(): Promise<{ url: string; frames: string[]; errors: string[]; close(): Promise<void> }> {
  const frames: string[] = [];
  const errors: string[] = [];
  const sockets = new Set<Socket>();
  const server = tcpServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buffer = Buffer.concat([buffer, d]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) break;
        const lengthText = buffer.subarray(0, space).toString('latin1');
        if (!/^[1-9]\d{0,8}$/.test(lengthText)) {
          errors.push(`not an octet count: ${JSON.stringify(lengthText.slice(0, 40))}`);
          socket.destroy();
          return;
        }
        const length = Number(lengthText);
        if (buffer.length < space + 1 + length) break;
        frames.push(buffer.subarray(space + 1, space + 1 + length).toString('latin1'));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    frames,
    errors,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('attacks on the syslog sink', () => {
  it('usernames and user agents with CR/LF, NUL, fake octet counts, non-ASCII and great length stay one message each, plain ASCII, and come back exactly', async () => {
    const collector = await strictCollector();
    const server = await startWith(() => ({ syslog: { url: collector.url, facility: 'local3' } }));
    try {
      const c = await server.addClient({ name: 'legacy', grantTypes: ['password'], scopes: ['openid'] });
      const hostile = [
        'mallory\r\n<10>1 2026-01-01T00:00:00Z forged tessera 1 login.succeeded - {"forged":true}',
        'nul\u0000byte',
        '999999 <13>1 framing confusion',
        'ünïcødé \u202e gnp.exe \u2028 😀 \ud800',
        'x'.repeat(3000),
      ];
      for (const username of hostile) {
        const r = await postForm(`${server.issuer}/token`, { grant_type: 'password', username, password: 'not the password', scope: 'openid' }, { ...basic(c.clientId, c.secret!), 'user-agent': `agent\t\u00e9\u00ff ${'y'.repeat(600)}` });
        assert.equal(r.status >= 400 && r.status < 500, true, `refused: ${r.status}`);
      }
      const ours = () => collector.frames.map((f) => JSON.parse(f.slice(f.indexOf(' - ') + 3)) as Record<string, unknown>).filter((e) => e['client_id'] === c.clientId);
      await until('an event per attempt', () => ours().length >= hostile.length);
      await sleep(300);
      assert.deepEqual(collector.errors, [], 'every frame is octet-counted right');
      for (const frame of collector.frames) {
        assert.match(frame, /^<\d{1,3}>1 \S+ \S+ tessera \d+ [\x21-\x7e]+ - \{/, 'an RFC 5424 header, then the JSON');
        assert.match(frame, /^[\x20-\x7e]*$/, 'plain printable ASCII: no CR, LF, NUL or raw non-ASCII byte');
      }
      const events = ours();
      assert.equal(events.length, hostile.length, 'one message per event: nothing forged, nothing split');
      const names = events.map((e) => e['username']);
      // The store keeps what was typed, lower-cased (and the lone surrogate as JSON carries it).
      for (const username of hostile) assert.ok(names.includes(username.toLowerCase()) || names.some((n) => typeof n === 'string' && n.startsWith(username.toLowerCase().slice(0, 20))), `the username ${JSON.stringify(username.slice(0, 30))} comes back`);
      assert.ok(!events.some((e) => e['forged'] !== undefined));
      assert.match(String(events[0]!['user_agent']), /^agent\t\u00e9\u00ff y+$/);
    } finally {
      await server.close();
      await collector.close();
    }
  });

  it('a TCP collector that accepts and then stops reading: token requests stay fast, messages wait in the bounded queue, stopping does not hang, and none vanishes without a trace (was a bug)', async () => {
    // Was: every send() wrote to the socket whether or not its buffer was full (only the loop of one
    // flush stopped at backpressure), so the 10,000-message bound never applied while connected: a
    // collector that stopped reading grew the socket's buffer without bound, and at a stop all of it
    // was destroyed with no "unsent" line.
    const received: Buffer[] = [];
    const sockets = new Set<Socket>();
    const stalled = tcpServer((socket) => {
      sockets.add(socket);
      socket.on('data', (d: Buffer) => received.push(d));
      socket.pause(); // accepts, then reads nothing: the kernel buffers fill and stay full
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const logs: string[] = [];
    const server = await startWith(() => ({ syslog: { url: `tcp://127.0.0.1:${(stalled.address() as AddressInfo).port}` }, closeTimeoutMs: 1000 }), logs);
    let closed = false;
    try {
      const c = await server.addClient({ name: 'legacy', grantTypes: ['password'], scopes: ['openid'] });
      // Long usernames (4,000 characters, about the most a parameter may have) make each message ~4.5 kB:
      // 3,000 of them are more than the kernel's buffers hold.
      const latencies: number[] = [];
      const total = 3000;
      for (let round = 0; round < total / 50; round++) {
        await Promise.all(Array.from({ length: 50 }, async (_, i) => {
          const started = performance.now();
          const r = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: `${round}-${i}-${'u'.repeat(4000)}`, password: 'wrong', scope: 'openid' }, basic(c.clientId, c.secret!));
          latencies.push(performance.now() - started);
          assert.ok(r.status >= 400);
        }));
      }
      latencies.sort((a, b) => a - b);
      const p95 = latencies[Math.floor(latencies.length * 0.95)]!;
      assert.ok(p95 < 2000, `p95 ${p95} ms`);
      const started = Date.now();
      await server.close();
      closed = true;
      assert.ok(Date.now() - started < 5000, `stopping took ${Date.now() - started} ms`);
      // The collector reads again: what the kernel held arrives.
      for (const s of sockets) s.resume();
      await sleep(1500);
      const text = Buffer.concat(received).toString('latin1');
      const frames = (text.match(/tessera \d+ login\.failure - \{/g) ?? []).length;
      const unsent = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l['msg']).startsWith('syslog: stopping with events unsent'));
      const counted = unsent.reduce((n, l) => n + Number(l['unsent'] ?? 0), 0);
      assert.ok(frames > 0, 'what the kernel held arrives');
      assert.ok(counted > 0, 'the rest waited in the queue, and is reported unsent');
      // What sat in the socket's own buffer at the cut (its 16 kB high-water mark: a few messages) may
      // go unreported (docs/events.md: syslog has no acknowledgement); nothing more.
      assert.ok(frames + counted >= total - 5, `${frames} received + ${counted} reported unsent, of ${total}: events vanished without a trace`);
    } finally {
      if (!closed) await server.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  });
});

/** An HTTPS receiver whose answer per request is `handle` (default 204). */
async function receiver(handle: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void) {
  const deliveries: { headers: import('node:http').IncomingHttpHeaders; body: string }[] = [];
  const server = httpsServer(tls, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    deliveries,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const webhookSettings = (url: string, dataDir: string, extra: Partial<NonNullable<EventSinkSettings['webhook']>> = {}): NonNullable<EventSinkSettings['webhook']> => ({
  url,
  secret,
  secretSource: 'the test',
  ca: tls.cert,
  retryBaseMs: 20,
  retryMaxMs: 50,
  attempts: 2,
  timeoutMs: 1000,
  deadLetterFile: join(dataDir, 'webhook-dead-letters.jsonl'),
  ...extra,
});

describe('attacks on what leaves the process', () => {
  it('no password, client secret, code or token reaches the file, syslog, the webhook, the dead letters or the log, even when the receiver echoes them back in its errors', async () => {
    const udp = (await import('node:dgram')).createSocket('udp4');
    const datagrams: string[] = [];
    udp.on('message', (m) => datagrams.push(m.toString('latin1')));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    // A receiver that refuses everything, echoing the request (and so anything secret in it) in its body.
    const hooks = await receiver((_req, res, body) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request: ${body}`));
    const logs: string[] = [];
    let eventsFile = '';
    let deadLetters = '';
    const server = await startWith((dir) => {
      eventsFile = join(dir, 'events.jsonl');
      deadLetters = join(dir, 'webhook-dead-letters.jsonl');
      return { file: { path: eventsFile }, syslog: { url: `udp://127.0.0.1:${(udp.address() as AddressInfo).port}` }, webhook: webhookSettings(hooks.url, dir) };
    }, logs);
    try {
      const password = `Pw-${randomBytes(12).toString('hex')}`;
      const wrongPassword = `Wrong-${randomBytes(12).toString('hex')}`;
      const wrongSecret = `NotTheSecret-${randomBytes(12).toString('hex')}`;
      const user = await server.addUser({ username: `vic${randomBytes(3).toString('hex')}`, password });
      const app = await server.addClient({ name: 'legacy', grantTypes: ['password', 'refresh_token'], scopes: ['openid', 'offline_access'] });
      const signIn = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: user.username, password, scope: 'openid offline_access' }, basic(app.clientId, app.secret!));
      assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
      const refreshed = await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(signIn.body['refresh_token']) }, basic(app.clientId, app.secret!));
      assert.equal(refreshed.status, 200);
      // Failures whose input is secret: a wrong password (and a password typed as the username), a wrong client secret, a replayed refresh token.
      await postForm(`${server.issuer}/token`, { grant_type: 'password', username: user.username, password: wrongPassword, scope: 'openid' }, basic(app.clientId, app.secret!));
      await postForm(`${server.issuer}/token`, { grant_type: 'password', username: user.username, password: 'x', scope: 'openid' }, basic(app.clientId, wrongSecret));
      await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(signIn.body['refresh_token']) }, basic(app.clientId, app.secret!));
      await postForm(`${server.issuer}/revoke`, { token: String(refreshed.body['refresh_token']) }, basic(app.clientId, app.secret!));
      const secrets = [password, wrongPassword, wrongSecret, app.secret!, secret, secret.slice(6),
        ...[signIn, refreshed].flatMap((r) => ['access_token', 'refresh_token', 'id_token'].map((k) => r.body[k]).filter((v): v is string => typeof v === 'string'))];
      const letters = () => jsonLines(deadLetters);
      await until('the events in the dead letters', () => letters().length >= 5);
      await until('the events in the file', () => jsonLines(eventsFile).length >= 5);
      await until('the syslog datagrams', () => datagrams.length >= 5);
      await sleep(300);
      const everything = { file: readFileSync(eventsFile, 'utf8'), syslog: datagrams.join('\n'), webhook: hooks.deliveries.map((d) => JSON.stringify(d)).join('\n'), deadLetters: readFileSync(deadLetters, 'utf8'), log: logs.join('') };
      for (const [where, text] of Object.entries(everything)) {
        for (const s of secrets) assert.ok(!text.includes(s), `a secret (${s.slice(0, 6)}…) in the ${where}`);
      }
      for (const l of letters()) assert.equal(l['last_error'], 'HTTP 400', 'the receiver\'s body is not kept');
    } finally {
      await server.close();
      await hooks.close();
      udp.close();
    }
  });
});

describe('attacks on the webhook sink', () => {
  it('a receiver that redirects (to http, elsewhere): the redirect is not followed, the event is set aside as refused', async () => {
    let reachedElsewhere = 0;
    const elsewhere = (await import('node:http')).createServer((_req, res) => {
      reachedElsewhere++;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const hooks = await receiver((_req, res) => res.writeHead(307, { location: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal` }).end());
    const logs: string[] = [];
    let deadLetters = '';
    const server = await startWith((dir) => {
      deadLetters = join(dir, 'webhook-dead-letters.jsonl');
      return { webhook: webhookSettings(hooks.url, dir, { attempts: 5 }) };
    }, logs);
    try {
      const service = await serviceClient(server);
      assert.equal((await service.token()).status, 200);
      await until('the dead letter', () => jsonLines(deadLetters).some((l) => (l['event'] as Record<string, unknown>)['client_id'] === service.clientId));
      const letter = jsonLines(deadLetters).find((l) => (l['event'] as Record<string, unknown>)['client_id'] === service.clientId)!;
      assert.equal(letter['reason'], 'refused');
      assert.equal(letter['last_error'], 'HTTP 307');
      assert.equal(letter['attempts'], 1, 'a redirect is not retried either');
      assert.equal(reachedElsewhere, 0, 'nothing went where it pointed');
    } finally {
      await server.close();
      await hooks.close();
      elsewhere.closeAllConnections();
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });

  it('a receiver that answers 200 and then streams an endless body: delivered once, not retried nor set aside, memory and time bounded (was a bug)', async () => {
    // Was: the answer counted only once its body ended; an endless body ran into the timeout, whose
    // abort made the attempt a failure: each event the receiver had accepted was sent again and again
    // (3 times here), then set aside as undelivered. The status is now the answer, and the body is
    // read only up to 64 kB within the timeout.
    const chunk = Buffer.alloc(64 * 1024, 'z');
    const hooks = await receiver((_req, res) => {
      res.writeHead(200);
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    let deadLetters = '';
    const server = await startWith((dir) => {
      deadLetters = join(dir, 'webhook-dead-letters.jsonl');
      return { webhook: webhookSettings(hooks.url, dir, { timeoutMs: 500, attempts: 3 }) };
    });
    try {
      const service = await serviceClient(server);
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      for (let i = 0; i < 5; i++) assert.equal((await service.token()).status, 200);
      assert.ok(performance.now() - started < 3000, 'token requests do not wait for the receiver');
      await until('the deliveries', () => hooks.deliveries.length >= 5);
      await sleep(1500);
      assert.ok(process.memoryUsage().rss - rssBefore < 300 * 1024 * 1024, 'the body is not kept');
      assert.equal(hooks.deliveries.length, 5, 'a 200 is a delivery, not retried, whatever the body');
      assert.deepEqual(jsonLines(deadLetters), []);
    } finally {
      await server.close();
      await hooks.close();
    }
  });

  it('stopping while a delivery hangs: the stop ends within its wait, and the event is in the dead letters as shutdown, once', async () => {
    const hooks = await receiver(() => {}); // never answers
    let deadLetters = '';
    const server = await startWith((dir) => {
      deadLetters = join(dir, 'webhook-dead-letters.jsonl');
      return { webhook: webhookSettings(hooks.url, dir, { timeoutMs: 60_000, attempts: 5 }), closeTimeoutMs: 500 };
    });
    const service = await serviceClient(server);
    assert.equal((await service.token()).status, 200);
    await until('the delivery in flight', () => hooks.deliveries.length >= 1);
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 3000, `stopping took ${Date.now() - started} ms`);
    await hooks.close();
    const letters = jsonLines(deadLetters).filter((l) => (l['event'] as Record<string, unknown>)['client_id'] === service.clientId);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!['reason'], 'shutdown');
  });

  it('a dead-letter file and an events file made beforehand with loose modes are narrowed to 0600 at startup', async () => {
    const store = await createTestStore();
    stores.push(store);
    const eventsFile = join(store.dataDir, 'events.jsonl');
    const deadLetters = join(store.dataDir, 'webhook-dead-letters.jsonl');
    writeFileSync(eventsFile, '', { mode: 0o666 });
    writeFileSync(deadLetters, '', { mode: 0o644 });
    chmodSync(eventsFile, 0o666);
    const hooks = await receiver((_req, res) => res.writeHead(204).end());
    const server = await startTestServer({}, undefined, { store, events: { file: { path: eventsFile }, webhook: webhookSettings(hooks.url, store.dataDir) } });
    try {
      assert.equal(statSync(eventsFile).mode & 0o777, 0o600);
      assert.equal(statSync(deadLetters).mode & 0o777, 0o600);
    } finally {
      await server.close();
      await hooks.close();
    }
  });
});

describe('attacks on the events file, continued', () => {
  it('a burst of 300 concurrent token requests across many rotations: every event exactly once, each line whole, in order per file', async () => {
    let path = '';
    const server = await startWith((dir) => {
      path = join(dir, 'events.jsonl');
      return { file: { path, maxBytes: 4096, keep: 200 } };
    });
    try {
      const service = await serviceClient(server);
      const answers = await Promise.all(Array.from({ length: 300 }, () => service.token()));
      for (const a of answers) assert.equal(a.status, 200);
      const files = () => [path, ...Array.from({ length: 200 }, (_, i) => `${path}.${i + 1}`)].filter(existsSync);
      const ours = () => files().flatMap((p) => jsonLines(p)).filter((e) => e['client_id'] === service.clientId);
      await until('300 events in the files', () => ours().length >= 300);
      await sleep(300);
      const all = ours();
      assert.equal(all.length, 300);
      assert.equal(new Set(all.map((e) => e['id'])).size, 300, 'none twice');
      assert.ok(files().length > 10, 'many rotations happened');
      for (const p of files()) {
        assert.ok(statSync(p).size <= 4096, `${p} is over the size`);
        assert.ok(readFileSync(p, 'utf8').endsWith('\n'), `${p} ends with a whole line`);
      }
    } finally {
      await server.close();
    }
  });
});

describe('attacks with symbolic links', () => {
  for (const which of ['events file', 'dead-letter file'] as const) {
    it(`a symbolic link planted where the ${which} goes: startup is refused with one clear line, and the file it points at is left alone (was a bug)`, async () => {
      // Was: the file was opened with 'a', following the link: the server appended events to whatever
      // file the link named (one of its user's own files, planted by anyone who could write in the
      // directory) and narrowed its mode to 0600. Decided: never through a link (O_NOFOLLOW); an
      // operator who keeps the file elsewhere names the real path.
      const store = await createTestStore();
      stores.push(store);
      const victim = join(store.dataDir, 'victim.conf');
      writeFileSync(victim, 'precious = true\n', { mode: 0o644 });
      chmodSync(victim, 0o644);
      const path = join(store.dataDir, which === 'events file' ? 'events.jsonl' : 'dead.jsonl');
      symlinkSync(victim, path);
      const hooks = await receiver((_req, res) => res.writeHead(204).end());
      const events: EventSinkSettings = which === 'events file' ? { file: { path } } : { webhook: webhookSettings(hooks.url, store.dataDir, { deadLetterFile: path }) };
      try {
        await assert.rejects(
          async () => {
            const server = await startTestServer({}, undefined, { store, events });
            await server.close();
          },
          (e: Error) => e.message === `cannot open the ${which} ${path}: it is a symbolic link (name the file itself)`,
        );
        assert.equal(readFileSync(victim, 'utf8'), 'precious = true\n');
        assert.equal(statSync(victim).mode & 0o777, 0o644);
      } finally {
        await hooks.close();
      }
    });
  }
});

/** `tessera audit tail` of the built CLI, as an operator runs it. */
function auditTail(args: string[]) {
  const child = spawn(process.execPath, [`${ROOT}/bin/tessera.js`, 'audit', 'tail', '--interval', '0.2', ...args], { env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_'))) as Record<string, string> });
  const out = { stdout: '', stderr: '', code: undefined as number | null | undefined };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve((out.code = code))));
  return { child, out, exited };
}

describe('attacks on tessera audit tail', () => {
  it('usernames carrying terminal escapes, C1 controls, bidi overrides and newlines are printed escaped, one line per event; --json keeps them exact', async () => {
    const server = await startTestServer();
    const tails: ReturnType<typeof auditTail>[] = [];
    try {
      const c = await server.addClient({ name: 'legacy', grantTypes: ['password'], scopes: ['openid'] });
      const evil = ['\u001b]0;owned\u0007\u001b[2J', 'a\r\n2030-01-01T00:00:00.000Z critical admin.forged success', '\u009b31mred\u202etxt.exe', 'tab\there\u0000nul'];
      for (const username of evil) await postForm(`${server.issuer}/token`, { grant_type: 'password', username, password: 'wrong', scope: 'openid' }, basic(c.clientId, c.secret!));
      const human = auditTail([...server.storeArgs, '--since', '1h', '--type', 'login.failure']);
      const json = auditTail([...server.storeArgs, '--since', '1h', '--type', 'login.failure', '--json']);
      tails.push(human, json);
      await until('both tails to print the backlog', () => human.out.stdout.split('\n').filter(Boolean).length >= evil.length && json.out.stdout.split('\n').filter(Boolean).length >= evil.length);
      await sleep(500);
      const lines = human.out.stdout.split('\n').filter(Boolean);
      assert.equal(lines.length, evil.length, human.out.stdout);
      assert.doesNotMatch(human.out.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, 'no raw control character reaches the terminal');
      assert.ok(!lines.some((l) => /^2030-01-01T00:00:00\.000Z critical/.test(l)), 'no line forged');
      assert.ok(lines.some((l) => l.includes('username=\\u001b]0;owned\\u0007\\u001b[2j')), lines.join('\n'));
      const names = json.out.stdout.split('\n').slice(0, -1).filter(Boolean).map((l) => (JSON.parse(l) as Record<string, unknown>)['username']);
      for (const username of evil) assert.ok(names.includes(username.toLowerCase()), `--json keeps ${JSON.stringify(username)}`);
    } finally {
      for (const t of tails) t.child.kill('SIGINT');
      await Promise.all(tails.map((t) => t.exited));
      await server.close();
    }
  });

  for (const since of ['garbage', '-5m', '2026-13-45T99:99:99Z', '\u001b[2J']) {
    // docs/cli.md: a mistake is one `tessera:` line on stderr and exit status 1 (2 is doctor's own).
    it(`--since ${JSON.stringify(since)}: refused at once, exit 1, one escaped line, no stack trace`, async () => {
      const dir = join((await createTestStore().then((s) => (stores.push(s), s))).dataDir);
      const tail = auditTail(['--data', dir, '--since', since]);
      const timer = setTimeout(() => tail.child.kill('SIGKILL'), 10_000);
      const code = await tail.exited;
      clearTimeout(timer);
      assert.equal(code, 1, `${tail.out.stdout}${tail.out.stderr}`);
      assert.equal(tail.out.stdout, '');
      assert.equal(tail.out.stderr.split('\n').filter(Boolean).length, 1, tail.out.stderr);
      assert.match(tail.out.stderr, /^tessera: error: /);
      assert.doesNotMatch(tail.out.stderr, /\n\s+at |node:internal|\u001b/);
    });
  }

  it('a long-running tail polls without piling up listeners on its stop signal (was a bug)', async () => {
    // Was: each poll's pause added an 'abort' listener to the stop signal and never removed it: a tail
    // left running grew by one listener a poll (86,400 a day at the default interval), and Node warned
    // "MaxListenersExceededWarning … 11 abort listeners" after ten polls.
    const store = await createTestStore();
    stores.push(store);
    const tail = auditTail(['--data', store.dataDir, '--interval', '0.1']);
    await until('tail to start', () => tail.out.stderr.includes('following the audit log'));
    await sleep(2500); // some 25 polls
    tail.child.kill('SIGINT');
    assert.equal(await tail.exited, 0);
    assert.doesNotMatch(tail.out.stderr, /MaxListenersExceeded|Warning/, tail.out.stderr);
  });
});

describe('attacks on tessera audit tail with a huge backlog', () => {
  it('--since over 5,000 events: each printed once, oldest first, and none again on later polls', async () => {
    const server = await startTestServer();
    let tail: ReturnType<typeof auditTail> | undefined;
    try {
      const Sqlite = (await import('better-sqlite3')).default;
      const { SQLITE_FILE } = await import('../../src/store/sqlite/open.js');
      if (server.databaseUrl === undefined) {
        const db = new Sqlite(join(server.dataDir, SQLITE_FILE));
        const insert = db.prepare("insert into audit_events (at, type, outcome, client_id, reason) values (?, 'token.issued', 'success', 'backlog', ?)");
        const now = Math.floor(Date.now() / 1000);
        db.transaction(() => {
          for (let i = 0; i < 5000; i++) insert.run(now - 60, String(i));
        })();
        db.close();
      }
      tail = auditTail([...server.storeArgs, '--since', '1h', '--json', '--client', 'backlog']);
      // Whole lines only: the last may still be on its way.
      const printed = () => tail!.out.stdout.split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      await until('the backlog', () => printed().length >= 5000, 30_000);
      const reasons = printed().map((e) => Number(e['reason']));
      assert.deepEqual(reasons, Array.from({ length: 5000 }, (_, i) => i), 'each once, oldest first');
      await sleep(1500);
      assert.equal(printed().length, 5000, 'nothing printed again');
    } finally {
      tail?.child.kill('SIGINT');
      await tail?.exited;
      await server.close();
    }
  });
});

describe('attacks on tessera audit tail over PostgreSQL', () => {
  it('an event whose id was taken before the tail started but committed after (a slower node) is printed, once (was a bug)', async () => {
    // Was: the tail started from the newest visible id and never looked below it, so an event another
    // node had taken a lower id for, committed just after the tail started, was never printed. The
    // settle window (ids of the last few seconds are read again) now applies from the start too.
    const { createTestDatabase } = await import('../helpers/postgres.js');
    const pg = (await import('pg')).default;
    const database = await createTestDatabase();
    const store = await createTestStore();
    stores.push(store);
    const server = await startTestServer({}, undefined, { store: { dataDir: store.dataDir, database, remove: async () => undefined } });
    const slowNode = new pg.Client({ connectionString: database.url });
    await slowNode.connect();
    let tail: ReturnType<typeof auditTail> | undefined;
    try {
      const c = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
      // The slower node takes its id and has not committed yet.
      await slowNode.query('begin');
      await slowNode.query(`insert into audit_events (at, type, outcome, client_id) values ($1, 'token.issued', 'success', 'the-slow-node')`, [Math.floor(Date.now() / 1000)]);
      // Meanwhile this node records an event with a higher id, visible at once.
      assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(c.clientId, c.secret!))).status, 200);
      tail = auditTail([...server.storeArgs, '--json']);
      await until('tail to start', () => tail!.out.stderr.includes('following the audit log'));
      await slowNode.query('commit');
      const printed = () => tail!.out.stdout.split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      await until('the slower node\'s event', () => printed().some((e) => e['client_id'] === 'the-slow-node'), 10_000);
      await sleep(6000); // past the settle window: nothing printed twice
      assert.equal(printed().filter((e) => e['client_id'] === 'the-slow-node').length, 1);
      assert.equal(printed().filter((e) => e['client_id'] === c.clientId).length, 0, 'what was visible before it started is not printed');
    } finally {
      tail?.child.kill('SIGINT');
      await tail?.exited;
      await slowNode.end();
      await server.close();
      await database.drop();
    }
  });
});

describe('attacks on signatures and trust', () => {
  it('the webhook signature covers the exact bytes sent, non-ASCII usernames included, and verifies with the id and timestamp of that attempt only', async () => {
    const { createHmac } = await import('node:crypto');
    const raw: { headers: import('node:http').IncomingHttpHeaders; bytes: Buffer }[] = [];
    const server = httpsServer(tls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        raw.push({ headers: req.headers, bytes: Buffer.concat(chunks) });
        res.writeHead(raw.length === 1 ? 503 : 204).end(); // the first attempt fails: a second, re-signed
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const app = await startWith((dir) => ({ webhook: webhookSettings(`https://127.0.0.1:${(server.address() as AddressInfo).port}/h`, dir, { attempts: 3, retryBaseMs: 1100, retryMaxMs: 1500 }) }));
    try {
      const c = await app.addClient({ name: 'legacy', grantTypes: ['password'], scopes: ['openid'] });
      await postForm(`${app.issuer}/token`, { grant_type: 'password', username: 'zoë-😀-\u202e-ユーザー', password: 'wrong', scope: 'openid' }, basic(c.clientId, c.secret!));
      await until('two attempts', () => raw.length >= 2);
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
      const sign = (id: string, ts: string, bytes: Buffer) => `v1,${createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${id}.${ts}.`), bytes])).digest('base64')}`;
      for (const { headers, bytes } of raw) {
        const id = String(headers['webhook-id']);
        const ts = String(headers['webhook-timestamp']);
        assert.equal(Number(headers['content-length']), bytes.length);
        assert.equal(headers['webhook-signature'], sign(id, ts, bytes), 'HMAC over id.timestamp.raw bytes');
        assert.equal(JSON.parse(bytes.toString('utf8'))['username'], 'zoë-😀-\u202e-ユーザー');
        assert.notEqual(headers['webhook-signature'], sign(id, String(Number(ts) + 1), bytes), 'another timestamp does not verify');
      }
      assert.equal(raw[0]!.headers['webhook-id'], raw[1]!.headers['webhook-id'], 'the same id on a redelivery');
      assert.notEqual(raw[0]!.headers['webhook-timestamp'], raw[1]!.headers['webhook-timestamp'], 'each attempt signed with its own time');
      assert.ok(raw[0]!.bytes.equals(raw[1]!.bytes), 'the same body');
    } finally {
      await app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a TLS syslog collector with a certificate not trusted: nothing is sent to it, the failure is logged once, token requests are unaffected', async () => {
    const { createServer: tlsServer } = await import('node:tls');
    const { selfSignedCert: another } = await import('../helpers/tls.js');
    const untrusted = another();
    let plaintext = 0;
    const collector = tlsServer({ key: untrusted.key, cert: untrusted.cert }, (s) => s.on('data', () => plaintext++));
    collector.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const logs: string[] = [];
    // Trusting another CA (the test's usual one), not the collector's.
    const server = await startWith(() => ({ syslog: { url: `tls://127.0.0.1:${(collector.address() as AddressInfo).port}`, ca: tls.cert } }), logs);
    try {
      const service = await serviceClient(server);
      const started = performance.now();
      for (let i = 0; i < 20; i++) assert.equal((await service.token()).status, 200);
      assert.ok(performance.now() - started < 5000);
      await until('the failure logged', () => logs.some((l) => l.includes('syslog: cannot send events')));
      await sleep(1500); // a reconnection or two
      assert.equal(plaintext, 0, 'no event reached an unverified collector');
      assert.equal(logs.filter((l) => l.includes('syslog: cannot send events')).length, 1, 'logged once, not per attempt');
    } finally {
      await server.close();
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  });
});
