import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, tessera } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';

const running: Tail[] = [];
// A failed test leaves no tail running behind it.
after(() => {
  for (const t of running) t.child.kill('SIGKILL');
});

/** `tessera audit tail` running as an operator runs it, until it is interrupted. */
class Tail {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [`${ROOT}/bin/tessera.js`, 'audit', 'tail', '--interval', '0.2', ...args], { env: { ...process.env, ...env } });
    this.child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
    running.push(this);
  }
  async until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!done()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stdout: ${this.stdout}; stderr: ${this.stderr}`);
      await sleep(25);
    }
  }
  ready = () => this.until('tail to start', () => this.stderr.includes('following the audit log'));
  lines = () => this.stdout.split('\n').filter(Boolean);
  events = () => this.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
  /** Ctrl-C: it must end at once and cleanly. */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

async function serviceToken(server: TestServer, clientId: string, secret: string): Promise<void> {
  assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(clientId, secret))).status, 200);
}

describe('tessera audit tail', () => {
  it('on the embedded store: prints an event made after it started, once, and stops on Ctrl-C', async () => {
    const server = await startTestServer();
    try {
      const c = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
      await serviceToken(server, c.clientId, c.secret!); // before: not printed
      const tail = new Tail([...server.storeArgs, '--json']);
      await tail.ready();
      await serviceToken(server, c.clientId, c.secret!);
      await tail.until('the new event', () => tail.events().length === 1);
      await sleep(600);
      const [event] = tail.events();
      assert.equal(event!['type'], 'token.issued');
      assert.equal(event!['client_id'], c.clientId);
      assert.equal(tail.events().length, 1, 'printed once, and nothing from before it started');
      assert.equal(await tail.interrupt(), 0);
    } finally {
      await server.close();
    }
  });

  it('prints readable lines, and with --since the events before it started first', async () => {
    const server = await startTestServer();
    try {
      const c = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
      await serviceToken(server, c.clientId, c.secret!);
      const tail = new Tail([...server.storeArgs, '--since', '1h', '--type', 'token.issued']);
      await tail.ready();
      assert.equal(tail.lines().length, 1);
      await serviceToken(server, c.clientId, c.secret!);
      await tail.until('the second line', () => tail.lines().length === 2);
      for (const line of tail.lines()) assert.match(line, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z info +token\\.issued success client_id=${c.clientId}`));
      assert.equal(await tail.interrupt(), 0);
    } finally {
      await server.close();
    }
  });

  describe('on PostgreSQL, with two nodes and through the admin API', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let dirs: string[];
    let nodes: TestServer[];
    before(async () => {
      database = await createTestDatabase();
      dirs = [mkdtempSync(join(tmpdir(), 'tessera-tail-a-')), mkdtempSync(join(tmpdir(), 'tessera-tail-b-'))];
      // Both nodes share the database and the pepper.
      const first = await startTestServer({}, undefined, { store: { dataDir: dirs[0]!, database, remove: async () => undefined } });
      const { readFileSync } = await import('node:fs');
      writeFileSync(join(dirs[1]!, 'pepper'), readFileSync(join(dirs[0]!, 'pepper')), { mode: 0o600 });
      const second = await startTestServer({}, undefined, { store: { dataDir: dirs[1]!, database, remove: async () => undefined } });
      nodes = [first, second];
    });
    after(async () => {
      for (const n of nodes) await n.close();
      await database.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('sees every node\'s events', async () => {
      const c = await nodes[0]!.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
      const tail = new Tail([...nodes[0]!.storeArgs, '--json']);
      await tail.ready();
      await Promise.all([serviceToken(nodes[0]!, c.clientId, c.secret!), serviceToken(nodes[1]!, c.clientId, c.secret!), serviceToken(nodes[1]!, c.clientId, c.secret!)]);
      await tail.until('3 events', () => tail.events().length === 3);
      await sleep(600);
      assert.equal(tail.events().length, 3);
      assert.equal(new Set(tail.events().map((e) => e['id'])).size, 3);
      assert.equal(await tail.interrupt(), 0);
    });

    it('follows a running server after tessera admin login', async () => {
      const configDir = mkdtempSync(join(tmpdir(), 'tessera-tail-login-'));
      try {
        const env = { TESSERA_ADMIN_CONFIG: join(configDir, 'admin.json'), TESSERA_DATA_DIR: '', TESSERA_DATABASE_URL: '' };
        const reader = await nodes[0]!.addClient({ name: 'auditor', grantTypes: ['client_credentials'], scopes: ['tessera:admin:read'] });
        const login = await tessera(['admin', 'login', '--url', nodes[0]!.issuer, '--client-id', reader.clientId, '--client-secret-stdin'], reader.secret!, false, env);
        assert.equal(login.code, 0, login.stderr);
        const c = await nodes[0]!.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
        const tail = new Tail(['--json', '--client', c.clientId], env);
        await tail.ready();
        await serviceToken(nodes[1]!, c.clientId, c.secret!);
        await tail.until('the event', () => tail.events().length === 1);
        assert.equal(tail.events()[0]!['type'], 'token.issued');
        assert.equal(await tail.interrupt(), 0);
      } finally {
        rmSync(configDir, { recursive: true, force: true });
      }
    });
  });
});
