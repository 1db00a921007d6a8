import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer as httpServer, type Server } from 'node:http';
import { createServer as tcpServer, type AddressInfo, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, type Run } from '../helpers/cli.js';
import { SQLITE_FILE } from '../../src/store/sqlite/open.js';

/*
 * Attacks on `tessera doctor` (issue 20): a hostile server at --url, a store left by a crash,
 * secrets in files and symlinks, misuse. Each test is one attack, asserting what must hold, against
 * the built CLI as an operator runs it.
 */

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'error';
  finding: string;
  fix?: string;
}
interface Report {
  status: 'ok' | 'warn' | 'error';
  checks: Check[];
}

function environment(extra: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('TESSERA_'))) as Record<string, string>;
  return { ...env, ...extra };
}

/** The resident memory of a running process (kB), from /proc. */
function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The built CLI, with how long it ran and the most memory it held (sampled). */
function run(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Run & { ms: number; peakKb: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}/bin/tessera.js`, ...args], { cwd, env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let peakKb = 0;
    const sampler = setInterval(() => (peakKb = Math.max(peakKb, rssKb(child.pid!))), 25);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      resolve({ code, stdout, stderr, ms: Date.now() - started, peakKb });
    });
  });
}

const check = (report: Report, id: string): Check => {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
};

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-attack-doctor-'));
  tempDirs.push(dir);
  return dir;
};

/** An HTTP server that answers every request with `handle`, on loopback. */
async function hostile(handle: Parameters<typeof httpServer>[0] extends infer _ ? (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void : never): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = httpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('attacks on tessera doctor', () => {
  it('a server at --url that answers with an endless discovery document: doctor stops reading, reports it, and exits 1 (was a bug)', async () => {
    // Was: the whole answer was read into memory (response.text()) until the 5 s timeout, so a
    // server streaming fast made doctor buffer gigabytes, or die of "Invalid string length".
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const server = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"issuer":"');
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      more();
    });
    try {
      const data = tempDir();
      const result = await run(['doctor', '--data', join(data, 'data'), '--url', server.url, '--json']);
      assert.equal(result.stderr, '');
      assert.equal(result.code, 1, result.stdout.slice(0, 500));
      const report = JSON.parse(result.stdout) as Report;
      assert.equal(report.status, 'error');
      assert.equal(check(report, 'issuer.discovery').status, 'error');
      assert.match(check(report, 'issuer.discovery').finding, /more than 1 MiB/);
      assert.ok(result.ms < 15_000, `doctor took ${result.ms} ms`);
      assert.ok(result.peakKb < 400_000, `doctor held ${Math.round(result.peakKb / 1024)} MB`);
      assert.ok(result.stdout.length < 100_000, 'nothing of the answer is echoed');
    } finally {
      await server.close();
    }
  });
});

/** The files of a directory with a hash of each. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, createHash('sha256').update(readFileSync(join(dir, name))).digest('hex')]));
}

describe('doctor changes nothing', () => {
  it('a store left by a crash, with writes still in its WAL: doctor reads them and leaves the database and its WAL byte for byte (was a bug)', async () => {
    // Was: doctor's connection, the last one to close, checkpointed the WAL into the database file
    // and deleted it: the store's bytes changed under an operator inspecting a crashed node.
    const dir = join(tempDir(), 'data');
    const made = await run(['migrate', '--data', dir]);
    assert.equal(made.code, 0, made.stderr);
    // A process that writes and dies before any checkpoint, as a node killed mid-work.
    const crash = spawnSync(process.execPath, ['-e', `
      const Sqlite = require('better-sqlite3');
      const db = new Sqlite(${JSON.stringify(join(dir, SQLITE_FILE))});
      db.pragma('wal_autocheckpoint = 0');
      db.prepare("insert into settings (name, value) values ('attack.crash', 'left in the wal')").run();
      process.kill(process.pid, 'SIGKILL');
    `], { cwd: ROOT });
    assert.equal(crash.signal, 'SIGKILL', crash.stderr.toString());
    assert.ok(existsSync(join(dir, `${SQLITE_FILE}-wal`)), 'the crash left a WAL');
    const before = snapshot(dir);
    const result = await run(['doctor', '--data', dir, '--offline', '--json']);
    assert.equal(result.stderr, '');
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(check(report, 'database').status, 'ok', check(report, 'database').finding);
    assert.equal(check(report, 'migrations').status, 'ok');
    // The -shm file is the WAL's shared-memory index: every reader, doctor too, takes its read marks
    // there, so only that it is still there is asserted; the data (database and WAL) is unchanged.
    const shm = `${SQLITE_FILE}-shm`;
    const after = snapshot(dir);
    assert.ok(shm in after, 'the index file is left in place');
    delete after[shm];
    delete before[shm];
    assert.deepEqual(after, before, 'no file of the store was changed, made or removed');
  });
});
