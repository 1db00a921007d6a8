import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, freePort } from '../helpers/server.js';
import { ROOT } from '../helpers/cli.js';

describe('health, readiness and graceful shutdown', () => {
  it('answers /health always, and /ready with the state of the database and Redis', async () => {
    const server = await startTestServer({}, undefined, { redis: { url: 'redis://127.0.0.1:6379', prefix: `tessera-test-ready-${process.pid}` } });
    try {
      const health = await fetch(`${server.issuer}/health`);
      assert.equal(health.status, 200);
      assert.equal(health.headers.get('cache-control'), 'no-store');
      const ready = await fetch(`${server.issuer}/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    } finally {
      await server.close();
    }
  });

  it('stays ready while Redis cannot be reached, saying Redis is degraded without naming addresses or errors', async () => {
    const server = await startTestServer({}, undefined, { redis: { url: 'redis://127.0.0.1:1', prefix: 'unused' } });
    try {
      const ready = await fetch(`${server.issuer}/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', redis: 'degraded' } });
      assert.equal((await fetch(`${server.issuer}/health`)).status, 200);
    } finally {
      await server.close();
    }
  });

  it('finishes a request in flight when told to stop (SIGTERM), then exits cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--port', String(port), '--data', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    try {
      for (let i = 0; i < 100 && !log.includes('Tessera is ready'); i++) await sleep(100);
      assert.match(log, /Tessera is ready/);
      // A token request whose body is still arriving when the signal comes.
      const body = 'grant_type=client_credentials&client_id=nobody';
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.write(`POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
      await sleep(200);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await sleep(300);
      // New connections are no longer taken...
      await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
      // ...but the request in flight gets its full answer.
      socket.end(body.slice(10));
      await closed;
      assert.match(answer, /^HTTP\/1.1 401/);
      assert.match(answer, /"error":"invalid_client"/);
      assert.equal(await exited, 0);
      assert.match(log, /stopping: finishing requests in flight/);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
