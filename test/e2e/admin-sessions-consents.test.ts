import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { Browser } from '../helpers/browser.js';
import type { AdminContext } from '../../src/core/admin/context.js';
import { endAllUserSessions, endUserSession, listUserSessions } from '../../src/core/admin/sessions.js';
import { listUserConsents, revokeUserConsent } from '../../src/core/admin/consents.js';
import { UserNotFoundError } from '../../src/core/admin/users.js';

const CALLBACK = 'https://app.example.com/cb';

describe('admin operations: a user\'s sessions and consents', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /** An admin context as the admin API will build one: actor a client. */
  const admin = (): AdminContext => {
    const { ctx } = server.tessera;
    return { stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor: 'client:ops', audit: (e) => ctx.audit.record({ ...e, actor: 'client:ops' }) };
  };

  async function signedIn(user: { username: string; password: string }, name: string) {
    const app = await server.addClient({ name, redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile'] });
    const config = await discover(server, app.clientId, app.secret);
    const browser = new Browser(server.issuer);
    const { tokens } = await codeFlow(server, config, CALLBACK, 'openid profile', user, browser);
    return { app, config, browser, tokens };
  }

  const signedOut = async (browser: Browser) => /name="password"/.test(((await browser.visit(`${server.issuer}/account`)) as { html: string }).html);

  it('lists the sessions of a user and ends one, then all; the browsers must sign in again', async () => {
    const user = await server.addUser({ username: 'sessy' });
    const first = await signedIn(user, 'One');
    const second = await signedIn(user, 'Two');
    const sessions = await listUserSessions(admin(), 'sessy');
    assert.equal(sessions.length, 2);
    assert.ok(sessions.every((s) => s.amr.includes('pwd') && !s.pendingSecondFactor && s.expiresAt > s.createdAt));
    assert.deepEqual(await endUserSession(admin(), 'sessy', sessions[0]!.id), { ended: true });
    assert.deepEqual(await endUserSession(admin(), 'sessy', sessions[0]!.id), { ended: false }, 'gone already');
    // One browser (whichever held that session) must sign in again; the other is still signed in.
    const out = [await signedOut(first.browser), await signedOut(second.browser)];
    assert.deepEqual([...out].sort(), [false, true]);
    const stillIn = out[0] ? second : first;
    const other = await server.addUser({ username: 'other-sessy' });
    assert.deepEqual(await endUserSession(admin(), other.username, sessions[1]!.id), { ended: false }, 'only the user\'s own sessions');
    assert.deepEqual(await endAllUserSessions(admin(), user.sub), { ended: 1 });
    assert.equal(await signedOut(stillIn.browser), true);
    assert.deepEqual(await listUserSessions(admin(), 'sessy'), []);
    // Tokens the apps hold are not a session: they stay until the consent goes.
    await client.refreshTokenGrant(first.config, first.tokens.refresh_token!);
    const events = await server.tessera.ctx.stores.audit.list({ type: 'session.ended', limit: 10 });
    assert.equal(events.filter((e) => e.userId === user.sub && e.actor === 'client:ops').length, 2);
  });

  it('lists the consents of a user and revokes one (by grant id or client id): its tokens stop, the others stay', async () => {
    const user = await server.addUser({ username: 'consenty' });
    const one = await signedIn(user, 'First app');
    const two = await signedIn(user, 'Second app');
    const consents = await listUserConsents(admin(), 'consenty');
    assert.deepEqual(consents.map((c) => c.clientName).sort(), ['First app', 'Second app']);
    assert.ok(consents.every((c) => c.scopes.includes('openid')));
    const first = consents.find((c) => c.clientId === one.app.clientId)!;
    const stranger = await server.addUser({ username: 'stranger' });
    assert.deepEqual(await revokeUserConsent(admin(), stranger.username, first.id), { revoked: false }, 'not the stranger\'s consent');
    assert.deepEqual(await revokeUserConsent(admin(), 'consenty', first.id), { revoked: true });
    await assert.rejects(client.refreshTokenGrant(one.config, one.tokens.refresh_token!));
    const refreshed = await client.refreshTokenGrant(two.config, two.tokens.refresh_token!);
    assert.deepEqual(await revokeUserConsent(admin(), 'consenty', two.app.clientId), { revoked: true });
    await assert.rejects(client.refreshTokenGrant(two.config, refreshed.refresh_token!));
    assert.deepEqual(await listUserConsents(admin(), 'consenty'), []);
    assert.deepEqual(await revokeUserConsent(admin(), 'consenty', 'nothing'), { revoked: false });
  });

  it('refuses an unknown user with UserNotFoundError', async () => {
    await assert.rejects(listUserSessions(admin(), 'nobody-here'), UserNotFoundError);
    await assert.rejects(listUserConsents(admin(), 'nobody-here'), UserNotFoundError);
  });
});
