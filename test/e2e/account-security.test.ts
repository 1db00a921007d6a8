import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { isPage, Browser, formOf, textOf, type Page } from '../helpers/browser.js';
import { userinfoStatus } from '../helpers/http.js';
import { totp } from '../helpers/totp.js';
import { verifySecondFactor } from '../../src/core/accounts/mfa.js';
import { ACCOUNT_SECURITY_PATHS } from '../../src/core/interaction/account-security/page-data.js';

const CALLBACK = 'https://app.example.com/cb';
const SECURITY = '/account/security';

type User = { sub: string; username: string; password: string };

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';
const keyOf = (page: Page): string => /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1] ?? assert.fail(`no key: ${textOf(page.html)}`);
const codesOf = (page: Page): string[] => [...page.html.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
const signedOut = async (server: TestServer, browser: Browser) => /name="password"/.test(isPage(await browser.visit(`${server.issuer}/account`)).html);

/** Signs in on the security page (the login page it shows, then back to it). */
async function securityPage(server: TestServer, user: { username: string; password: string }, browser = new Browser(server.issuer)): Promise<{ browser: Browser; page: Page }> {
  const login = isPage(await browser.visit(server.issuer + SECURITY));
  const page = isPage(await browser.submit(login, { username: user.username, password: user.password }));
  assert.match(textOf(page.html), /Security Signed in as/, textOf(page.html));
  return { browser, page };
}

/** Turns on two-step verification from /account; the key and the backup codes. */
async function enroll(server: TestServer, user: User, browser: Browser): Promise<{ key: string; backupCodes: string[] }> {
  const account = isPage(await browser.visit(`${server.issuer}/account`));
  const setup = isPage(await browser.submit(account, {}, '/account/second-factor'));
  const key = keyOf(setup);
  const done = isPage(await browser.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
  const backupCodes = codesOf(done);
  assert.equal(backupCodes.length, 10);
  assert.deepEqual(await downloaded(browser, done), backupCodes, 'the codes shown once can be downloaded');
  // The next code must come from a later time step (each step works once).
  server.advance(30);
  return { key, backupCodes };
}

/** Posts the page's download form; the codes in the text file it answers. */
async function downloaded(browser: Browser, page: Page): Promise<string[]> {
  const form = formOf(page.html, '/account/backup-codes/download');
  const file = await browser.request(new URL(form.action, page.url).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.hidden).toString() });
  assert.equal(file.status, 200);
  assert.equal(file.headers.get('content-disposition'), 'attachment; filename="backup-codes.txt"');
  return [...(await file.text()).matchAll(/^([a-z0-9]{5}-[a-z0-9]{5})$/gm)].map((m) => m[1]!);
}

/** Signs in on /account with the password, then the code if asked; whether a code was asked. */
async function signInAsks(server: TestServer, user: User, code?: string): Promise<{ askedForCode: boolean; page: Page }> {
  const browser = new Browser(server.issuer);
  const login = isPage(await browser.visit(`${server.issuer}/account`));
  let page = isPage(await browser.submit(login, { username: user.username, password: user.password }));
  const askedForCode = /name="code"/.test(page.html);
  if (askedForCode && code !== undefined) page = isPage(await browser.submit(page, { code }));
  return { askedForCode, page };
}

describe('the account security page', () => {
  let server: TestServer;
  let config: client.Configuration;

  before(async () => {
    server = await startTestServer({ signInLimits: { perPair: 4, perSubject: 16, perIp: 40 }, allowAccountDeletion: true });
    const app = await server.addClient({ name: 'Photos', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile'] });
    config = await discover(server, app.clientId, app.secret);
  });
  after(() => server.close());

  const appSignIn = (user: User, browser = new Browser(server.issuer)) => codeFlow(server, config, CALLBACK, 'openid profile', user, browser).then((r) => ({ ...r, browser }));

  describe('the name', () => {
    it('changes the name apps are told; refuses what is not a name; shows markup as text', async () => {
      const nia = await server.addUser({ username: 'nia', name: 'Nia Old' });
      const { browser, page } = await securityPage(server, nia);
      assert.match(page.html, /name="name" autocomplete="name" maxlength="200" value="Nia Old"/);
      const long = isPage(await browser.submit(page, { name: 'x'.repeat(201) }, '/account/name'));
      assert.equal(long.status, 400);
      assert.match(alert(long), /name must be 1 to 200 characters/);
      const control = isPage(await browser.submit(page, { name: 'Nia\u0007Bell' }, '/account/name'));
      assert.equal(control.status, 400);
      const done = isPage(await browser.submit(page, { name: '  Nia <b>New</b> ' }, '/account/name'));
      assert.match(textOf(done.html), /Your name is changed/);
      assert.match(done.html, /value="Nia &lt;b&gt;New&lt;\/b&gt;"/);
      assert.equal((await server.tessera.ctx.stores.users.findById(nia.sub))?.name, 'Nia <b>New</b>');
      const [event] = await server.tessera.ctx.stores.audit.list({ user: nia.sub, type: 'user.changed', limit: 1 });
      assert.equal(event?.actor, `user:${nia.sub}`);
      assert.equal(event?.reason, 'updated:name');
      await browser.submit(done, { name: '' }, '/account/name');
      assert.equal((await server.tessera.ctx.stores.users.findById(nia.sub))?.name, null, 'empty clears it');
    });
  });

  describe('changing the password', () => {
    it('asks the current password, checks the new one, ends other sessions and refresh tokens, keeps this one', async () => {
      const pat = await server.addUser({ username: 'pat' });
      const elsewhere = await appSignIn(pat);
      const { browser, page } = await securityPage(server, pat);
      const staleTab = page;

      const wrong = isPage(await browser.submit(page, { current_password: 'not my password', new_password: 'a brand new passphrase', confirm_password: 'a brand new passphrase' }, '/account/password'));
      assert.equal(wrong.status, 400);
      assert.match(alert(wrong), /current password is not right/);
      const failures = await server.tessera.ctx.stores.audit.list({ user: pat.sub, type: 'login.failure', limit: 5 });
      assert.equal(failures.length, 1, 'a wrong current password counts like a failed sign-in');

      const weak = isPage(await browser.submit(page, { current_password: pat.password, new_password: 'short', confirm_password: 'short' }, '/account/password'));
      assert.equal(weak.status, 400);
      assert.match(alert(weak), /at least 12 characters/);
      const differ = isPage(await browser.submit(page, { current_password: pat.password, new_password: 'a brand new passphrase', confirm_password: 'another passphrase!' }, '/account/password'));
      assert.match(alert(differ), /not the same/);

      const done = isPage(await browser.submit(page, { current_password: pat.password, new_password: 'a brand new passphrase', confirm_password: 'a brand new passphrase' }, '/account/password'));
      assert.equal(done.status, 200);
      assert.match(textOf(done.html), /Your password is changed/);
      assert.match(textOf(done.html), /This browser/);

      // The other browser is signed out, its app's refresh token and access token are dead.
      assert.equal(await signedOut(server, elsewhere.browser), true);
      await assert.rejects(client.refreshTokenGrant(config, elsewhere.tokens.refresh_token!));
      assert.equal(await userinfoStatus(server.issuer, elsewhere.tokens.access_token), 401);
      // This browser stays signed in.
      assert.equal(await signedOut(server, browser), false);
      // The old password no longer signs in; the new one does.
      await assert.rejects(appSignIn(pat), /Incorrect username or password/);
      await appSignIn({ ...pat, password: 'a brand new passphrase' });

      // A second tab with the page from before, filled in with the old password: refused, nothing changes.
      const stale = isPage(await browser.submit(staleTab, { current_password: pat.password, new_password: 'yet another passphrase', confirm_password: 'yet another passphrase' }, '/account/password'));
      assert.equal(stale.status, 400);
      assert.match(alert(stale), /current password is not right/);
      await appSignIn({ ...pat, password: 'a brand new passphrase' });
      const events = await server.tessera.ctx.stores.audit.list({ user: pat.sub, type: 'password.changed', limit: 5 });
      assert.equal(events.length, 1);
    });

    it('a stale form from a browser whose session ended changes nothing: it is sent to sign in', async () => {
      const quinn = await server.addUser({ username: 'quinn' });
      const one = await securityPage(server, quinn);
      const two = await securityPage(server, quinn);
      await two.browser.submit(two.page, { current_password: quinn.password, new_password: 'quinn changed it here', confirm_password: 'quinn changed it here' }, '/account/password');
      const stale = isPage(await one.browser.submit(one.page, { current_password: 'quinn changed it here', new_password: 'and then once more', confirm_password: 'and then once more' }, '/account/password'));
      assert.match(stale.html, /name="password"/, 'the sign-in page');
      await appSignIn({ ...quinn, password: 'quinn changed it here' });
    });

    it('locks after too many wrong current passwords, like the login page', async () => {
      const rae = await server.addUser({ username: 'rae' });
      const { browser, page } = await securityPage(server, rae);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(isPage(await browser.submit(page, { current_password: `guess number ${i}`, new_password: 'a brand new passphrase', confirm_password: 'a brand new passphrase' }, '/account/password')).status);
      }
      assert.deepEqual(statuses, [400, 400, 400, 429, 429]);
      // Locked: even the right password is not checked now.
      const right = isPage(await browser.submit(page, { current_password: rae.password, new_password: 'a brand new passphrase', confirm_password: 'a brand new passphrase' }, '/account/password'));
      assert.equal(right.status, 429);
      assert.match(alert(right), /Too many failed sign-ins/);
    });

    it('refuses forms without the session\'s token (missing, forged, or another session\'s)', async () => {
      const sam = await server.addUser({ username: 'sam' });
      const { browser, page } = await securityPage(server, sam);
      const other = await securityPage(server, await server.addUser({ username: 'sam-other' }));
      const action = new URL(formOf(page.html, '/account/password').action, page.url).href;
      const post = (fields: Record<string, string>) =>
        browser.request(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
      const change = { current_password: sam.password, new_password: 'forged change here', confirm_password: 'forged change here' };
      assert.equal((await post(change)).status, 403);
      assert.equal((await post({ ...change, csrf: 'forged' })).status, 403);
      assert.equal((await post({ ...change, csrf: formOf(other.page.html, '/account/password').hidden['csrf']! })).status, 403);
      // A cross-site form has the cookie but no token: the same. Nor does a JSON body pass.
      const json = await browser.request(action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...change, csrf: formOf(page.html, '/account/password').hidden['csrf'] }) });
      assert.equal(json.status, 403);
      await appSignIn(sam);

      // Every form of the page, the same: without the token, or with a field sent twice, nothing happens (and nothing fails).
      const csrf = formOf(page.html, '/account/password').hidden['csrf']!;
      for (const [name, path] of Object.entries(ACCOUNT_SECURITY_PATHS)) {
        if (name === 'show') continue;
        const fields = { current_password: sam.password, confirm_username: 'sam', name: 'Forged', code: '123456', codes: 'abcde-fghjk', session: 'x' };
        const bare = await browser.request(server.issuer + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
        assert.equal(bare.status, 403, `${path} without the token`);
        const twice = await browser.request(server.issuer + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `${new URLSearchParams({ ...fields, csrf })}&csrf=${encodeURIComponent(csrf)}` });
        assert.equal(twice.status, 403, `${path} with the token twice`);
        assert.match(await twice.text(), /The form was not valid/);
      }
      const still = await server.tessera.ctx.stores.users.findById(sam.sub);
      assert.equal(still?.name, null);
      assert.equal(await signedOut(server, browser), false);
    });

    it('of a burst of changes with the current password, one wins; the rest change nothing, and none fails', async () => {
      const tess = await server.addUser({ username: 'tess' });
      const { browser, page } = await securityPage(server, tess);
      const candidates = Array.from({ length: 6 }, (_, i) => `burst passphrase number ${i}`);
      const answers = await Promise.all(candidates.map((p) => browser.submit(page, { current_password: tess.password, new_password: p, confirm_password: p }, '/account/password')));
      const statuses = answers.map((a) => isPage(a).status);
      assert.ok(statuses.every((s) => [200, 409, 400, 429].includes(s)), `statuses: ${statuses}`);
      const winners = candidates.filter((_, i) => statuses[i] === 200);
      assert.equal(winners.length, 1, `statuses: ${statuses}`);
      const stored = (await server.tessera.ctx.stores.users.findById(tess.sub))!.passwordHash;
      const { passwords } = server.tessera.ctx;
      for (const p of [tess.password, ...candidates]) assert.equal(await passwords.verify(stored, p), p === winners[0], `only the winner's password holds (${p})`);
    });
  });

  describe('sessions', () => {
    it('lists the sessions and ends one other, then all others; only the user\'s own', async () => {
      const uma = await server.addUser({ username: 'uma' });
      const laptop = await appSignIn(uma);
      const phone = await appSignIn(uma);
      const { browser, page } = await securityPage(server, uma);
      const rows = [...page.html.matchAll(/<input type="hidden" name="session" value="([^"]+)">/g)].map((m) => m[1]!);
      assert.equal(rows.length, 2, 'two other sessions, each with a sign-out button');
      assert.match(textOf(page.html), /This browser/);

      // Another user's session id does nothing.
      const vic = await server.addUser({ username: 'vic' });
      const vicBrowser = (await appSignIn(vic)).browser;
      const [vicSession] = await server.tessera.ctx.stores.sessions.listByUser(vic.sub, server.tessera.ctx.now());
      await browser.submit(page, { session: vicSession!.idHash }, '/account/sessions/end');
      assert.equal(await signedOut(server, vicBrowser), false);

      const [laptopSession] = (await server.tessera.ctx.stores.sessions.listByUser(uma.sub, server.tessera.ctx.now())).filter((s) => rows.includes(s.idHash)).slice(-1);
      const ended = isPage(await browser.submit(page, { session: laptopSession!.idHash }, '/account/sessions/end'));
      assert.match(textOf(ended.html), /That session is signed out/);
      const out = [await signedOut(server, laptop.browser), await signedOut(server, phone.browser)];
      assert.deepEqual([...out].sort(), [false, true], 'exactly one other browser signed out');
      const all = isPage(await browser.submit(ended, {}, '/account/sessions/end-others'));
      assert.match(textOf(all.html), /signed out everywhere else/);
      assert.equal(await signedOut(server, laptop.browser), true);
      assert.equal(await signedOut(server, phone.browser), true);
      assert.equal(await signedOut(server, browser), false);
      const events = await server.tessera.ctx.stores.audit.list({ user: uma.sub, type: 'session.ended', limit: 5 });
      assert.ok(events.length >= 2 && events.every((e) => e.actor === `user:${uma.sub}`));
    });
  });

  describe('two-step verification', () => {
    it('turns off only with a right code; then sign-in asks only for the password', async () => {
      const wes = await server.addUser({ username: 'wes' });
      const { browser } = await securityPage(server, wes);
      const { key } = await enroll(server, wes, browser);
      const page = isPage(await browser.visit(server.issuer + SECURITY));
      assert.match(textOf(page.html), /On\. 10 backup codes left/);
      const wrong = isPage(await browser.submit(page, { code: totp(key, server.tessera.ctx.now() - 600) }, '/account/second-factor/disable'));
      assert.equal(wrong.status, 400);
      assert.match(alert(wrong), /not right/);
      assert.equal((await signInAsks(server, wes)).askedForCode, true);
      const off = isPage(await browser.submit(page, { code: totp(key, server.tessera.ctx.now()) }, '/account/second-factor/disable'));
      assert.match(textOf(off.html), /Two-step verification is off/);
      assert.equal((await signInAsks(server, wes)).askedForCode, false);
      assert.equal((await server.tessera.ctx.stores.audit.list({ user: wes.sub, type: 'mfa.disabled', limit: 5 })).length, 1);
    });

    it('a session without the factor proved must prove it before it changes anything', async () => {
      const ines = await server.addUser({ username: 'ines' });
      const before = await securityPage(server, ines);
      const { browser } = await securityPage(server, ines);
      const { key } = await enroll(server, ines, browser);
      // `before` signed in with the password alone, before the factor existed.
      const change = { current_password: ines.password, new_password: 'changed without a code', confirm_password: 'changed without a code' };
      const stale = isPage(await before.browser.submit(before.page, change, '/account/password'));
      assert.match(stale.html, /name="code"/, 'asked for the code instead');
      assert.equal(await server.tessera.ctx.passwords.verify((await server.tessera.ctx.stores.users.findById(ines.sub))!.passwordHash, ines.password), true, 'the password did not change');
      const csrf = formOf(before.page.html, '/account/password').hidden['csrf']!;
      const ended = await before.browser.visit(`${server.issuer}/account/sessions/end-others`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }).toString() });
      assert.equal(await signedOut(server, browser), false, 'nor were the others signed out');
      // With the code, the page opens and the change goes through.
      const proved = isPage(await before.browser.submit(isPage(ended), { code: totp(key, server.tessera.ctx.now()) }));
      assert.match(textOf(proved.html), /Security Signed in as ines/);
      const done = isPage(await before.browser.submit(proved, change, '/account/password'));
      assert.match(textOf(done.html), /Your password is changed/);
    });

    it('turns off with a backup code too', async () => {
      const xan = await server.addUser({ username: 'xan' });
      const { browser } = await securityPage(server, xan);
      const { backupCodes } = await enroll(server, xan, browser);
      const page = isPage(await browser.visit(server.issuer + SECURITY));
      const off = isPage(await browser.submit(page, { code: backupCodes[3]! }, '/account/second-factor/disable'));
      assert.match(textOf(off.html), /Two-step verification is off/);
    });

    it('makes new backup codes with a current code: the old stop working, the new work, and they download as a file', async () => {
      const yael = await server.addUser({ username: 'yael' });
      const { browser } = await securityPage(server, yael);
      const { key, backupCodes } = await enroll(server, yael, browser);
      const page = isPage(await browser.visit(server.issuer + SECURITY));
      const byBackup = isPage(await browser.submit(page, { code: backupCodes[0]! }, '/account/backup-codes'));
      assert.equal(byBackup.status, 400, 'a backup code does not make new backup codes');
      const fresh = isPage(await browser.submit(page, { code: totp(key, server.tessera.ctx.now()) }, '/account/backup-codes'));
      const codes = codesOf(fresh);
      assert.equal(codes.length, 10, textOf(fresh.html));
      assert.match(fresh.html, /<textarea id="backup_codes_copy" readonly/);
      assert.deepEqual(codes.filter((c) => backupCodes.includes(c)), []);

      const old = await signInAsks(server, yael, backupCodes[1]!);
      assert.equal(old.page.status, 400, 'an old backup code is refused');
      const fine = await signInAsks(server, yael, codes[0]!);
      assert.match(textOf(fine.page.html), /Your account/, 'a new one signs in');

      const download = formOf(fresh.html, '/account/backup-codes/download');
      const file = await browser.request(new URL(download.action, fresh.url).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(download.hidden).toString() });
      assert.equal(file.status, 200);
      assert.equal(file.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(file.headers.get('content-disposition'), 'attachment; filename="backup-codes.txt"');
      assert.equal(file.headers.get('cache-control'), 'no-store');
      const text = await file.text();
      for (const c of codes) assert.ok(text.includes(c));
      // Only code lists, only with the session's token.
      const forged = await browser.request(new URL(download.action, fresh.url).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...download.hidden, codes: '<script>alert(1)</script>' }).toString() });
      assert.equal(forged.status, 400);
      const noToken = await browser.request(new URL(download.action, fresh.url).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ codes: codes.join(' ') }).toString() });
      assert.equal(noToken.status, 403);
    });

    it('of a burst of renewals with the same code, one makes the codes that stay valid', async () => {
      const zed = await server.addUser({ username: 'zed' });
      const { browser } = await securityPage(server, zed);
      const { key } = await enroll(server, zed, browser);
      const page = isPage(await browser.visit(server.issuer + SECURITY));
      const code = totp(key, server.tessera.ctx.now());
      const answers = (await Promise.all(Array.from({ length: 5 }, () => browser.submit(page, { code }, '/account/backup-codes')))).map(isPage);
      const winners = answers.filter((a) => a.status === 200);
      assert.equal(winners.length, 1, `statuses: ${answers.map((a) => a.status)}`);
      assert.ok(answers.every((a) => [200, 400, 429].includes(a.status)));
      const codes = codesOf(winners[0]!);
      const record = await server.tessera.ctx.stores.mfa.find(zed.sub);
      assert.equal(record?.backupCodeHashes.length, 10);
      // The losers counted as wrong codes (the limits may now hold zed's sign-ins), so the code is checked by the core itself.
      assert.equal(await verifySecondFactor(server.tessera.ctx, zed.sub, codes[9]!), 'backup', 'the winner\'s codes are the valid ones');
      assert.equal(await verifySecondFactor(server.tessera.ctx, zed.sub, codes[9]!), undefined, 'once');
    });
  });

  describe('deleting the account (allowed here)', () => {
    it('asks the password and the username, then deletes the user with everything issued to them', async () => {
      const ava = await server.addUser({ username: 'ava' });
      const app = await appSignIn(ava);
      const { browser, page } = await securityPage(server, ava);
      assert.match(textOf(page.html), /Delete your account/);
      const typo = isPage(await browser.submit(page, { current_password: ava.password, confirm_username: 'av' }, '/account/delete'));
      assert.match(alert(typo), /Type your username/);
      const wrong = isPage(await browser.submit(page, { current_password: 'nope nope nope', confirm_username: 'ava' }, '/account/delete'));
      assert.match(alert(wrong), /current password is not right/);
      assert.ok(await server.tessera.ctx.stores.users.findById(ava.sub));

      const gone = isPage(await browser.submit(page, { current_password: ava.password, confirm_username: 'AVA' }, '/account/delete'));
      assert.equal(gone.status, 200);
      assert.match(textOf(gone.html), /Your account is deleted/);
      assert.equal(await server.tessera.ctx.stores.users.findById(ava.sub), undefined);
      assert.equal(await signedOut(server, browser), true);
      assert.equal(await signedOut(server, app.browser), true);
      await assert.rejects(client.refreshTokenGrant(config, app.tokens.refresh_token!));
      assert.equal(await userinfoStatus(server.issuer, app.tokens.access_token), 401);
      const [event] = await server.tessera.ctx.stores.audit.list({ type: 'user.deleted', user: ava.sub, limit: 1 });
      assert.equal(event?.actor, `user:${ava.sub}`);
    });
  });
});

describe('the account security page with the defaults, and with two-step verification required', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ mfa: { policy: 'required' } });
  });
  after(() => server.close());

  it('offers no account deletion unless the operator allows it, and refuses the post', async () => {
    const ben = await server.addUser({ username: 'ben' });
    const browser = new Browser(server.issuer);
    const login = isPage(await browser.visit(server.issuer + SECURITY));
    const enrollPage = isPage(await browser.submit(login, { username: ben.username, password: ben.password }));
    const key = keyOf(enrollPage);
    const codes = isPage(await browser.submit(enrollPage, { code: totp(key, server.tessera.ctx.now()) }));
    assert.equal(codesOf(codes).length, 10);
    assert.deepEqual(await downloaded(browser, codes), codesOf(codes), 'codes from an enrollment at sign-in download too');
    server.advance(30);
    const page = isPage(await browser.visit(server.issuer + SECURITY));
    assert.doesNotMatch(textOf(page.html), /Delete your account/);
    const csrf = formOf(page.html, '/account/password').hidden['csrf']!;
    const post = await browser.request(`${server.issuer}/account/delete`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, current_password: ben.password, confirm_username: 'ben' }).toString() });
    assert.equal(post.status, 404);
    assert.ok(await server.tessera.ctx.stores.users.findById(ben.sub));

    // Two-step verification is required here: the page says so, and a right code does not turn it off.
    assert.match(textOf(page.html), /requires two-step verification for everyone/);
    assert.doesNotMatch(page.html, /\/account\/second-factor\/disable/);
    const off = await browser.request(`${server.issuer}/account/second-factor/disable`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, code: totp(key, server.tessera.ctx.now()) }).toString() });
    assert.equal(off.status, 403);
    assert.equal((await server.tessera.ctx.stores.mfa.find(ben.sub))?.enabledAt !== null, true);
  });
});
