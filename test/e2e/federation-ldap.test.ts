import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTestDirectory, type TestDirectory } from '../helpers/ldap.js';
import { AD_PEOPLE, AD_USERS, PEOPLE, SERVICE, USERS } from '../helpers/ldap-fixtures.js';
import { tessera, tesseraJson } from '../helpers/cli.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * Directory users (a real OpenLDAP, started by the test) sign in on Tessera's login form; apps get
 * Tessera's tokens and never learn where the user came from (issue 17 §2).
 */

const CALLBACK = 'https://app.example.com/cb';

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1]?.replace(/&#39;/g, "'") ?? '';

describe('signing in with an LDAP directory', () => {
  let directory: TestDirectory;
  let server: TestServer;
  let app: { clientId: string; secret?: string };
  let config: client.Configuration;

  before(async () => {
    directory = await startTestDirectory();
    server = await startTestServer({ signInLimits: { perPair: 3, perSubject: 12, perIp: 30, delayMs: 1 } }, undefined, { trustProxy: true });
    app = await server.addClient({ name: 'Wiki', redirectUris: [CALLBACK], scopes: ['openid', 'profile', 'email', 'offline_access'] });
    config = await discover(server, app.clientId, app.secret);
  });
  after(async () => {
    await server.close();
    await directory.close();
  });

  const addDirectory = (args: string[]) => tessera(['idp', 'add', 'ldap', ...args, '--bind-password-stdin', '--json', ...server.storeArgs], SERVICE.password);

  /** A code flow in a fresh browser from `ip`: the login page, the password, consent; the tokens, or the page that stopped it. */
  async function signIn(username: string, password: string, ip = '10.40.0.1'): Promise<{ tokens?: Awaited<ReturnType<typeof client.authorizationCodeGrant>>; page?: Page }> {
    const browser = new Browser(server.issuer, { 'x-forwarded-for': ip });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid profile email offline_access', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    let step = await browser.submit(isPage(await browser.visit(url.href)), { username, password });
    if (!('leftTo' in step) && /name="decision"/.test(step.html)) step = await browser.submit(step, { decision: 'allow' });
    if (!('leftTo' in step)) return { page: step };
    return { tokens: await client.authorizationCodeGrant(config, new URL(step.leftTo), { pkceCodeVerifier: verifier }) };
  }

  it('is added and checked with the CLI, which never prints the bind password', async () => {
    const added = await addDirectory(['--name', 'corp', '--display-name', 'Corp Directory', '--url', directory.url, '--start-tls', '--ca-file', directory.caFile, '--bind-dn', SERVICE.dn, '--user-base', PEOPLE]);
    assert.equal(added.code, 0, added.stderr);
    assert.ok(!added.stdout.includes(SERVICE.password));
    const shown = await tesseraJson<Record<string, unknown>>(['idp', 'show', 'corp', ...server.storeArgs]);
    assert.equal(shown['kind'], 'ldap');
    assert.equal(shown['has_secret'], true);
    assert.ok(!JSON.stringify(shown).includes(SERVICE.password));
    const tested = await tesseraJson<{ ok: boolean; entry: { username: string; email: string; groups: string[] } }>(['idp', 'test', 'corp', '--username', 'alice', ...server.storeArgs]);
    assert.equal(tested.ok, true);
    assert.equal(tested.entry.username, 'alice');
    assert.equal(tested.entry.email, USERS.alice.mail);
    assert.ok(tested.entry.groups.some((g) => /cn=developers/.test(g)));
    // Wrong settings are named, not hidden.
    const broken = await tessera(['idp', 'add', 'ldap', '--name', 'broken', '--url', directory.url, '--start-tls', '--ca-file', directory.otherCaFile, '--bind-dn', SERVICE.dn, '--user-base', PEOPLE, '--bind-password-stdin', ...server.storeArgs], SERVICE.password);
    assert.equal(broken.code, 0);
    const failed = await tessera(['idp', 'test', 'broken', ...server.storeArgs]);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /certificate/);
    assert.equal((await tessera(['idp', 'remove', 'broken', ...server.storeArgs])).code, 0);
  });

  it('signs a directory user in to an app, creating their account just in time, with the directory attributes and no stored password', async () => {
    const { tokens, page } = await signIn('alice', USERS.alice.password);
    assert.ok(tokens, page && alert(page));
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info['name'], USERS.alice.cn);
    assert.equal(info['email'], USERS.alice.mail);
    assert.deepEqual(tokens.claims()?.['amr'], ['pwd']);
    const stored = await server.tessera.ctx.stores.users.findByUsername('alice');
    assert.equal(stored?.passwordHash, '', 'no password of a directory user is kept');
    const events = await server.tessera.ctx.stores.audit.list({ user: stored!.id, type: 'login.success', limit: 5 });
    assert.equal(events[0]?.reason, 'ldap:corp');
    // The same directory entry is the same account the next time.
    const again = await signIn('alice', USERS.alice.password, '10.40.0.2');
    assert.equal(again.tokens?.claims()?.sub, tokens.claims()?.sub);
  });

  it('counts wrong directory passwords toward the lockout like any others', async () => {
    for (const n of [1, 2]) assert.equal(alert((await signIn('bob', `wrong ${n}`, '10.40.1.1')).page!), 'Incorrect username or password.');
    assert.match(alert((await signIn('bob', 'wrong 3', '10.40.1.1')).page!), /Too many failed sign-ins/);
    assert.match(alert((await signIn('bob', USERS.bob.password, '10.40.1.1')).page!), /Too many failed sign-ins/, 'locked: the right password is not even checked');
    assert.ok((await signIn('bob', USERS.bob.password, '10.40.1.2')).tokens, 'from elsewhere bob signs in');
  });

  it('refuses a directory user removed from the directory: no sign-in, and their tokens stop refreshing', async () => {
    const { tokens } = await signIn('zoe', USERS.zoe.password, '10.40.2.1');
    assert.ok(tokens?.refresh_token);
    await directory.modify(`dn: ${USERS.zoe.dn}\nchangetype: delete\n`);
    // Within a minute of the removal (the directory's "still there" is believed that long).
    server.advance(61);
    const refresh = await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, basic(app.clientId, app.secret!));
    assert.equal(refresh.status, 400);
    assert.equal(refresh.body['error'], 'invalid_grant');
    assert.equal(alert((await signIn('zoe', USERS.zoe.password, '10.40.2.2')).page!), 'Incorrect username or password.');
  });

  it('keeps local users first, and signs a directory user with a local namesake in only when the operator orders the directory first', async () => {
    const local = await server.addUser({ username: 'dave', password: 'the local dave password' });
    assert.ok((await signIn('dave', local.password, '10.40.3.1')).tokens, 'the local account decides');
    assert.equal(alert((await signIn('dave', USERS.dave.password, '10.40.3.2')).page!), 'Incorrect username or password.', "the directory is not asked: a local user holds the name");
    assert.equal((await tessera(['idp', 'update', 'corp', '--priority', '-1', ...server.storeArgs])).code, 0);
    // The directory now comes first; its dave is a different person, and the name is taken here: an operator must sort it out.
    assert.match(alert((await signIn('dave', USERS.dave.password, '10.40.3.3')).page!), /belongs to another account/);
    assert.equal((await tessera(['idp', 'update', 'corp', '--priority', '10', ...server.storeArgs])).code, 0);
  });

  it('says so when the directory is down, while local users still sign in, and reports it in /ready', async () => {
    const local = await server.addUser({ username: 'lena' });
    await directory.stop();
    try {
      const { page } = await signIn('bob', USERS.bob.password, '10.40.4.1');
      assert.equal(page?.status, 503);
      assert.match(alert(page!), /cannot be reached/);
      assert.ok((await signIn('lena', local.password, '10.40.4.2')).tokens);
      const ready = await fetch(`${server.issuer}/ready`);
      assert.equal(ready.status, 200, 'the node stays in rotation');
      assert.equal(((await ready.json()) as { checks: Record<string, string> }).checks['directories'], 'degraded');
    } finally {
      await directory.start();
    }
    assert.ok((await signIn('bob', USERS.bob.password, '10.40.4.3')).tokens, 'back once the directory answers');
  });

  it('maps Active Directory: sAMAccountName or userPrincipalName, objectGUID, and disabled or expired accounts with their own message', async () => {
    // OpenLDAP has no objectCategory: the test directory's AD-like entries have a class of their own.
    const filter = '(&(objectClass=tesseraTestAdUser)(|(sAMAccountName={username})(userPrincipalName={username})))';
    const added = await addDirectory(['--name', 'ad', '--preset', 'ad', '--url', directory.ldapsUrl, '--ca-file', directory.caFile, '--bind-dn', SERVICE.dn, '--user-base', AD_PEOPLE, '--user-filter', filter]);
    assert.equal(added.code, 0, added.stderr);
    const { tokens, page } = await signIn('adam@tessera.test', AD_USERS.adam.password, '10.40.5.1');
    assert.ok(tokens, page && `${page.status} ${alert(page)} ${textOf(page.html).slice(0, 200)}`);
    const adam = await server.tessera.ctx.stores.users.findByUsername('adam');
    const [link] = await server.tessera.ctx.stores.federatedIdentities.listByUser(adam!.id);
    assert.equal(link?.subject, '33221100-5544-7766-8899-aabbccddeeff', 'objectGUID as text');
    assert.match(alert((await signIn('dora', AD_USERS.dora.password, '10.40.5.2')).page!), /disabled in your organization/);
    assert.equal(alert((await signIn('dora', 'a wrong password', '10.40.5.3')).page!), 'Incorrect username or password.', 'a wrong password says nothing of the account');
    assert.match(alert((await signIn('pete', AD_USERS.pete.password, '10.40.5.4')).page!), /password has expired/);
  });

  it('asks directory users for a second factor exactly as local users, when a client requires one', async () => {
    const strict = await server.addClient({ name: 'Payroll', redirectUris: [CALLBACK], scopes: ['openid'], requireMfa: true });
    const strictConfig = await discover(server, strict.clientId, strict.secret);
    const browser = new Browser(server.issuer, { 'x-forwarded-for': '10.40.6.1' });
    const url = client.buildAuthorizationUrl(strictConfig, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const next = isPage(await browser.submit(isPage(await browser.visit(url.href)), { username: 'alice', password: USERS.alice.password }));
    assert.match(textOf(next.html), /This sign-in needs a second factor/);
  });
});
