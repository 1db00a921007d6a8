import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tessera, type Run } from '../helpers/cli.js';
import { freePort } from '../helpers/server.js';

/** Exactly one line on stderr, in the one shape every failure has, with exit 1. */
function oneErrorLine(run: Run, message: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^tessera: error: [^\n]+\n$/, run.stderr);
  assert.match(run.stderr.slice('tessera: error: '.length).trimEnd(), message);
  assert.doesNotMatch(run.stderr, /\bat .*\.js:\d+/, 'no stack trace');
}

describe('the tessera CLI: version, failures in one shape, migrate --json', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-failures-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the package version with --version and -v', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const run = await tessera([flag]);
      assert.deepEqual([run.code, run.stdout, run.stderr], [0, `${version}\n`, ''], flag);
    }
  });

  it("puts commander's usage errors in the same shape as every other failure", async () => {
    oneErrorLine(await tessera(['client', 'create', '--bogus']), /^unknown option '--bogus'$/);
    oneErrorLine(await tessera(['nope']), /^unknown command 'nope'/);
    oneErrorLine(await tessera(['client', 'show']), /^missing required argument 'clientId'$/);
    oneErrorLine(await tessera(['serve', '--port']), /^option '--port <port>' argument missing$/);
  });

  it('reports mistakes and store failures in one line: a bad flag, a data directory that cannot be made', async () => {
    oneErrorLine(await tessera(['serve', '--port', 'ninety', '--data', join(dir, 'never')]), /^--port must be a port number, not 'ninety'$/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    oneErrorLine(await tessera(['migrate', '--data', join(file, 'data')]), /ENOTDIR: not a directory, mkdir '.*a-file\/data'$/);
  });

  describe('serve that cannot start', () => {
    let holder: Server;
    let port: number;
    before(async () => {
      port = await freePort();
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    });
    after(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    it('says in one line that the port is in use, and exits 1', async () => {
      const run = await tessera(['serve', '--port', String(port), '--data', join(dir, 'busy')]);
      oneErrorLine(run, new RegExp(`^port ${port} is already in use on 127\\.0\\.0\\.1: stop what uses it or pass --port$`));
      assert.equal(run.stdout, '', 'never said it was ready');
    });

    it('says so when the address to listen on is not this machine’s', async () => {
      // 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine has it.
      const run = await tessera(['serve', '--port', String(await freePort()), '--host', '192.0.2.1', '--data', join(dir, 'elsewhere')]);
      oneErrorLine(run, /^cannot listen on 192\.0\.2\.1: this machine has no such address; pass --host$/);
    });
  });

  it('migrate --json prints what it applied, and an empty list the second time', async () => {
    const data = join(dir, 'migrated');
    const first = await tessera(['migrate', '--data', data, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const applied = JSON.parse(first.stdout) as { store: string; applied: string[]; sealed_keys: string[] };
    assert.equal(applied.store, data);
    assert.equal(applied.applied[0], '0001_initial');
    assert.ok(applied.applied.length > 10, first.stdout);
    assert.deepEqual(applied.sealed_keys, []);

    const again = await tessera(['migrate', '--data', data, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { store: data, applied: [], sealed_keys: [] });

    const plain = await tessera(['migrate', '--data', data]);
    assert.equal(plain.stdout, `${data}: nothing to apply; the schema is up to date\n`);
  });
});
