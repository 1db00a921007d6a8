import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as tcpServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as httpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestStore, startTestServer, type TestServer, type TestStore } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';
import { selfSignedCert } from '../helpers/tls.js';
import type { EventSinkSettings } from '../../src/observability/events/index.js';

/*
 * Attacks on the audit event sinks (issue 20): each test is one attack, asserting what must hold,
 * against real peers (files, TCP/UDP/TLS listeners, an HTTPS receiver) and a real server.
 */

const tls = selfSignedCert();
const secret = `whsec_${randomBytes(32).toString('base64')}`;

async function until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

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
