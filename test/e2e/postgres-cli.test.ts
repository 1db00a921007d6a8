import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tessera } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { MIGRATION_NAMES } from '../../src/store/sql/migrations.js';

describe('the tessera CLI on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  const pepper = randomBytes(32).toString('base64url');
  const on = (extra: Record<string, string> = {}) => ({ TESSERA_DATABASE_URL: database.url, TESSERA_PEPPER: pepper, TESSERA_DATA_DIR: dir, ...extra });

  before(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tessera-pg-cli-'));
  });
  after(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates an empty database once (npx tessera migrate), then has nothing to apply', async () => {
    const first = await tessera(['migrate'], undefined, true, on());
    assert.equal(first.code, 0, first.stderr);
    // Every migration this release has, in order, the last one before the full stop.
    assert.match(first.stdout, new RegExp(`applied ${MIGRATION_NAMES.join(', ')}; the schema is up to date`));
    const again = await tessera(['migrate', '--database-url', database.url], undefined, false, on());
    assert.match(again.stdout, /nothing to apply/);
  });

  it('reads secret settings from files, and refuses a variable given twice', async () => {
    const urlFile = join(dir, 'database_url');
    const pepperFile = join(dir, 'pepper_secret');
    writeFileSync(urlFile, database.url + '\n');
    writeFileSync(pepperFile, pepper + '\n');
    const created = await tessera(['client', 'create', '--name', 'From files', '--grant-type', 'client_credentials', '--scope', 'api:read', '--json'], undefined, false, {
      TESSERA_DATABASE_URL_FILE: urlFile,
      TESSERA_PEPPER_FILE: pepperFile,
      TESSERA_DATA_DIR: dir,
    });
    assert.equal(created.code, 0, created.stderr + created.stdout);
    const listed = await tessera(['client', 'list', '--json'], undefined, false, on());
    assert.match(listed.stdout, /From files/);
    const twice = await tessera(['client', 'list'], undefined, false, on({ TESSERA_PEPPER_FILE: pepperFile }));
    assert.equal(twice.code, 1);
    assert.equal(twice.stderr, 'tessera: error: both TESSERA_PEPPER and TESSERA_PEPPER_FILE are set: use one\n');
  });

  it('refuses to work with another pepper than the one the database was set up with', async () => {
    const other = await tessera(['client', 'list'], undefined, false, on({ TESSERA_PEPPER: randomBytes(32).toString('base64url') }));
    assert.equal(other.code, 1);
    assert.match(other.stderr, /^tessera: error: this pepper is not the one the store was set up with/);
    const serving = await tessera(['serve', '--port', '0'], undefined, false, on({ TESSERA_PEPPER: randomBytes(32).toString('base64url') }));
    assert.equal(serving.code, 1);
    assert.match(serving.stderr, /this pepper is not the one the store was set up with/);
  });

  it('says in one line, without the password, when the database cannot be used', async () => {
    const run = await tessera(['client', 'list'], undefined, false, on({ TESSERA_DATABASE_URL: 'postgres://tessera:hunter2-secret@127.0.0.1:1/nowhere' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^tessera: error: cannot use the PostgreSQL database at postgres:\/\/tessera:\*\*\*@127\.0\.0\.1:1\/nowhere: /);
    assert.doesNotMatch(run.stderr, /hunter2/);
    assert.equal(run.stderr.split('\n').filter((l) => l !== '').length, 1, run.stderr);
  });
});
