import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * Attack (review of issues 15/16): docs/deployment.md says that when PostgreSQL stalls "nothing
 * half-done is left behind: each write is one statement or one transaction". Revoking an app on
 * /account (revokeGrant) is three statements: the grant is deleted, then refresh tokens, then
 * access tokens are swept. When the database stops answering after the first, the user gets a
 * 503, the app is gone from their account page (so there is nothing to retry), and its access
 * token stays active at introspection, because introspection looks only at the swept records.
 */

const CALLBACK = 'https://app.example.com/cb';

function isPage(step: Page | { leftTo: string }): Page {
  if ('leftTo' in step) throw new Error(`expected a page, left to ${step.leftTo}`);
  return step;
}

/** A TCP proxy to PostgreSQL that, once armed, swallows the first message containing `pattern` and everything after it on that connection (the database stalls for that request). */
async function stallOn(targetPort: number, targetHost: string): Promise<{ port: number; arm(pattern: string): void; stalled(): boolean; close(): Promise<void> }> {
  let armed: string | undefined;
  let hit = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, targetHost);
    let frozen = false;
    for (const s of [inbound, outbound]) sockets.add(s);
    inbound.on('data', (data: Buffer) => {
      if (!frozen && armed !== undefined && data.includes(armed)) {
        frozen = true;
        hit = true;
        armed = undefined;
      }
      if (!frozen) outbound.write(data);
    });
    outbound.on('data', (data: Buffer) => {
      if (!frozen) inbound.write(data);
    });
    const end = () => {
      for (const s of [inbound, outbound]) {
        sockets.delete(s);
        s.destroy();
      }
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return {
    port: address.port,
    arm(pattern) {
      armed = pattern;
    },
    stalled: () => hit,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a PostgreSQL stall in the middle of revoking an app', () => {
  let proxy: Awaited<ReturnType<typeof stallOn>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let server: TestServer;

  before(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = await stallOn(Number(target.port || 5432), target.hostname);
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-half-'));
    server = await startTestServer({ signInLimits: { delayMs: 1 } }, undefined, { store: { dataDir, database: { url: viaProxy.toString() }, remove: async () => {} } });
  });
  after(async () => {
    await server.close();
    await proxy.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no access token of a revoked app active after the revocation answered 503', async () => {
    const user = await server.addUser({ username: 'quinn' });
    const app = await server.addClient({ name: 'Notes', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid'] });
    const browser = new Browser(server.issuer);
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: CALLBACK, scope: 'openid', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const back = await browser.authorize(`${server.issuer}/authorize?${query}`, { username: 'quinn', password: user.password });
    const tokens = await postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: verifier }, basic(app.clientId, app.secret!));
    assert.equal(tokens.status, 200);
    const accessToken = String(tokens.body['access_token']);
    const active = async () => (await postForm(`${server.issuer}/introspect`, { token: accessToken }, basic(app.clientId, app.secret!))).body['active'] === true;
    assert.equal(await active(), true);

    // Quinn revokes the app; the database stops answering just after the grant is deleted.
    const account = isPage(await browser.visit(`${server.issuer}/account`));
    assert.match(textOf(account.html), /Notes/);
    proxy.arm('update "refresh_tokens" set "revoked_at"');
    const revoked = isPage(await browser.submit(account, {}, '/account/revoke'));
    assert.ok(proxy.stalled(), 'the stall hit the sweep');
    assert.equal(revoked.status, 503, textOf(revoked.html).slice(0, 120));

    // The database answers again. Quinn's account page no longer lists the app, so there is nothing to retry...
    const after = isPage(await browser.visit(`${server.issuer}/account`));
    assert.doesNotMatch(textOf(after.html), /Notes/);
    assert.throws(() => formOf(after.html, '/account/revoke'));
    // ...and the app's access token must not be active.
    assert.equal(await active(), false, 'the access token of the revoked app is still active at introspection');
  });
});
