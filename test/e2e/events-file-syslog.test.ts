import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer as tcpServer, type AddressInfo } from 'node:net';
import { createServer as tlsServer } from 'node:tls';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestStore, startTestServer, type TestServer, type TestStore } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';
import { selfSignedCert } from '../helpers/tls.js';
import type { EventSinkSettings } from '../../src/observability/events/index.js';
import { until } from '../helpers/wait.js';


const stores: TestStore[] = [];
after(async () => {
  for (const store of stores) await store.remove();
});

async function startWith(events: (dataDir: string) => EventSinkSettings): Promise<TestServer> {
  const store = await createTestStore();
  stores.push(store);
  return startTestServer({}, undefined, { store, events: events(store.dataDir) });
}

async function tokens(server: TestServer, n: number): Promise<string> {
  const c = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
  for (let i = 0; i < n; i++) assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(c.clientId, c.secret!))).status, 200);
  return c.clientId;
}

/** RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG], as this sink writes it (NILVALUE structured data). */
const RFC5424 = /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (-|\[.*\]) (.*)$/s;

function checkSyslog(message: string, clientId: string, facility: number) {
  const m = RFC5424.exec(message);
  assert.ok(m, `not an RFC 5424 message: ${message}`);
  const [, pri, time, , app, procid, msgid, , msg] = m;
  assert.equal(Number(pri), facility * 8 + 6, 'the facility, and token.issued as Informational (6)');
  assert.equal(app, 'tessera');
  assert.equal(procid, String(process.pid));
  assert.equal(msgid, 'token.issued');
  const event = JSON.parse(msg!) as Record<string, unknown>;
  assert.equal(event['client_id'], clientId);
  assert.equal(event['time'], time);
  assert.match(msg!, /^[\x20-\x7e]*$/, 'plain ASCII, so no BOM is needed');
}

describe('audit events to a file', () => {
  it('appends JSON lines to a 0600 file and rotates it by size, keeping N old files', async () => {
    let path = '';
    const server = await startWith((dir) => {
      path = join(dir, 'events', 'audit.jsonl');
      return { file: { path, maxBytes: 2000, keep: 2 } };
    });
    try {
      const clientId = await tokens(server, 20);
      const lines = () => [path, `${path}.1`, `${path}.2`].filter(existsSync).flatMap((p) => readFileSync(p, 'utf8').split('\n').filter(Boolean));
      await until('the events in the files', () => lines().filter((l) => l.includes(clientId)).length >= 8);
      await sleep(200);
      assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`), 'rotated twice at least');
      assert.ok(!existsSync(`${path}.3`), 'only 2 old files are kept');
      for (const p of [path, `${path}.1`, `${path}.2`]) {
        assert.ok(statSync(p).size <= 2000, `${p} stays under the size`);
        assert.equal(statSync(p).mode & 0o777, 0o600);
      }
      // The newest events are in the current file, in order, each a whole JSON object.
      const current = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(current.length > 0);
      for (const e of current) assert.equal(e['type'], 'token.issued');
      const all = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(new Set(all.map((e) => e['id'])).size, all.length, 'no event written twice');
    } finally {
      await server.close();
    }
  });
});

describe('audit events to syslog', () => {
  it('sends an RFC 5424 datagram over UDP', async () => {
    const listener = createSocket('udp4');
    const got: string[] = [];
    listener.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((r) => listener.bind(0, '127.0.0.1', r));
    const server = await startWith(() => ({ syslog: { url: `udp://127.0.0.1:${listener.address().port}`, facility: 'local4' } }));
    try {
      const clientId = await tokens(server, 1);
      await until('a datagram', () => got.some((m) => m.includes(clientId)));
      checkSyslog(got.find((m) => m.includes(clientId))!, clientId, 20);
    } finally {
      await server.close();
      listener.close();
    }
  });

  for (const transport of ['tcp', 'tls'] as const) {
    it(`sends octet-counted RFC 5424 messages over ${transport.toUpperCase()}, and reconnects when the collector comes back`, async () => {
      const cert = transport === 'tls' ? selfSignedCert() : undefined;
      const frames: string[] = [];
      const connections: { destroy(): void }[] = [];
      const startCollector = (port = 0) => {
        const onSocket = (socket: NodeJS.ReadWriteStream & { destroy(): void }) => {
          connections.push(socket);
          let buffer = Buffer.alloc(0);
          socket.on('data', (d: Buffer) => {
            buffer = Buffer.concat([buffer, d]);
            // RFC 6587 §3.4.1: MSG-LEN SP SYSLOG-MSG, the length in octets.
            for (;;) {
              const space = buffer.indexOf(0x20);
              if (space < 0) break;
              const length = Number(buffer.subarray(0, space).toString());
              assert.ok(Number.isInteger(length) && length > 0, 'a frame starts with its length');
              if (buffer.length < space + 1 + length) break;
              frames.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
              buffer = buffer.subarray(space + 1 + length);
            }
          });
        };
        const server = cert ? tlsServer(cert, onSocket) : tcpServer(onSocket);
        return new Promise<typeof server>((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
      };
      let collector = await startCollector();
      const port = (collector.address() as AddressInfo).port;
      const server = await startWith(() => ({ syslog: { url: `${transport}://127.0.0.1:${port}`, ...(cert ? { ca: cert.cert } : {}) } }));
      try {
        const first = await tokens(server, 3);
        await until('3 frames', () => frames.filter((f) => f.includes(first)).length === 3);
        for (const f of frames.filter((f) => f.includes(first))) checkSyslog(f, first, 10);
        // The collector goes away; events wait, and go out when it is back.
        await new Promise<void>((r) => {
          collector.close(() => r());
          for (const c of connections.splice(0)) c.destroy();
        });
        await sleep(200);
        const second = await tokens(server, 2);
        collector = await startCollector(port);
        await until('the events of the outage', () => frames.filter((f) => f.includes(second)).length === 2, 15_000);
      } finally {
        await server.close();
        collector.close();
        for (const c of connections) c.destroy();
      }
    });
  }
});

