import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { Browser } from '../helpers/browser.js';

const CALLBACK = 'https://app.example.com/cb';
const TABLES = ['codes', 'refresh_tokens', 'issued_access_tokens', 'revoked_jtis', 'sessions', 'interactions'] as const;

// These read the SQLite file itself. On PostgreSQL the same SQL stores (src/store/sql) write the rows.
describe('background cleanup of expired records', { skip: process.env['TESSERA_TEST_STORE'] === 'postgres' }, () => {
  let server: TestServer;
  let db: Sqlite.Database;

  before(async () => {
    server = await startTestServer({ intervals: { cleanup: 0.2 } });
    db = new Sqlite(join(server.dataDir, 'tessera.sqlite'), { readonly: true });
  });
  after(async () => {
    db.close();
    await server.close();
  });

  const count = (table: (typeof TABLES)[number]) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

  it('removes codes, refresh tokens, access-token records, revocations, sessions and interactions once expired, on its own', async () => {
    const user = await server.addUser({ username: 'carl' });
    const app = await server.addClient({ name: 'App', redirectUris: [CALLBACK], scopes: ['openid'] });
    const config = await discover(server, app.clientId, app.secret);
    const { tokens } = await codeFlow(server, config, CALLBACK, 'openid', { username: user.username, password: user.password }, new Browser(server.issuer));
    await client.tokenRevocation(config, tokens.access_token);
    // An interaction left unfinished.
    await new Browser(server.issuer).visit(
      client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).href,
    );
    for (const table of TABLES) assert.ok(count(table) > 0, `${table} has a record to expire`);

    // Nothing is due yet: the scheduled runs leave live records alone.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(count('refresh_tokens') > 0 && count('sessions') > 0 && count('revoked_jtis') > 0);

    server.advance(31 * 24 * 3600);
    try {
      let left = Infinity;
      for (let i = 0; i < 50 && left > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = TABLES.reduce((n, t) => n + count(t), 0);
      }
      for (const table of TABLES) assert.equal(count(table), 0, `${table} is empty`);
    } finally {
      server.advance(-31 * 24 * 3600);
    }
  });

  it('works through a large backlog in batches while requests keep being answered', async () => {
    const { stores } = server.tessera.ctx;
    const now = server.tessera.ctx.now();
    for (let i = 0; i < 3000; i++) {
      await stores.sessions.create({ idHash: `s${i}`, userId: 'u', authTime: now, amr: ['pwd'], pendingFactor: null, createdAt: now - 10, expiresAt: now - 1, absoluteExpiresAt: now - 1 });
    }
    const cleanup = server.tessera.cleanUp();
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.issuer}/.well-known/openid-configuration`).then((r) => r.status)));
    const report = await cleanup;
    assert.ok(answers.every((s) => s === 200));
    assert.equal(count('sessions'), 0);
    assert.ok(report.sessions <= 3000);
  });
});
