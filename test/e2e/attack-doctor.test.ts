import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer as httpServer, type Server } from 'node:http';
import { createServer as tcpServer, type AddressInfo, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnvironment, ROOT, type Run } from '../helpers/cli.js';
import { SQLITE_FILE } from '../../src/store/sqlite/open.js';
import type { CheckResult, CheckStatus } from '../../src/core/doctor/result.js';

/*
 * Attacks on `tessera doctor` (issue 20): a hostile server at --url, a store left by a crash,
 * secrets in files and symlinks, misuse. Each test is one attack, asserting what must hold, against
 * the built CLI as an operator runs it.
 */

type Check = CheckResult;
interface Report {
  status: CheckStatus;
  checks: Check[];
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
    const child = spawn(process.execPath, [`${ROOT}/bin/tessera.js`, ...args], { cwd, env: cleanEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('a hostile or silent server at --url', () => {
  it('one that accepts and never answers: doctor gives up in bounded time, says so, and its exit status matches --json', async () => {
    const sockets = new Set<Socket>();
    const silent = tcpServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const data = join(tempDir(), 'data');
      const json = await run(['doctor', '--data', data, '--url', url, '--json']);
      assert.ok(json.ms < 12_000, `doctor took ${json.ms} ms`);
      const report = JSON.parse(json.stdout) as Report;
      assert.equal(report.status, 'error');
      assert.equal(json.code, 1, 'status error is exit 1');
      assert.match(check(report, 'issuer.discovery').finding, /no answer in 5 s/);
      const human = await run(['doctor', '--data', data, '--url', url]);
      assert.equal(human.code, json.code, 'the same exit status for people and scripts');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('one whose issuer and /ready carry terminal escapes, bidi overrides and newlines: shown escaped to people, intact in --json', async () => {
    const evil = 'http://evil\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202egnp.exe\r\nok     forged.check  all good';
    const server = await hostile((req, res) => {
      res.writeHead(req.url?.startsWith('/ready') ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url?.startsWith('/ready') ? { status: 'down\u001b[1A', checks: { 'db\u001b[31m': 'fail\nok' } } : { issuer: evil }));
    });
    try {
      const data = join(tempDir(), 'data');
      const human = await run(['doctor', '--data', data, '--url', server.url]);
      assert.equal(human.code, 1);
      assert.doesNotMatch(human.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, 'no control character reaches the terminal');
      assert.ok(!human.stdout.split('\n').some((l) => l.startsWith('ok     forged.check')), 'no line forged');
      assert.match(human.stdout, /\\u001b\]0;pwned\\u0007/);
      const json = await run(['doctor', '--data', data, '--url', server.url, '--json']);
      const report = JSON.parse(json.stdout) as Report;
      assert.ok(check(report, 'issuer.discovery').finding.includes(evil), 'scripts get the exact text, JSON-escaped');
      assert.equal(json.code, human.code);
    } finally {
      await server.close();
    }
  });

  it('one that answers 200 with a body that is not JSON, or redirects elsewhere: an error, no redirect followed', async () => {
    let elsewhere = 0;
    const target = await hostile((_req, res) => {
      elsewhere++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"http://127.0.0.1"}');
    });
    const notJson = await hostile((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>hello</html>'));
    const redirecting = await hostile((_req, res) => res.writeHead(302, { location: `${target.url}/.well-known/openid-configuration` }).end());
    try {
      const data = join(tempDir(), 'data');
      const a = JSON.parse((await run(['doctor', '--data', data, '--url', notJson.url, '--json'])).stdout) as Report;
      assert.equal(check(a, 'issuer.discovery').status, 'error');
      assert.match(check(a, 'issuer.discovery').finding, /not a discovery document/);
      const b = await run(['doctor', '--data', data, '--url', redirecting.url, '--json']);
      assert.equal(b.code, 1);
      assert.match(check(JSON.parse(b.stdout) as Report, 'issuer.discovery').finding, /answered 302/);
      assert.equal(elsewhere, 0, 'the redirect was not followed');
    } finally {
      await Promise.all([target.close(), notJson.close(), redirecting.close()]);
    }
  });
});

describe('doctor keeps secrets', () => {
  it('never prints the pepper (a symlinked pepper file too), the webhook secret, or the passwords in the database and Redis URLs', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    assert.equal((await run(['migrate', '--data', data])).code, 0);
    const pepper = readFileSync(join(data, 'pepper'), 'utf8').trim();
    const link = join(dir, 'pepper-link');
    symlinkSync(join(data, 'pepper'), link);
    const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const secretFile = join(dir, 'webhook-secret');
    writeFileSync(secretFile, webhookSecret, { mode: 0o644 });
    const secretLink = join(dir, 'webhook-secret-link');
    symlinkSync(secretFile, secretLink);
    const env = { TESSERA_PEPPER_FILE: link, TESSERA_REDIS_URL: 'redis://:redis-pass-Zq81@127.0.0.1:1/0' };
    const common = ['--data', data, '--offline', '--webhook-url', 'https://hooks.example.com/x', '--webhook-secret-file', secretLink];
    const human = await run(['doctor', ...common], env);
    const json = await run(['doctor', ...common, '--json'], env);
    const pg = await run(['doctor', '--database-url', 'postgres://tessera:pg-pass-Xy72@127.0.0.1:1/tessera', '--offline', '--json'], env);
    for (const r of [human, json, pg]) {
      const all = r.stdout + r.stderr;
      for (const s of [pepper, webhookSecret, webhookSecret.slice(6), 'redis-pass-Zq81', 'pg-pass-Xy72']) assert.ok(!all.includes(s), `a secret in: ${all.slice(0, 2000)}`);
    }
    const report = JSON.parse(json.stdout) as Report;
    assert.match(check(report, 'pepper').finding, /TESSERA_PEPPER_FILE/);
    assert.equal(check(report, 'pepper').status, 'ok', 'the symlinked pepper is the store\'s');
    assert.match(check(report, 'files.permissions').finding, /webhook secret/, 'the loose secret file (through its link) is found');
    assert.equal(check(JSON.parse(pg.stdout) as Report, 'database').status, 'error');
  });
});

describe('doctor misused', () => {
  for (const [what, args] of [
    ['an unknown option', ['--no-such-option']],
    ['--key-max-age that is not a duration', ['--key-max-age', 'banana']],
    ['--key-max-age of zero', ['--key-max-age', '0d']],
    ['--url with no value', ['--url']],
    ['--url that is not a URL', ['--url', 'not a url\u001b[2J']],
    ['--url with another scheme', ['--url', 'file:///etc/passwd']],
    ['a stray argument', ['extra']],
  ] as const) {
    it(`${what}: exit 2 with one clear line, no stack trace, nothing on stdout, with or without --json`, async () => {
      for (const json of [[], ['--json']]) {
        const r = await run(['doctor', '--offline', ...args, ...json], {}, tempDir());
        assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
        assert.equal(r.stdout, '');
        const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
        assert.equal(lines.length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at |Error:|node:internal/);
        assert.doesNotMatch(r.stderr, /\u001b/, 'what was typed is escaped');
      }
    });
  }
});

describe('doctor and serve agree', () => {
  it('event-sink settings serve refuses at startup (a syslog URL or facility it does not know, a malformed webhook secret, plain http, a symlinked events file) are errors for doctor too (was a bug)', async () => {
    // Was: doctor read these settings (resolveServe) but only the sinks, as serve opened them, checked
    // them: doctor said "serve accepts this configuration" for one serve refused at once. The sinks'
    // checks now run, opening nothing, for doctor as well.
    const dir = tempDir();
    const data = join(dir, 'data');
    const badSecret = join(dir, 'bad-secret');
    writeFileSync(badSecret, 'whsec_tooshort', { mode: 0o600 });
    const goodSecret = join(dir, 'good-secret');
    writeFileSync(goodSecret, `whsec_${randomBytes(32).toString('base64')}`, { mode: 0o600 });
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'x');
    const link = join(dir, 'events.jsonl');
    symlinkSync(victim, link);
    const cases: [string[], RegExp][] = [
      [['--syslog', 'ftp://logs.example.com'], /syslog URL must start with udp:\/\/, tcp:\/\/ or tls:\/\//],
      [['--syslog', 'udp://127.0.0.1:514', '--syslog-facility', 'bogus'], /syslog facility must be one of/],
      [['--webhook-url', 'https://hooks.example.com/x', '--webhook-secret-file', badSecret], /24 to 64 bytes/],
      [['--webhook-url', 'http://hooks.example.com/x', '--webhook-secret-file', goodSecret], /plain http/],
      [['--events-file', link], /it is a symbolic link/],
    ];
    for (const [args, message] of cases) {
      const r = await run(['doctor', '--data', data, '--offline', '--json', ...args]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      const config = check(JSON.parse(r.stdout) as Report, 'config');
      assert.equal(config.status, 'error', `${args.join(' ')}: ${config.finding}`);
      assert.match(config.finding, message);
    }
    assert.ok(!existsSync(data), 'doctor made no data directory');
    // And serve indeed refuses each at startup.
    for (const [args, message] of cases) {
      const serve = await run(['serve', '--data', data, '--port', '0', ...args]);
      assert.notEqual(serve.code, 0);
      assert.match(serve.stderr, message);
    }
  });
});

describe('doctor and files that never end', () => {
  it('a secret file that is /dev/zero or a named pipe (through a symbolic link too): refused at once with one line, no hang (was a bug)', async () => {
    // Was: the file was read whole (readFileSync): /dev/zero was read until memory ran out and a named
    // pipe with no writer blocked for ever, so doctor (and serve, and every command) hung without a word.
    const dir = tempDir();
    const fifo = join(dir, 'pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const zeroLink = join(dir, 'pepper-link');
    symlinkSync('/dev/zero', zeroLink);
    const data = join(dir, 'data');
    for (const path of ['/dev/zero', fifo, zeroLink]) {
      const r = await run(['doctor', '--data', data, '--offline'], { TESSERA_PEPPER_FILE: path });
      assert.ok(r.ms < 10_000, `${path}: took ${r.ms} ms`);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, `tessera: error: TESSERA_PEPPER_FILE names ${path}, which is not a regular file\n`);
    }
    const webhook = await run(['doctor', '--data', data, '--offline', '--json', '--webhook-url', 'https://hooks.example.com/x', '--webhook-secret-file', fifo]);
    assert.ok(webhook.ms < 10_000);
    assert.equal(webhook.code, 1);
    assert.match(check(JSON.parse(webhook.stdout) as Report, 'config').finding, /--webhook-secret-file names .*pipe, which is not a regular file/);
  });
});

describe('doctor against a PostgreSQL that stalls', () => {
  it('a database that connects and then stops answering mid-inspection: doctor ends after one timeout with an error finding, and changes nothing (was a bug)', async () => {
    // Was: each of the store's reads (migrations, clock, pepper, keys, retention, clients) waited its
    // own 5 s timeout on the stalled connection, one after another: some 26 s before any answer. Once
    // one read has run out of time the others are now not sent.
    const { createTestDatabase } = await import('../helpers/postgres.js');
    const { startStallProxy } = await import('../helpers/stall-proxy.js');
    const pg = (await import('pg')).default;
    const database = await createTestDatabase();
    const migrated = await run(['migrate', '--database-url', database.url, '--data', join(tempDir(), 'data')]);
    assert.equal(migrated.code, 0, migrated.stderr);
    const url = new URL(database.url);
    const proxy = await startStallProxy(Number(url.port || 5432), url.hostname);
    const schema = async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query("select table_name, column_name, data_type from information_schema.columns where table_schema = 'public' order by 1, 2");
      const { rows: migrations } = await client.query('select name from kysely_migration order by name');
      const { rows: settings } = await client.query('select name, value from settings order by name');
      await client.end();
      return JSON.stringify({ rows, migrations, settings });
    };
    try {
      const before = await schema();
      const through = new URL(database.url);
      through.hostname = '127.0.0.1';
      through.port = String(proxy.port);
      proxy.stallOn('kysely_migration');
      const r = await run(['doctor', '--database-url', through.href, '--data', join(tempDir(), 'data'), '--offline', '--json'], { TESSERA_PEPPER: randomBytes(32).toString('base64url') });
      assert.ok(proxy.stalledOnPattern(), 'the stall happened mid-inspection');
      assert.ok(r.ms < 12_000, `doctor took ${r.ms} ms: ${r.stdout}`);
      assert.equal(r.stderr, '');
      const report = JSON.parse(r.stdout) as Report;
      assert.equal(r.code, 1);
      assert.equal(report.status, 'error');
      const migrations = report.checks.find((c) => c.id === 'migrations');
      assert.ok(migrations?.status === 'error' || check(report, 'database').status === 'error', JSON.stringify(report.checks));
      proxy.resume();
      assert.equal(await schema(), before, 'schema, migrations and settings unchanged');
    } finally {
      proxy.resume();
      await proxy.close();
      await database.drop();
    }
  });
});

describe('doctor and a pepper file that never ends', () => {
  it("the data directory's pepper replaced by a link to /dev/zero or by a named pipe: a pepper error at once, no hang (was a bug)", async () => {
    // Was: findPepper read the file whole: /dev/zero until memory ran out, a pipe with no writer for ever.
    for (const kind of ['zero', 'fifo'] as const) {
      const dir = tempDir();
      const data = join(dir, 'data');
      assert.equal((await run(['migrate', '--data', data])).code, 0);
      const pepper = join(data, 'pepper');
      rmSync(pepper);
      if (kind === 'zero') symlinkSync('/dev/zero', pepper);
      else assert.equal(spawnSync('mkfifo', ['-m', '600', pepper]).status, 0);
      const r = await run(['doctor', '--data', data, '--offline', '--json']);
      assert.ok(r.ms < 10_000, `${kind}: took ${r.ms} ms`);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const found = check(JSON.parse(r.stdout) as Report, 'pepper');
      assert.equal(found.status, 'error');
      assert.match(found.finding, /must be a regular file holding the pepper/);
    }
  });
});
