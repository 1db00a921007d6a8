import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tessera, type Run } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * The CLI as a client of a running server (kcadm style): `tessera admin login` saves a checked
 * client-credentials login, and then commands without --data/--database-url go to the admin API.
 * The server runs on PostgreSQL, so the same commands run locally (on its store) can be compared
 * with their remote answers: same JSON, same exit codes.
 */
describe('the tessera CLI managing a running server through its admin API (PostgreSQL)', () => {
  let server: TestServer;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let configDir: string;
  let config: string;
  let admin: { clientId: string; secret?: string };
  let reader: { clientId: string; secret?: string };

  /** No store named by the environment: only flags name one. */
  const bare = () => ({ TESSERA_ADMIN_CONFIG: config, TESSERA_DATA_DIR: '', TESSERA_DATABASE_URL: '' });
  const remote = (args: string[], input?: string) => tessera(args, input, false, bare());
  const local = (args: string[], input?: string) => tessera([...args, ...server.storeArgs], input, false, bare());
  const json = <T = Record<string, unknown>>(run: Run): T => {
    assert.equal(run.code, 0, run.stderr + run.stdout);
    return JSON.parse(run.stdout) as T;
  };
  const login = (clientId: string, secret: string) => remote(['admin', 'login', '--url', server.issuer, '--client-id', clientId, '--client-secret-stdin', '--json'], secret);
  /** The same command locally (on the server's store) and remotely prints the same JSON. */
  async function same(args: string[]): Promise<unknown> {
    const [there, here] = await Promise.all([remote([...args, '--json']), local([...args, '--json'])]);
    assert.deepEqual(json(there), json(here), `tessera ${args.join(' ')}`);
    return json(there);
  }

  before(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-remote-'));
    server = await startTestServer({}, undefined, { store: { dataDir, database, remove: async () => undefined } });
    admin = await server.addClient({ name: 'ops', grantTypes: ['client_credentials'], scopes: ['tessera:admin'] });
    reader = await server.addClient({ name: 'auditor', grantTypes: ['client_credentials'], scopes: ['tessera:admin:read'] });
    configDir = mkdtempSync(join(tmpdir(), 'tessera-admin-config-'));
    config = join(configDir, 'tessera', 'admin.json');
  });
  after(async () => {
    await server.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it('refuses a wrong secret at login and saves nothing', async () => {
    const run = await login(admin.clientId, 'not-the-secret');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^tessera: error: http:\/\/127\.0\.0\.1:\d+ refused client '[^']+' \(invalid_client/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.equal(existsSync(config), false);
  });

  it('logs in with a tessera:admin client, saving the login readable by its owner only', async () => {
    const saved = json(await login(admin.clientId, admin.secret!));
    assert.deepEqual(saved, { server: server.issuer, client_id: admin.clientId, access: 'read-write', saved: config });
    assert.equal(statSync(config).mode & 0o777, 0o600);
    const status = json(await remote(['admin', 'status', '--check', '--json']));
    assert.equal(status['mode'], 'remote');
    assert.equal(status['server'], server.issuer);
    assert.equal(status['access'], 'read-write');
  });

  it('creates a client in the server\'s PostgreSQL store, which then gets tokens; client commands answer as locally', async () => {
    const created = json(await remote(['client', 'create', '--name', 'Remote app', '--type', 'confidential', '--grant-type', 'client_credentials', '--scope', 'openid', '--json']));
    const clientId = String(created['client_id']);
    assert.match(String(created['client_secret']), /.{40,}/);
    const token = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(clientId, String(created['client_secret'])));
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.ok(await server.tessera.ctx.stores.clients.find(clientId), 'in the server\'s store');
    await same(['client', 'list']);
    await same(['client', 'show', clientId]);
    const updated = json(await remote(['client', 'update', clientId, '--name', 'Renamed', '--json']));
    assert.equal(updated['client_name'], 'Renamed');
    const table = await remote(['client', 'list']);
    assert.equal(table.stdout, (await local(['client', 'list'])).stdout);
    const rotated = json(await remote(['client', 'rotate-secret', clientId, '--json']));
    assert.notEqual(rotated['client_secret'], created['client_secret']);
    assert.deepEqual(json(await remote(['client', 'delete', clientId, '--json'])), { deleted: clientId });
    const gone = await remote(['client', 'show', clientId]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, (await local(['client', 'show', clientId])).stderr);
  });

  it('manages users by username, as locally', async () => {
    const created = json(await remote(['user', 'create', '--username', 'rita', '--email', 'rita@example.com', '--name', 'Rita', '--password-stdin', '--json'], 'a long enough password'));
    assert.deepEqual(Object.keys(created), ['sub', 'username', 'email', 'email_verified', 'name', 'attributes', 'disabled', 'created_at', 'updated_at']);
    await same(['user', 'list']);
    await same(['user', 'show', 'rita']);
    await same(['user', 'show', String(created['sub'])]);
    assert.equal((await remote(['user', 'show', 'rita'])).stdout, (await local(['user', 'show', 'rita'])).stdout, 'the table too');
    assert.equal(json(await remote(['user', 'update', 'rita', '--name', 'Rita R', '--attr', 'dept=ops', '--json']))['name'], 'Rita R');
    const unlocked = json(await remote(['user', 'unlock', 'rita', '--json']));
    assert.deepEqual(Object.keys(unlocked), ['sub', 'username', 'unlocked_at']);
    assert.equal(json(await remote(['user', 'set-password', 'rita', '--password-stdin', '--json'], 'another long password'))['username'], 'rita');
    const weak = await remote(['user', 'set-password', 'rita', '--password-stdin'], 'short');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /^tessera: error: /);
    assert.equal(json(await remote(['user', 'disable', 'rita', '--json']))['disabled'], true);
    assert.equal(json(await remote(['user', 'enable', 'rita', '--json']))['disabled'], false);
    assert.deepEqual(json(await remote(['user', 'mfa', 'reset', 'rita', '--json'])), { user: created['sub'], username: 'rita', second_factor_removed: false });
    const missing = await remote(['user', 'show', 'nobody']);
    assert.deepEqual([missing.code, missing.stderr], [1, "tessera: error: no user 'nobody'\n"]);
  });

  it('manages groups, APIs and roles by name, as locally', async () => {
    json(await remote(['group', 'create', 'staff', '--description', 'Everyone', '--json']));
    json(await remote(['user', 'create', '--username', 'sam', '--password-stdin', '--json'], 'a long enough password'));
    assert.deepEqual(json(await remote(['group', 'add-member', 'staff', 'sam', '--json'])), { group: 'staff', user: 'sam', added: true });
    assert.deepEqual(json(await remote(['group', 'add-member', 'staff', 'rita', '--json'])), { group: 'staff', user: 'rita', added: true });
    const staff = (await same(['group', 'show', 'staff'])) as { members: { username: string }[] };
    assert.deepEqual(staff.members.map((m) => m.username), ['rita', 'sam']);
    await same(['group', 'list']);

    json(await remote(['api', 'create', '--identifier', 'https://ledger.example.com', '--name', 'Ledger', '--scope', 'ledger:read=Read the ledger', '--json']));
    await same(['api', 'show', 'Ledger']);
    await same(['api', 'list']);
    assert.equal(json(await remote(['api', 'update', 'https://ledger.example.com', '--rbac', 'on', '--json']))['rbac'], true);
    json(await remote(['api', 'role', 'add', 'Ledger', 'bookkeeper', '--scope', 'ledger:read', '--json']));
    json(await remote(['role', 'create', 'auditor', '--description', 'reads logs', '--json']));
    assert.deepEqual(json(await remote(['role', 'grant', 'bookkeeper', '--api', 'Ledger', '--group', 'staff', '--json'])), { role: 'bookkeeper', api: 'Ledger', group: 'staff', granted: true });
    assert.equal(json(await remote(['api', 'role', 'grant', 'Ledger', 'bookkeeper', '--user', 'sam', '--json']))['granted'], true);
    await same(['role', 'show', 'bookkeeper', '--api', 'https://ledger.example.com']);
    await same(['role', 'list']);
    await same(['role', 'list', '--api', 'global']);
    await same(['api', 'role', 'list', 'Ledger']);
    assert.equal(json(await remote(['role', 'revoke', 'bookkeeper', '--api', 'Ledger', '--user', 'sam', '--json']))['revoked'], true);
    assert.deepEqual(json(await remote(['api', 'role', 'remove', 'Ledger', 'bookkeeper', '--json'])), { deleted: 'bookkeeper', api: 'Ledger' });
    assert.equal(json(await remote(['group', 'remove-member', 'staff', 'sam', '--json']))['removed'], true);
    assert.deepEqual(json(await remote(['group', 'delete', 'staff', '--json'])), { deleted: 'staff' });
    assert.deepEqual(json(await remote(['api', 'delete', 'Ledger', '--json'])), { deleted: 'Ledger' });
    const gone = await remote(['group', 'show', 'staff']);
    assert.deepEqual([gone.code, gone.stderr], [1, "tessera: error: no group 'staff'\n"]);
  });

  it('manages and tests identity providers, as locally', async () => {
    const added = json(await remote(['idp', 'add', 'oidc', '--name', 'self', '--issuer', server.issuer, '--client-id', 'tessera', '--client-secret-stdin', '--json'], 'upstream-secret'));
    assert.equal(added['has_secret'], true);
    assert.equal(added['redirect_uri'], (await same(['idp', 'show', 'self']) as Record<string, unknown>)['redirect_uri']);
    await same(['idp', 'list']);
    assert.deepEqual(json(await remote(['idp', 'test', 'self', '--json'])), { provider: 'self', ok: true, checked: 'discovery and keys fetched' });
    assert.equal(json(await remote(['idp', 'update', 'self', '--display-name', 'Myself', '--json']))['display_name'], 'Myself');
    assert.equal(json(await remote(['idp', 'disable', 'self', '--json']))['enabled'], false);
    assert.equal(json(await remote(['idp', 'enable', 'self', '--json']))['enabled'], true);
    assert.deepEqual(json(await remote(['idp', 'remove', 'self', '--json'])), { removed: 'self' });
  });

  it('lists, rotates and prunes keys; issues, lists and revokes registration tokens; reads the audit log', async () => {
    const before = json<{ kid: string }[]>(await remote(['keys', 'list', '--json']));
    const rotated = json<{ kid: string }[]>(await remote(['keys', 'rotate', '--alg', 'ES256', '--json']));
    assert.equal(rotated.length, 1, 'the new key');
    assert.equal(json<unknown[]>(await remote(['keys', 'list', '--json'])).length, before.length + 1);
    const strip = (keys: Record<string, unknown>[]) => keys.map(({ prunable_at: _p, ...k }) => k);
    assert.deepEqual(strip(json(await remote(['keys', 'list', '--json']))), strip(json(await local(['keys', 'list', '--json']))));
    assert.deepEqual(Object.keys(json(await remote(['keys', 'prune', '--json']))), ['pruned']);

    const token = json(await remote(['registration-token', 'create', '--uses', '2', '--json']));
    assert.deepEqual(Object.keys(token), ['token', 'expires_at', 'uses']);
    const tokens = (await same(['registration-token', 'list'])) as { id: string }[];
    assert.equal(tokens.length, 1);
    assert.deepEqual(json(await remote(['registration-token', 'revoke', String(token['token']), '--json'])), { revoked: tokens[0]!.id });

    const events = (await same(['audit', 'list', '--type', 'client.created'])) as { actor: string }[];
    assert.ok(events.length >= 1);
    assert.equal(json<unknown[]>(await remote(['audit', 'list', '--limit', '3', '--json'])).length, 3);
    const bad = await remote(['audit', 'list', '--limit', 'many']);
    assert.deepEqual([bad.code, bad.stderr], [1, (await local(['audit', 'list', '--limit', 'many'])).stderr]);
  });

  it('goes to the store instead when --data or --database-url is given', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'tessera-other-'));
    try {
      const run = await tessera(['client', 'list', '--json', '--data', elsewhere], undefined, false, bare());
      assert.deepEqual(json(run), []);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('with a read-only login reads but cannot write (one clear line, exit 1)', async () => {
    const saved = json(await login(reader.clientId, reader.secret!));
    assert.equal(saved['access'], 'read-only');
    assert.equal((await remote(['client', 'list', '--json'])).code, 0);
    const write = await remote(['client', 'create', '--name', 'Nope', '--json']);
    assert.deepEqual([write.code, write.stdout], [1, '']);
    assert.equal(write.stderr, 'tessera: error: changes need the tessera:admin scope; this token is read-only\n');
  });

  it('refuses a saved login that others can read, like ssh', async () => {
    chmodSync(config, 0o644);
    const run = await remote(['client', 'list']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^tessera: error: .*admin\.json holds a client secret but others can read it \(mode 0644\): run chmod 600 /);
    chmodSync(config, 0o600);
  });

  it('logs out; then, in a directory without a store, refuses to create an empty one', async () => {
    assert.deepEqual(json(await remote(['admin', 'logout', '--json'])), { removed: config });
    assert.equal(existsSync(config), false);
    const cwd = mkdtempSync(join(tmpdir(), 'tessera-cwd-'));
    try {
      for (const args of [['client', 'create', '--name', 'Lost', '--json'], ['user', 'list'], ['keys', 'list']]) {
        const run = await tessera(args, undefined, false, bare(), cwd);
        assert.equal(run.code, 1, args.join(' '));
        assert.equal(
          run.stderr,
          'tessera: error: no store in ./data: name one with --data DIR or --database-url URL (or TESSERA_DATA_DIR, TESSERA_DATABASE_URL), or run tessera admin login --url URL to manage a running server\n',
        );
      }
      assert.deepEqual(readdirSync(cwd), [], 'nothing was created');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
