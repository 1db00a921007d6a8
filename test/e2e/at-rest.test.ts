import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import * as client from 'openid-client';
import { startTestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { SQLITE_FILE } from '../../src/store/sqlite/open.js';

// These read the SQLite file itself. On PostgreSQL the same SQL stores (src/store/sql) write the rows.
describe('what the store keeps', { skip: process.env['TESSERA_TEST_STORE'] === 'postgres' }, () => {
  it('holds codes, refresh tokens, client secrets, passwords and session ids only as hashes', async () => {
    const server = await startTestServer();
    try {
      const user = await server.addUser({ username: 'rest', password: 'stored only hashed' });
      const app = await server.addClient({ name: 'Web', redirectUris: ['https://w.example.com/cb'], scopes: ['openid'] });
      const config = await discover(server, app.clientId, app.secret);
      const browser = new Browser(server.issuer);
      const { tokens, callback } = await codeFlow(server, config, 'https://w.example.com/cb', 'openid', { username: 'rest', password: user.password }, browser);
      const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);

      const db = new Sqlite(join(server.dataDir, SQLITE_FILE), { readonly: true });
      const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
      const dump = tables.map(({ name }) => JSON.stringify(db.prepare(`select * from "${name}"`).all())).join('\n');
      db.close();

      assert.ok(dump.includes(app.clientId), 'the dump does hold the data');
      const raw = {
        code: callback.searchParams.get('code')!, refresh_token: tokens.refresh_token!, rotated_refresh_token: rotated.refresh_token!,
        client_secret: app.secret!, password: user.password, session: browser.cookies.get('tessera_session')!, browser_binding: browser.cookies.get('tessera_browser')!,
      };
      for (const [name, value] of Object.entries(raw)) {
        assert.ok(value);
        assert.ok(!dump.includes(value), `${name} is stored in the clear`);
      }
    } finally {
      await server.close();
    }
  });
});
