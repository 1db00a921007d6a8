import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createTestStore, startTestServer, type TestStore } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { userinfoStatus } from '../helpers/http.js';
import { tessera } from '../helpers/cli.js';
import { privateKeyMaterial, storeValues } from '../helpers/store-dump.js';
import { openStores } from '../../src/server.js';
import { loadPepper } from '../../src/pepper.js';
import { unseal } from '../../src/core/crypto.js';
import { sealStoredKeys } from '../../src/core/keys/key-ring.js';
import { SQLITE_FILE, openSqliteStores } from '../../src/store/sqlite/open.js';

const onPostgres = process.env['TESSERA_TEST_STORE'] === 'postgres';
const location = (store: TestStore) => ({ dataDir: store.dataDir, ...(store.database ? { databaseUrl: store.database.url } : {}) });

/** Puts every signing key back in clear, as releases before sealing stored them. */
async function unsealKeysAsOldReleasesStored(store: TestStore): Promise<number> {
  const pepper = loadPepper(store.dataDir);
  const stores = await openStores(location(store));
  try {
    const keys = await stores.keys.all();
    for (const key of keys) {
      const clear = unseal(pepper, key.privateJwk, 'signing_key');
      assert.ok(clear, `key ${key.kid} opens with the pepper`);
      assert.equal(await stores.keys.replacePrivateJwk(key.kid, key.privateJwk, clear), true);
    }
    return keys.length;
  } finally {
    await stores.close();
  }
}

describe('what the store keeps', () => {
  it('holds codes, refresh tokens, client secrets, passwords and session ids only as hashes, and no private key in clear', async () => {
    const server = await startTestServer();
    try {
      const user = await server.addUser({ username: 'rest', password: 'stored only hashed' });
      const app = await server.addClient({ name: 'Web', redirectUris: ['https://w.example.com/cb'], scopes: ['openid'] });
      const config = await discover(server, app.clientId, app.secret);
      const browser = new Browser(server.issuer);
      const { tokens, callback } = await codeFlow(server, config, 'https://w.example.com/cb', 'openid', { username: 'rest', password: user.password }, browser);
      const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);

      const where = { dataDir: server.dataDir, ...(server.databaseUrl ? { database: { url: server.databaseUrl } } : {}) };
      const values = await storeValues(where);
      const dump = values.map((v) => v.value).join('\n');
      assert.ok(dump.includes(app.clientId), 'the dump does hold the data');
      assert.ok(values.some((v) => v.table === 'signing_keys' && v.column === 'private_jwk'), 'the keys are in the dump');
      const raw = {
        code: callback.searchParams.get('code')!, refresh_token: tokens.refresh_token!, rotated_refresh_token: rotated.refresh_token!,
        client_secret: app.secret!, password: user.password, session: browser.cookies.get('tessera_session')!, browser_binding: browser.cookies.get('tessera_browser')!,
      };
      for (const [name, value] of Object.entries(raw)) {
        assert.ok(value);
        assert.ok(!dump.includes(value), `${name} is stored in the clear`);
      }
      assert.deepEqual(await privateKeyMaterial(where), [], 'no table or column holds a private JWK member in clear');
    } finally {
      await server.close();
    }
  });

  it('seals signing keys an earlier release stored in clear, at start and in `tessera migrate`; tokens they signed still verify', async () => {
    const store = await createTestStore();
    try {
      const first = await startTestServer({}, undefined, { store });
      const user = await first.addUser({ username: 'old', password: 'signed before sealing' });
      const app = await first.addClient({ name: 'Web', redirectUris: ['https://w.example.com/cb'], scopes: ['openid'] });
      const config = await discover(first, app.clientId, app.secret);
      const { tokens } = await codeFlow(first, config, 'https://w.example.com/cb', 'openid', { username: 'old', password: user.password });
      await first.close();

      const keyCount = await unsealKeysAsOldReleasesStored(store);
      assert.ok(keyCount >= 2);
      assert.ok((await privateKeyMaterial(store)).includes('signing_keys.private_jwk'), 'the scan finds a key in clear');

      const second = await startTestServer({}, undefined, { store, port: first.port });
      try {
        assert.deepEqual(await privateKeyMaterial(store), [], 'the server sealed every key at start');
        assert.equal(await userinfoStatus(second.issuer, tokens.access_token), 200, 'an access token signed before still verifies');
        const jwks = createRemoteJWKSet(new URL(`${second.issuer}/jwks`));
        const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: second.issuer });
        assert.equal(payload.sub, user.sub, 'so does an ID token');
        const again = await codeFlow(second, await discover(second, app.clientId, app.secret), 'https://w.example.com/cb', 'openid', { username: 'old', password: user.password });
        assert.equal(await userinfoStatus(second.issuer, again.tokens.access_token), 200, 'the sealed keys sign');
      } finally {
        await second.close();
      }

      await unsealKeysAsOldReleasesStored(store);
      const migrated = await tessera(['migrate', '--data', store.dataDir, ...(store.database ? ['--database-url', store.database.url] : [])]);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, new RegExp(`sealed ${keyCount} signing key`));
      assert.deepEqual(await privateKeyMaterial(store), []);
    } finally {
      await store.remove();
    }
  });

  it('seals each clear key exactly once when several nodes start at once', async () => {
    const store = await createTestStore();
    try {
      const server = await startTestServer({}, undefined, { store });
      await server.close();
      const keyCount = await unsealKeysAsOldReleasesStored(store);
      const pepper = loadPepper(store.dataDir);
      const nodes = await Promise.all([1, 2, 3].map(() => openStores(location(store))));
      try {
        const sealed = await Promise.all(nodes.map((n) => sealStoredKeys(n.keys, pepper)));
        assert.equal(sealed.flat().length, keyCount, 'every key sealed, none twice');
        for (const key of await nodes[0]!.keys.all()) assert.ok(unseal(pepper, key.privateJwk, 'signing_key'), `${key.kid} opens`);
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
      }
      assert.deepEqual(await privateKeyMaterial(store), []);
    } finally {
      await store.remove();
    }
  });
});

describe('the data directory', { skip: onPostgres }, () => {
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('is created 0700, with the database files and the pepper 0600', async () => {
    const server = await startTestServer();
    try {
      // The -wal and -shm files exist while the store is open.
      assert.equal(mode(server.dataDir), 0o700);
      for (const name of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`, 'pepper']) {
        assert.equal(mode(join(server.dataDir, name)).toString(8), '600', name);
      }
    } finally {
      await server.close();
    }
  });

  it('makes serve warn, without failing, when the directory or its files are open to others', async () => {
    const store = await createTestStore();
    try {
      const stores = await openSqliteStores(store.dataDir);
      await stores.close();
      loadPepper(store.dataDir);
      chmodSync(store.dataDir, 0o755);
      chmodSync(join(store.dataDir, SQLITE_FILE), 0o644);
      const lines: string[] = [];
      const server = await startTestServer({}, { level: 'warn', stream: { write: (line: string) => lines.push(line) } }, { store });
      await server.close();
      const warned = lines.map((l) => JSON.parse(l) as { level: number; path?: string; mode?: string }).filter((l) => l.level === 40 && l.path);
      assert.deepEqual(
        warned.map((l) => [l.path, l.mode]).sort(),
        [[store.dataDir, '0755'], [join(store.dataDir, SQLITE_FILE), '0644'], [join(store.dataDir, `${SQLITE_FILE}-shm`), '0644'], [join(store.dataDir, `${SQLITE_FILE}-wal`), '0644']].sort(),
      );

      for (const name of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`]) {
        if (existsSync(join(store.dataDir, name))) chmodSync(join(store.dataDir, name), 0o600);
      }
      chmodSync(store.dataDir, 0o700);
      lines.length = 0;
      const tidy = await startTestServer({}, { level: 'warn', stream: { write: (line: string) => lines.push(line) } }, { store });
      await tidy.close();
      assert.deepEqual(lines.filter((l) => l.includes('open to other users')), []);
    } finally {
      await store.remove();
    }
  });
});
