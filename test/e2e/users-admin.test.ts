import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { tessera, tesseraJson } from '../helpers/cli.js';
import { totp } from '../helpers/totp.js';

type Json = Record<string, unknown>;

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';

describe('tessera user update, unlock and show against a running server', () => {
  let server: TestServer;
  let data: string[];

  before(async () => {
    // A lock that outlasts the test: only an unlock can end it. The test client plays the proxy (X-Forwarded-For).
    server = await startTestServer({ signInLimits: { perPair: 3, perSubject: 20, perIp: 40, windowSeconds: 600, lockSeconds: 600, delayMs: 1 } }, undefined, { trustProxy: true });
    data = server.storeArgs;
  });
  after(() => server.close());

  const show = (ref: string) => tesseraJson(['user', 'show', ref, ...data]);
  const update = (ref: string, ...args: string[]) => tessera(['user', 'update', ref, ...args, ...data, '--json']);

  /** Signs in on /account from `ip`; the page that answers (and the browser, signed in or not). */
  async function signIn(username: string, password: string, ip: string, browser = new Browser(server.issuer)): Promise<{ page: Page; browser: Browser }> {
    const headers = { 'x-forwarded-for': ip };
    const form = isPage(await browser.visit(`${server.issuer}/account`, { headers }));
    const body = new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(form.html)![1]!, return_to: '/account', username, password });
    const page = isPage(await browser.visit(`${server.issuer}/login`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() }));
    return { page, browser };
  }

  /** A refusal: one line on stderr naming the problem (no stack), a non-zero exit code, and the user exactly as before. */
  async function refused(ref: string, args: string[], message: RegExp): Promise<void> {
    const before = await show(ref);
    const run = await update(ref, ...args);
    assert.notEqual(run.code, 0, run.stdout);
    assert.match(run.stderr, message);
    assert.match(run.stderr, /^tessera: error: [^\n]+\n$/, 'one line, no stack trace');
    assert.equal(run.stdout, '');
    assert.deepEqual(await show(ref), before, 'nothing stored changed');
  }

  it('updates profile fields and attributes, keeps the sub, and unverifies a changed email unless told', async () => {
    const erin = await server.addUser({ username: 'erin', email: 'erin@example.com', emailVerified: true, name: 'Erin' });
    const changed = await update('erin', '--name', 'Erin E.', '--attr', 'department=Research', '--attr', 'employee_id=E-1042');
    assert.equal(changed.code, 0, changed.stderr);
    const view = JSON.parse(changed.stdout) as Json;
    assert.equal(view['sub'], erin.sub);
    assert.equal(view['name'], 'Erin E.');
    assert.deepEqual(view['attributes'], { department: 'Research', employee_id: 'E-1042' });
    assert.equal(view['email_verified'], true, 'the address did not change');

    // By sub as well as by username; a new address is unverified...
    assert.equal((await update(erin.sub, '--email', 'erin@new.example.com')).code, 0);
    let shown = await show('erin');
    assert.deepEqual([shown['email'], shown['email_verified']], ['erin@new.example.com', false]);
    // ...unless the operator says it is; and the flag alone changes only the flag.
    assert.equal((await update('erin', '--email', 'erin@third.example.com', '--email-verified')).code, 0);
    assert.deepEqual([(await show('erin'))['email'], (await show('erin'))['email_verified']], ['erin@third.example.com', true]);
    assert.equal((await update('erin', '--no-email-verified')).code, 0);
    assert.equal((await show('erin'))['email_verified'], false);

    // `none` clears, `key=` removes an attribute, and a rename keeps the sub.
    assert.equal((await update('erin', '--name', 'none', '--email', 'none', '--attr', 'department=', '--username', 'Erin.E')).code, 0);
    shown = await show(erin.sub);
    assert.deepEqual(
      [shown['sub'], shown['username'], shown['name'], shown['email'], shown['email_verified'], shown['attributes']],
      [erin.sub, 'Erin.E', null, null, false, { employee_id: 'E-1042' }],
    );
    // The new username signs in; the readable show lists attributes as key=value.
    assert.match(textOf((await signIn('erin.e', erin.password, '10.1.0.1')).page.html), /Your account/);
    const readable = await tessera(['user', 'show', 'Erin.E', ...data]);
    assert.match(readable.stdout, /^attributes\s+employee_id=E-1042$/m);

    // The operator's changes are audited with the field names, never their values.
    const events = await tesseraJson<Json[]>(['audit', 'list', '--type', 'user.changed', '--user', 'erin', ...data]);
    assert.ok(events.some((e) => e['reason'] === 'updated:name,attributes'), JSON.stringify(events));
    assert.ok(events.every((e) => !String(e['reason']).includes('Research')));
  });

  it('refuses reserved and malformed attribute names, long values, too many attributes and a taken username, changing nothing', async () => {
    await server.addUser({ username: 'frank', name: 'Frank' });
    await server.addUser({ username: 'grace' });
    await refused('frank', ['--name', 'F', '--attr', 'email=frank@evil.example'], /'email' is a claim Tessera sets itself/);
    for (const key of ['groups', 'sub', 'email_verified', 'iss', 'roles']) await refused('frank', ['--attr', `${key}=x`], new RegExp(`'${key}' is a claim Tessera sets itself`));
    for (const key of ['Team', '9lives', 'with-dash', 'a'.repeat(41), '']) await refused('frank', ['--attr', `${key}=x`], /is not an attribute name: 1 to 40/);
    await refused('frank', ['--attr', 'novalue'], /must be key=value/);
    await refused('frank', ['--attr', `motto=${'x'.repeat(257)}`], /longer than 256 characters/);
    await refused('frank', Array.from({ length: 33 }, (_, i) => ['--attr', `a${i}=v`]).flat(), /at most 32 attributes/);
    await refused('frank', ['--username', 'GRACE', '--name', 'F'], /^tessera: error: username 'GRACE' is taken\n$/);
    await refused('frank', ['--username', 'not valid!'], /username must be 1 to 64 characters/);
    await refused('frank', ['--email', 'not-an-address'], /is not an email address/);
    const nobody = await update('nobody-here', '--name', 'X');
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stderr, "tessera: error: no user 'nobody-here'\n");
    // 32 is allowed; the same name in another case is the user's own.
    assert.equal((await update('frank', ...Array.from({ length: 32 }, (_, i) => ['--attr', `a${i}=v`]).flat())).code, 0);
    assert.equal((await update('frank', '--username', 'Frank')).code, 0);
    assert.equal((await show('frank'))['username'], 'Frank');
  });

  it('loses no change when updates of different fields and attributes run at once', async () => {
    await server.addUser({ username: 'heidi' });
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all([
        update('heidi', '--name', `Heidi ${round}`),
        update('heidi', '--attr', `color=c${round}`),
        update('heidi', '--attr', `shift=s${round}`),
        update('heidi', '--email', `heidi${round}@example.com`),
      ]);
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      const shown = await show('heidi');
      assert.equal(shown['name'], `Heidi ${round}`);
      assert.equal(shown['email'], `heidi${round}@example.com`);
      assert.deepEqual(shown['attributes'], { color: `c${round}`, shift: `s${round}` });
    }
  });

  it('unlocks a user locked out by failed sign-ins, who then signs in at once; a lock after the unlock holds', async () => {
    const ivan = await server.addUser({ username: 'ivan' });
    const ip = '10.2.0.1';
    for (const n of [1, 2]) assert.equal(alert((await signIn('ivan', `wrong ${n}`, ip)).page), 'Incorrect username or password.');
    assert.match(alert((await signIn('ivan', 'wrong 3', ip)).page), /Too many failed sign-ins/);
    assert.match(alert((await signIn('ivan', ivan.password, ip)).page), /Too many failed sign-ins/, 'locked: the right password is refused');

    const locked = await show('ivan');
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Number(locked['locked_until']) > now + 500, `locked until ${String(locked['locked_until'])}`);
    assert.match((await tessera(['user', 'show', 'ivan', ...data])).stdout, /^locked\s+until \d{4}-\d\d-\d\dT/m);

    const unlocked = await tessera(['user', 'unlock', 'ivan', ...data, '--json']);
    assert.equal(unlocked.code, 0, unlocked.stderr);
    assert.equal((JSON.parse(unlocked.stdout) as Json)['sub'], ivan.sub);
    assert.equal((await show('ivan'))['locked_until'], null);
    const audited = await tesseraJson<Json[]>(['audit', 'list', '--type', 'user.unlocked', '--user', 'ivan', ...data]);
    assert.deepEqual(audited.map((e) => [e['user_id'], e['reason']]), [[ivan.sub, 'was_locked']]);

    assert.match(textOf((await signIn('ivan', ivan.password, ip)).page.html), /Your account/, 'signed in at once after the unlock');

    // The unlock gave a fresh allowance, not an endless one: three more failures lock again.
    for (const n of [1, 2]) assert.equal(alert((await signIn('ivan', `again ${n}`, ip)).page), 'Incorrect username or password.');
    assert.match(alert((await signIn('ivan', 'again 3', ip)).page), /Too many failed sign-ins/);
    assert.match(alert((await signIn('ivan', ivan.password, ip)).page), /Too many failed sign-ins/);
  });

  it('shows the second factor, the last sign-in and the lock state after real sign-ins', async () => {
    const judy = await server.addUser({ username: 'judy' });
    const fresh = await show('judy');
    assert.deepEqual([fresh['last_sign_in_at'], fresh['locked_until'], fresh['identities']], [null, null, []]);
    assert.deepEqual(fresh['mfa'], { totp: 'none', enrolled_at: null, backup_codes_remaining: 0 });

    const started = Math.floor(Date.now() / 1000);
    const { page: account, browser } = await signIn('judy', judy.password, '10.3.0.1');
    assert.match(textOf(account.html), /Two-step verification Off/);
    // Turns on two-step verification on the account page, as the user would.
    const setup = isPage(await browser.submit(account, {}, '/account/second-factor'));
    const key = /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(setup.html)?.[1] ?? assert.fail('no key');
    const done = isPage(await browser.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    assert.equal([...done.html.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].length, 10, textOf(done.html));

    const shown = await show('judy');
    assert.ok(Number(shown['last_sign_in_at']) >= started, `last sign-in ${String(shown['last_sign_in_at'])}`);
    const mfa = shown['mfa'] as Json;
    assert.equal(mfa['totp'], 'enrolled');
    assert.equal(mfa['backup_codes_remaining'], 10);
    assert.ok(Number(mfa['enrolled_at']) >= started);
    assert.equal(shown['locked_until'], null);
    const readable = (await tessera(['user', 'show', 'judy', ...data])).stdout;
    assert.match(readable, /^totp\s+enrolled \S+, 10 backup codes left$/m);
    assert.match(readable, /^last_sign_in\s+\d{4}-\d\d-\d\dT\S+Z$/m);
    assert.match(readable, /^locked\s+no$/m);
  });
});
