import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { Browser, isPage, textOf } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js';
import { follow, passkeyOptions, postPasskey, registerPasskey, securityPageAfterPassword, startCodeFlow } from '../helpers/passkey-flows.js';
import { totp } from '../helpers/totp.js';

const CALLBACK = 'https://app.example/callback';

describe('passkeys over HTTP, with a software authenticator', () => {
  let server: TestServer;
  let appId: string;

  before(async () => {
    server = await startTestServer();
    appId = (await server.addClient({ name: 'Notes', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [CALLBACK], scopes: ['openid'], firstParty: true })).clientId;
  });
  after(() => server.close());

  it('registers a passkey on the security page, lists it, and signs in with it alone: amr hwk+mfa, acr phr', async () => {
    const user = await server.addUser({ username: 'petra' });
    const browser = new Browser(server.issuer);
    const authenticator = new SoftwareAuthenticator(server.issuer);
    const page = await securityPageAfterPassword(server, browser, user);
    const options = passkeyOptions(page, 'register');
    // RP = the issuer's host; a discoverable credential with user verification; the handle is not the user's id.
    assert.equal(options['rp'].id, '127.0.0.1');
    assert.equal(options['authenticatorSelection'].residentKey, 'required');
    assert.equal(options['authenticatorSelection'].userVerification, 'required');
    assert.notEqual(Buffer.from(options['user'].id, 'base64url').toString(), user.sub);
    assert.equal(Buffer.from(options['user'].id, 'base64url').length, 32);
    const after = await registerPasskey(browser, page, authenticator, 'Laptop');
    assert.match(textOf(after.html), /Your passkey is added/);
    assert.match(textOf(after.html), /Laptop .*on one device.*not used yet/);
    // The next registration excludes the one registered.
    assert.deepEqual(passkeyOptions(after, 'register')['excludeCredentials'].map((c: { id: string }) => c.id), [authenticator.credentials[0]!.id]);
    const [event] = await server.tessera.ctx.stores.audit.list({ user: user.sub, type: 'passkey.registered', limit: 1 });
    assert.equal(event?.outcome, 'success');

    // A new browser, no password: the login page's passkey form signs in through a code flow.
    const flow = await startCodeFlow(server, appId, CALLBACK);
    const stranger = new Browser(server.issuer);
    const login = isPage(await stranger.visit(flow.url));
    assert.match(login.html, /autocomplete="username webauthn"/);
    assert.match(login.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const response = await postPasskey(stranger, login, '/login/passkey', JSON.stringify(authenticator.get(passkeyOptions(login, 'sign-in') as never)));
    assert.equal(response.status, 303);
    const done = await follow(server, stranger, response);
    assert.ok('leftTo' in done, 'the flow went back to the app');
    const tokens = await flow.redeem(done.leftTo);
    const claims = decodeJwt(tokens.id_token!);
    assert.deepEqual(claims['amr'], ['hwk', 'mfa']);
    assert.equal(claims['acr'], 'phr');
    assert.equal(claims.sub, user.sub);
    const [success] = await server.tessera.ctx.stores.audit.list({ user: user.sub, type: 'login.success', limit: 1 });
    assert.equal(success?.reason, 'passkey');
  });

  it('a synced passkey is swk; renamed and removed from the security page (audited)', async () => {
    const user = await server.addUser({ username: 'sven' });
    const browser = new Browser(server.issuer);
    const authenticator = new SoftwareAuthenticator(server.issuer);
    let page = await registerPasskey(browser, await securityPageAfterPassword(server, browser, user), authenticator, 'Phone', { synced: true });
    assert.match(textOf(page.html), /Phone .*synced/);
    const id = authenticator.credentials[0]!.id;
    page = isPage(await browser.submit(page, { passkey: id, name: 'Old phone' }, '/account/passkeys/rename'));
    assert.match(textOf(page.html), /Old phone/);
    page = isPage(await browser.submit(page, { passkey: id }, '/account/passkeys/remove'));
    assert.match(textOf(page.html), /The passkey is removed/);
    assert.equal((await server.tessera.ctx.stores.passkeys.listByUser(user.sub)).length, 0);
    const [removed] = await server.tessera.ctx.stores.audit.list({ user: user.sub, type: 'passkey.removed', limit: 1 });
    assert.ok(removed);
  });

  it('a passkey is the second factor after a password (amr pwd+hwk+mfa) where a client requires one', async () => {
    const user = await server.addUser({ username: 'maja' });
    const browser = new Browser(server.issuer);
    const authenticator = new SoftwareAuthenticator(server.issuer);
    await registerPasskey(browser, await securityPageAfterPassword(server, browser, user), authenticator);
    const strict = await server.addClient({ name: 'Payroll', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true, firstParty: true });
    const flow = await startCodeFlow(server, strict.clientId, CALLBACK);
    const fresh = new Browser(server.issuer);
    const login = isPage(await fresh.visit(flow.url));
    const factor = isPage(await fresh.submit(login, { username: user.username, password: user.password }));
    assert.match(textOf(factor.html), /Use a passkey/);
    // Only a passkey: she has no authenticator app, so no code field.
    assert.doesNotMatch(factor.html, /name="code"/);
    const options = passkeyOptions(factor, 'second-factor');
    assert.deepEqual(options['allowCredentials'].map((c: { id: string }) => c.id), [authenticator.credentials[0]!.id]);
    const response = await postPasskey(fresh, factor, '/login/second-factor', JSON.stringify(authenticator.get(options as never)));
    const done = await follow(server, fresh, response);
    assert.ok('leftTo' in done);
    const claims = decodeJwt((await flow.redeem(done.leftTo)).id_token!);
    assert.deepEqual(claims['amr'], ['pwd', 'hwk', 'mfa']);
    assert.equal(claims['acr'], 'phr');
  });

  it('require-mfa phishing-resistant: password + TOTP is not enough, a passkey is; acr_values=phr asks the same', async () => {
    const user = await server.addUser({ username: 'tom' });
    const browser = new Browser(server.issuer);
    const authenticator = new SoftwareAuthenticator(server.issuer);
    // Tom has an authenticator app and a passkey.
    let page = await securityPageAfterPassword(server, browser, user);
    const secret = await server.tessera.ctx.stores.mfa.find(user.sub);
    assert.equal(secret, undefined);
    const accountPage = isPage(await browser.visit(`${server.issuer}/account`));
    const enroll = isPage(await browser.submit(accountPage, {}, '/account/second-factor'));
    const key = /id="totp_secret">([A-Z2-7]+)</.exec(enroll.html)![1]!;
    isPage(await browser.submit(enroll, { code: totp(key, server.tessera.ctx.now()) }));
    page = isPage(await browser.visit(`${server.issuer}/account/security`));
    await registerPasskey(browser, page, authenticator);

    const strict = await server.addClient({ name: 'Bank', type: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true, requirePhishingResistant: true, firstParty: true });
    for (const [clientId, extra] of [[strict.clientId, {}], [appId, { acr_values: 'phr' }]] as const) {
      server.advance(31);
      const flow = await startCodeFlow(server, clientId, CALLBACK, extra);
      const fresh = new Browser(server.issuer);
      const login = isPage(await fresh.visit(flow.url));
      let factor = isPage(await fresh.submit(login, { username: user.username, password: user.password }));
      // Only the passkey is offered; a code is not taken as enough.
      assert.doesNotMatch(factor.html, /name="code"/);
      const code = await fresh.request(new URL('/login/second-factor', server.issuer).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(factor.html)![1]!, next: /name="next" value="([^"]+)"/.exec(factor.html)![1]!, code: totp(key, server.tessera.ctx.now()) }).toString(),
      });
      const afterCode = await follow(server, fresh, code);
      assert.ok(!('leftTo' in afterCode), 'a code does not finish the flow');
      factor = afterCode;
      assert.match(textOf(factor.html), /must use one of your passkeys/);
      const response = await postPasskey(fresh, factor, '/login/second-factor', JSON.stringify(authenticator.get(passkeyOptions(factor, 'second-factor') as never)));
      const done = await follow(server, fresh, response);
      assert.ok('leftTo' in done, 'the passkey finishes it');
      assert.equal(decodeJwt((await flow.redeem(done.leftTo)).id_token!)['acr'], 'phr');
    }
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as { acr_values_supported: string[] };
    assert.ok(discovery.acr_values_supported.includes('phr'));
  });

  it('deleting the user deletes their passkeys and user handle', async () => {
    const user = await server.addUser({ username: 'del' });
    const browser = new Browser(server.issuer);
    const authenticator = new SoftwareAuthenticator(server.issuer);
    await registerPasskey(browser, await securityPageAfterPassword(server, browser, user), authenticator);
    const handle = authenticator.credentials[0]!.userHandle;
    assert.equal(await server.tessera.ctx.stores.passkeys.userOfHandle(handle), user.sub);
    await server.tessera.ctx.stores.users.delete(user.sub);
    assert.equal(await server.tessera.ctx.stores.passkeys.find(authenticator.credentials[0]!.id), undefined);
    assert.equal(await server.tessera.ctx.stores.passkeys.userOfHandle(handle), undefined);
  });
});
