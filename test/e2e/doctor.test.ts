import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { cleanEnvironment, ROOT, runProcess, type Run } from '../helpers/cli.js';
import { freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { openSqliteStores, SQLITE_FILE } from '../../src/store/sqlite/open.js';
import { generateSigningKey } from '../../src/core/keys/key-ring.js';
import { findPepper } from '../../src/pepper.js';
import { MIGRATION_NAMES } from '../../src/store/sql/migrations.js';
import type { CheckResult, CheckStatus } from '../../src/core/doctor/result.js';

type Check = CheckResult;
interface Report {
  status: CheckStatus;
  summary: { ok: number; warn: number; error: number };
  checks: Check[];
}


/** The built CLI's `tessera doctor`, as an operator runs it. */
function run(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<Run> {
  return runProcess(process.execPath, [`${ROOT}/bin/tessera.js`, ...args], { cwd, env: cleanEnvironment(env) });
}

/** `tessera doctor … --json`: its exit code and parsed report. */
async function doctorJson(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; report: Report }> {
  const result = await run(['doctor', ...args, '--json'], env);
  assert.equal(result.stderr, '', 'doctor writes its findings to stdout only');
  return { code: result.code, report: JSON.parse(result.stdout) as Report };
}

const check = (report: Report, id: string): Check => {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
};

/** The files of a directory with a hash of each: what changed, or was made, shows. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, createHash('sha256').update(readFileSync(join(dir, name))).digest('hex')]));
}

/** Directories the tests made, removed at the end. */
const tempDirs: string[] = [];

/** A new embedded store made as an operator would (`tessera migrate`), in a directory of its own. */
async function migratedStore(): Promise<string> {
  const parent = mkdtempSync(join(tmpdir(), 'tessera-doctor-'));
  tempDirs.push(parent);
  const dir = join(parent, 'data');
  const made = await run(['migrate', '--data', dir]);
  assert.equal(made.code, 0, made.stderr);
  return dir;
}

describe('tessera doctor', () => {
  let server: TestServer;
  let config: string[];

  before(async () => {
    server = await startTestServer();
    config = [...server.storeArgs, '--port', String(server.port), '--issuer', server.issuer];
  });
  after(async () => {
    await server.close();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('passes a healthy configuration against its running server, in the same words for people and for scripts', async () => {
    const { code, report } = await doctorJson(config);
    assert.equal(code, 0, JSON.stringify(report, null, 2));
    assert.equal(report.summary.error, 0);
    // On PostgreSQL (TESSERA_TEST_STORE=postgres) the database's clock is checked too, and a deployment without Redis is warned about.
    const onPostgres = server.databaseUrl !== undefined;
    for (const id of ['config', 'issuer.https', 'tls.proxy', 'issuer.discovery', 'issuer.ready', 'clock.server', 'database', 'migrations', 'pepper', 'keys.age', 'keys.sealed', 'keys.retired', 'files.permissions', 'risk.password-grant', 'risk.console-users', 'risk.open-registration', 'risk.password-policy', 'risk.argon2', ...(onPostgres ? ['clock.database'] : ['redis'])]) {
      assert.equal(check(report, id).status, 'ok', `${id}: ${check(report, id).finding}`);
    }
    if (onPostgres) assert.equal(check(report, 'redis').status, 'warn');
    assert.equal(report.summary.ok + report.summary.warn + report.summary.error, report.checks.length);
    assert.match(check(report, 'issuer.discovery').finding, new RegExp(`as the issuer ${server.issuer}$`));
    assert.match(check(report, 'migrations').finding, new RegExp(`all ${MIGRATION_NAMES.length} migrations applied`));
    // The fingerprint is shown, never the pepper.
    const pepper = findPepper(server.dataDir)!;
    assert.match(check(report, 'pepper').finding, /fingerprint [A-Za-z0-9_-]{12}: the one the store was set up with/);
    assert.ok(!JSON.stringify(report).includes(pepper.toString('base64url')));

    const human = await run(['doctor', ...config]);
    assert.equal(human.code, 0, human.stdout);
    const lines = human.stdout.split('\n');
    // Two runs: measured times (latency, clock) may differ, the words may not.
    const words = (text: string) => text.replace(/\d+(\.\d+)? (ms|s)\b/g, 'N');
    for (const c of report.checks) {
      const at = lines.findIndex((l) => l.startsWith(`${c.status.padEnd(5)}  ${c.id} `) && words(l).endsWith(words(c.finding)));
      assert.ok(at >= 0, `no line for ${c.id} in:\n${human.stdout}`);
      if (c.fix) assert.equal(lines[at + 1]?.trim(), `fix: ${c.fix}`);
    }
    const { ok, warn, error } = report.summary;
    assert.ok(lines.includes(`${report.checks.length} checks: ${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${error} errors`), human.stdout);
  });

  it('finds an issuer the running server spells differently', async () => {
    const { code, report } = await doctorJson([...server.storeArgs, '--port', String(server.port), '--issuer', `${server.issuer}/tessera`, '--url', server.issuer]);
    assert.equal(code, 1);
    const found = check(report, 'issuer.discovery');
    assert.equal(found.status, 'error');
    assert.match(found.finding, new RegExp(`publishes the issuer '${server.issuer}', not the configured '${server.issuer}/tessera' \\(they differ in the path\\)`));
    assert.match(found.fix!, /--issuer/);

    const host = await doctorJson([...server.storeArgs, '--issuer', `http://localhost:${server.port}`, '--url', server.issuer]);
    assert.equal(host.code, 1);
    assert.match(check(host.report, 'issuer.discovery').finding, /they differ in the host/);
  });

  it('finds a server that does not answer', async () => {
    const port = await freePort();
    const { code, report } = await doctorJson([...server.storeArgs, '--issuer', `http://127.0.0.1:${port}`]);
    assert.equal(code, 1);
    assert.equal(check(report, 'issuer.discovery').status, 'error');
    assert.match(check(report, 'issuer.discovery').finding, /no answer \(.*ECONNREFUSED/);
  });

  it('finds a pepper that is not the store\'s, and keys that do not open with it', async () => {
    const { code, report } = await doctorJson(config, { TESSERA_PEPPER: randomBytes(32).toString('base64url') });
    assert.equal(code, 1);
    const found = check(report, 'pepper');
    assert.equal(found.status, 'error');
    assert.match(found.finding, /from TESSERA_PEPPER \(fingerprint [A-Za-z0-9_-]{12}\) is not the one the store was set up with/);
    assert.equal(check(report, 'keys.sealed').status, 'error');
    // The right pepper, given in the environment, passes.
    const right = await doctorJson(config, { TESSERA_PEPPER: findPepper(server.dataDir)!.toString('base64url') });
    assert.equal(check(right.report, 'pepper').status, 'ok');
  });

  it('finds a migration not applied yet, and applies none itself', async () => {
    const dir = await migratedStore();
    const last = MIGRATION_NAMES[MIGRATION_NAMES.length - 1]!;
    const db = new Sqlite(join(dir, SQLITE_FILE));
    db.prepare('delete from kysely_migration where name = ?').run(last);
    db.close();
    const before = snapshot(dir);
    const { code, report } = await doctorJson(['--data', dir, '--offline']);
    assert.deepEqual(snapshot(dir), before, 'doctor left every file of the store as it found it, and made none');
    assert.equal(code, 0, 'a pending migration is a warning: serve applies it when it starts');
    const found = check(report, 'migrations');
    assert.equal(found.status, 'warn');
    assert.match(found.finding, new RegExp(`1 of ${MIGRATION_NAMES.length} migrations not applied yet: ${last}$`));
    assert.match(found.fix!, /tessera migrate/);
    const after = new Sqlite(join(dir, SQLITE_FILE), { readonly: true });
    const { n } = after.prepare('select count(*) as n from kysely_migration where name = ?').get(last) as { n: number };
    after.close();
    assert.equal(n, 0, 'doctor applied no migration');
  });

  it('finds an empty PostgreSQL database, and leaves it empty', async () => {
    const database = await createTestDatabase();
    try {
      const { code, report } = await doctorJson(['--database-url', database.url, '--data', join(tmpdir(), 'tessera-doctor-none'), '--offline']);
      assert.equal(code, 0);
      assert.equal(check(report, 'database').status, 'ok');
      assert.match(check(report, 'migrations').finding, /the database is empty/);
      assert.equal(check(report, 'clock.database').status, 'ok');
      assert.equal(check(report, 'pepper').status, 'warn', 'several nodes need one pepper given to each');
      assert.equal(check(report, 'redis').status, 'warn', 'several nodes need shared counters');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query("select count(*)::int as n from information_schema.tables where table_schema = 'public'");
      await client.end();
      assert.equal(rows[0].n, 0, 'doctor created no table');
      assert.ok(!existsSync(join(tmpdir(), 'tessera-doctor-none')), 'doctor made no data directory');
    } finally {
      await database.drop();
    }
  });

  it('finds a store and pepper that other users may read', async () => {
    const dir = await migratedStore();
    chmodSync(join(dir, 'pepper'), 0o644);
    chmodSync(dir, 0o755);
    const { code, report } = await doctorJson(['--data', dir, '--offline']);
    assert.equal(code, 0);
    const found = check(report, 'files.permissions');
    assert.equal(found.status, 'warn');
    assert.match(found.finding, new RegExp(`${dir} \\(the data directory, mode 0755\\)`));
    assert.match(found.finding, new RegExp(`${join(dir, 'pepper')} \\(the pepper, mode 0644\\)`));
    assert.match(found.fix!, new RegExp(`chmod 600 ${join(dir, 'pepper')}`));

    // A secret given as a file (as containers mount them) is held to the same.
    const secret = join(dir, '..', 'pepper-secret');
    writeFileSync(secret, readFileSync(join(dir, 'pepper')), { mode: 0o644 });
    chmodSync(secret, 0o644);
    const fromFile = await doctorJson(['--data', dir, '--offline'], { TESSERA_PEPPER_FILE: secret });
    assert.match(check(fromFile.report, 'pepper').finding, new RegExp(`^pepper from TESSERA_PEPPER_FILE \\(${secret}\\), fingerprint .*: the one the store was set up with$`));
    assert.match(check(fromFile.report, 'files.permissions').finding, new RegExp(`${secret} \\(TESSERA_PEPPER_FILE, mode 0644\\)`));
    chmodSync(secret, 0o600);
    chmodSync(join(dir, 'pepper'), 0o600);
    chmodSync(dir, 0o700);
    const closed = await doctorJson(['--data', dir, '--offline'], { TESSERA_PEPPER_FILE: secret });
    assert.equal(check(closed.report, 'files.permissions').status, 'ok');
  });

  it('finds event-sink files other users may read, and a webhook over plain http', async () => {
    const dir = await migratedStore();
    const secret = join(dir, '..', 'webhook-secret');
    const events = join(dir, '..', 'events.jsonl');
    writeFileSync(secret, `whsec_${randomBytes(32).toString('base64')}\n`);
    writeFileSync(events, '');
    chmodSync(secret, 0o644);
    chmodSync(events, 0o640);
    const sinks = ['--events-file', events, '--webhook-url', 'http://127.0.0.1:9/hook', '--webhook-allow-insecure-http', '--webhook-secret-file', secret];
    const { code, report } = await doctorJson(['--data', dir, '--offline', ...sinks]);
    assert.equal(code, 0);
    const files = check(report, 'files.permissions');
    assert.equal(files.status, 'warn');
    assert.match(files.finding, new RegExp(`${events} \\(the events file, mode 0640\\)`));
    assert.match(files.finding, new RegExp(`${secret} \\(the webhook secret, mode 0644\\)`));
    const webhook = check(report, 'risk.webhook-http');
    assert.equal(webhook.status, 'warn');
    assert.match(webhook.finding, /over plain http/);
    // A sink setting serve would refuse is a configuration error.
    const orphan = await doctorJson(['--data', dir, '--offline', '--events-file-keep', '3']);
    assert.equal(orphan.code, 1);
    assert.match(check(orphan.report, 'config').finding, /--events-file-keep is set, but --events-file is not/);
  });

  it('finds risky settings: the password grant, the console open to all, open registration, a weak password policy', async () => {
    const dir = await migratedStore();
    const made = await run(['client', 'create', '--name', 'Legacy', '--grant-type', 'password', '--scope', 'openid', '--data', dir, '--json']);
    assert.equal(made.code, 0, made.stderr);
    const clientId = (JSON.parse(made.stdout) as { client_id: string }).client_id;
    const { code, report } = await doctorJson(['--data', dir, '--offline', '--console-users', 'all', '--open-registration'], { TESSERA_PASSWORD_MIN_LENGTH: '8' });
    assert.equal(code, 0);
    const grant = check(report, 'risk.password-grant');
    assert.equal(grant.status, 'warn');
    assert.match(grant.finding, new RegExp(`1 client\\(s\\) may use the password grant.*: ${clientId}$`));
    assert.equal(check(report, 'risk.console-users').status, 'warn');
    assert.equal(check(report, 'risk.open-registration').status, 'warn');
    assert.match(check(report, 'risk.password-policy').finding, /passwords of 8 characters are accepted/);
  });

  it('finds a Redis that does not answer, and one that does', async () => {
    const port = await freePort();
    const down = await doctorJson([...server.storeArgs, '--offline'], { TESSERA_REDIS_URL: `redis://127.0.0.1:${port}` });
    assert.equal(down.code, 1);
    const found = check(down.report, 'redis');
    assert.equal(found.status, 'error');
    assert.match(found.finding, new RegExp(`Redis at redis://127.0.0.1:${port} does not answer: .*ECONNREFUSED`));
    const up = await doctorJson([...server.storeArgs, '--offline'], { TESSERA_REDIS_URL: process.env['TESSERA_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
    assert.equal(check(up.report, 'redis').status, 'ok');
  });

  it('finds an http issuer on another host, and an https issuer with no trusted proxy', async () => {
    const http = await doctorJson([...server.storeArgs, '--offline', '--issuer', 'http://auth.example.com']);
    assert.equal(http.code, 1);
    assert.equal(check(http.report, 'issuer.https').status, 'error');
    assert.match(check(http.report, 'issuer.https').finding, /https/);
    const https = await doctorJson([...server.storeArgs, '--offline', '--issuer', 'https://auth.example.com']);
    assert.equal(check(https.report, 'issuer.https').status, 'ok');
    assert.equal(check(https.report, 'tls.proxy').status, 'warn');
    assert.match(check(https.report, 'tls.proxy').fix!, /--trust-proxy/);
    const proxied = await doctorJson([...server.storeArgs, '--offline', '--issuer', 'https://auth.example.com', '--trust-proxy', '1']);
    assert.equal(check(proxied.report, 'tls.proxy').status, 'ok');
  });

  it('finds an active signing key older than the rotation policy, and retired keys to prune', async () => {
    const dir = await migratedStore();
    const pepper = findPepper(dir)!;
    const now = Math.floor(Date.now() / 1000);
    const stores = await openSqliteStores(dir);
    try {
      await stores.keys.add(await generateSigningKey('ES256', now - 200 * 86400, pepper));
      const old = await generateSigningKey('ES256', now - 400 * 86400, pepper);
      await stores.keys.add(old);
      await stores.keys.retire(old.kid, now - 300 * 86400);
    } finally {
      await stores.close();
    }
    const { code, report } = await doctorJson(['--data', dir, '--offline']);
    assert.equal(code, 0);
    const age = check(report, 'keys.age');
    assert.equal(age.status, 'warn');
    assert.match(age.finding, /older than the rotation policy of 90 days: ES256 .* \(200 days\)/);
    assert.match(age.fix!, /tessera keys rotate/);
    assert.equal(check(report, 'keys.retired').status, 'warn');
    assert.match(check(report, 'keys.retired').finding, /^1 retired key\(s\) can be pruned/);
    // A longer policy accepts the same key.
    const lenient = await doctorJson(['--data', dir, '--offline', '--key-max-age', '365d']);
    assert.notEqual(check(lenient.report, 'keys.age').finding, age.finding);
    assert.doesNotMatch(check(lenient.report, 'keys.age').finding, /older than/);
  });

  it('reports a configuration serve would refuse, and refuses its own misuse with status 2', async () => {
    const refused = await doctorJson([...server.storeArgs, '--offline'], { TESSERA_LOG_LEVEL: 'verbose' });
    assert.equal(refused.code, 1);
    assert.equal(check(refused.report, 'config').status, 'error');
    assert.match(check(refused.report, 'config').finding, /TESSERA_LOG_LEVEL must be one of/);

    const badUrl = await run(['doctor', '--url', 'ftp://example.com', '--offline']);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /^tessera: error: .*--url must be an http or https URL, not 'ftp:\/\/example\.com'\n$/, 'one line');
    assert.equal(badUrl.stdout, '');
    const unknown = await run(['doctor', '--no-such-flag']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--no-such-flag'/);
  });

  it('finds a store file that is not a database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-doctor-'));
    tempDirs.push(dir);
    writeFileSync(join(dir, SQLITE_FILE), 'not a database '.repeat(20), { mode: 0o600 });
    const { code, report } = await doctorJson(['--data', dir, '--offline']);
    assert.equal(code, 1);
    assert.equal(check(report, 'database').status, 'error');
    assert.match(check(report, 'database').finding, /file is not a database/);
    assert.ok(!report.checks.some((c) => c.id === 'migrations'), 'what needs the store is left out');
  });

  it('creates no data directory where none is', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tessera-doctor-cwd-'));
    try {
      const result = await run(['doctor', '--offline', '--json'], {}, cwd);
      assert.equal(result.code, 0, result.stdout);
      const report = JSON.parse(result.stdout) as Report;
      assert.equal(check(report, 'database').status, 'warn');
      assert.match(check(report, 'database').finding, /no store in \.\/data yet/);
      assert.ok(!existsSync(join(cwd, 'data')), 'no ./data was made');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
