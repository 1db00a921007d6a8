import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { tessera } from '../helpers/cli.js';
import { buildUser } from '../../src/core/accounts/users.js';
import { createPasswordHasher } from '../../src/core/accounts/passwords.js';

describe('password policy and hashing', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const create = (username: string, password: string, env: Record<string, string> = {}) =>
    tessera(['user', 'create', '--username', username, '--password-stdin', ...server.storeArgs, '--json'], password, false, env);

  it('refuses short and common passwords, and follows the configured minimum', async () => {
    const short = await create('shorty', 'elevenchars');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 12 characters/);
    // Long enough, but on the common-password list (compared without case).
    const common = await create('commoner', 'Password1234');
    assert.equal(common.code, 1, common.stdout);
    assert.match(common.stderr, /most common passwords/);
    assert.equal((await create('picky', 'a fine long passphrase')).code, 0);
    const stricter = await create('stricter', 'a fine long passphrase', { TESSERA_PASSWORD_MIN_LENGTH: '30' });
    assert.equal(stricter.code, 1);
    assert.match(stricter.stderr, /at least 30 characters/);
    const bad = await create('odd', 'a fine long passphrase', { TESSERA_PASSWORD_MIN_LENGTH: 'six' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /TESSERA_PASSWORD_MIN_LENGTH/);
  });

  it('rehashes a password made with older argon2 parameters at the next sign-in', async () => {
    const { ctx } = server.tessera;
    const old = await buildUser({ username: 'veteran', password: 'an old but good passphrase' }, await createPasswordHasher({ memoryCost: 2048, timeCost: 1, parallelism: 1 }), ctx.now());
    await ctx.stores.users.create(old);
    assert.match(old.passwordHash, /m=2048,t=1,p=1/);
    const browser = new Browser(server.issuer);
    const login = isPage(await browser.visit(`${server.issuer}/account`));
    const account = isPage(await browser.submit(login, { username: 'veteran', password: 'an old but good passphrase' }));
    assert.match(textOf(account.html), /Your account/);
    const stored = await ctx.stores.users.findById(old.id);
    assert.match(stored!.passwordHash, /m=1024,t=1,p=1/, 'the test server hashes with m=1024');
    assert.equal(await ctx.passwords.verify(stored!.passwordHash, 'an old but good passphrase'), true);
  });
});
