import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { totp } from '../helpers/totp.js';
import { tesseraJson } from '../helpers/cli.js';
import { randomUUID } from 'node:crypto';
import { createPasswordHasher } from '../../src/core/accounts/passwords.js';
import { buildUser } from '../../src/core/accounts/users.js';

/**
 * Attacks on the limits with real concurrent bursts (issue 15 §1, §4, §5): every request of a burst
 * is sent at once, so a limit that only looks before it counts would let them all through.
 */

const BURST = 60;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';
const fromIp = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip });
const tally = (values: (string | number)[]) => values.reduce<Record<string, number>>((t, v) => ({ ...t, [v]: (t[v] ?? 0) + 1 }), {});

/** The passwords the server runs argon2 on, recorded by wrapping its hasher (an observation; nothing is replaced). */
function recordPasswordChecks(server: TestServer): string[] {
  const passwords = server.tessera.ctx.passwords;
  const verify = passwords.verify.bind(passwords);
  const checked: string[] = [];
  passwords.verify = async (hash, password, requester) => {
    checked.push(password);
    return verify(hash, password, requester);
  };
  return checked;
}

/** Resolves once `n` of the requests have been answered. */
function answered<T>(requests: Promise<T>[], n: number): Promise<void> {
  let done = 0;
  return new Promise((resolve) => {
    for (const r of requests) void r.finally(() => ++done === n && resolve());
  });
}

/** Audit events of a type and reason, counting aggregated rows by their count. */
async function audited(server: TestServer, type: string, reason: string): Promise<number> {
  const events = await server.tessera.ctx.stores.audit.list({ type, limit: 1000 });
  return events.filter((e) => e.reason === reason).reduce((n, e) => n + ((e as { count?: number }).count ?? 1), 0);
}

/** A browser at the account page's sign-in form, from `ip`. */
async function signInForm(server: TestServer, ip: string, browser = new Browser(server.issuer, fromIp(ip))): Promise<{ browser: Browser; form: Page }> {
  return { browser, form: isPage(await browser.visit(`${server.issuer}/account`)) };
}

describe('count before you verify: concurrent guesses cannot outrun a limit', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ signInLimits: { perPair: 5, perSubject: 20, perIp: 80, delayMs: 1 } }, undefined, { trustProxy: true });
  });
  after(() => server.close());

  it(`checks at most 5 of ${BURST} concurrent wrong passwords from one address, and refuses the right one while the lock holds`, async () => {
    const alice = await server.addUser({ username: 'alice' });
    const checked = recordPasswordChecks(server);
    const { browser, form } = await signInForm(server, '10.9.0.1');
    const wrong = Array.from({ length: BURST }, (_, i) => browser.submit(form, { username: 'alice', password: `wrong guess ${i}` }));
    // The right password joins the burst once its first answers are back (the lock is on by the fifth failure).
    await answered(wrong, 5);
    const right = browser.submit(form, { username: 'alice', password: alice.password });
    const pages = (await Promise.all([...wrong, right])).map(isPage);
    const guessesChecked = checked.filter((p) => p !== alice.password).length;
    assert.ok(guessesChecked <= 5, `argon2 ran on ${guessesChecked} of ${BURST} guesses`);
    const last = pages.at(-1)!;
    assert.equal(last.status, 429, `the right password inside the burst is refused: ${alert(last)}`);
    assert.match(alert(last), /Too many failed sign-ins/);
    assert.ok(Number(last.headers.get('retry-after')) > 0);
    assert.ok(pages.filter((p) => p.status === 429).length >= BURST + 1 - 5, JSON.stringify(tally(pages.map((p) => p.status))));
    // And after the burst, while the lock holds.
    const again = isPage(await browser.submit(form, { username: 'alice', password: alice.password }));
    assert.match(alert(again), /Too many failed sign-ins/);
    assert.equal(checked.includes(alice.password), false, 'the right password was never even checked');
  });

  it(`checks at most the allowance of ${BURST} concurrent wrong second-factor codes, and refuses the right code meanwhile`, async () => {
    const bob = await server.addUser({ username: 'bob' });
    // Bob turns on two-step verification on the account page.
    const { browser: setupBrowser, form: setupForm } = await signInForm(server, '10.9.1.1');
    const account = isPage(await setupBrowser.submit(setupForm, { username: 'bob', password: bob.password }));
    const setup = isPage(await setupBrowser.submit(account, {}, '/account/second-factor'));
    const key = /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(setup.html)![1]!;
    isPage(await setupBrowser.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    server.advance(30);

    // The attacker knows the password and guesses the code from one address.
    const { browser, form } = await signInForm(server, '10.9.1.2');
    const factorPage = isPage(await browser.submit(form, { username: 'bob', password: bob.password }));
    assert.match(factorPage.html, /name="code"/);
    const current = totp(key, server.tessera.ctx.now());
    const guesses = Array.from({ length: BURST }, (_, i) => String((Number(current) + 1 + i * 7919) % 1_000_000).padStart(6, '0'));
    const wrong = guesses.map((code) => browser.submit(factorPage, { code }));
    await answered(wrong, 5);
    const right = browser.submit(factorPage, { code: current });
    const pages = (await Promise.all([...wrong, right])).map(isPage);
    const checked = await audited(server, 'mfa.failure', 'wrong_code');
    assert.ok(checked <= 5, `${checked} wrong codes were checked`);
    assert.equal(pages.at(-1)!.status, 429, `the right code inside the burst is refused: ${alert(pages.at(-1)!)}`);
    assert.match(alert(pages.at(-1)!), /Too many wrong codes/);
  });

  it(`checks at most 5 of ${BURST} concurrent wrong device user codes from one session`, async () => {
    const carol = await server.addUser({ username: 'carol' });
    const tv = await server.addClient({ name: 'TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid'] });
    const config = await discover(server, tv.clientId);
    const start = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const { browser, form } = await signInForm(server, '10.9.2.1');
    isPage(await browser.submit(form, { username: 'carol', password: carol.password }));
    const codePage = isPage(await browser.visit(`${server.issuer}/device`));
    const guesses = Array.from({ length: BURST }, (_, i) => `BCDF-${'GHJKLMNPQRSTVWXZ'[i % 16]}${'GHJKLMNPQRSTVWXZ'[Math.floor(i / 16)]}JK`);
    const wrong = guesses.map((user_code) => browser.submit(codePage, { user_code }));
    await answered(wrong, 5);
    const right = browser.submit(codePage, { user_code: start.user_code });
    const pages = (await Promise.all([...wrong, right])).map(isPage);
    const lookedUp = pages.slice(0, BURST).filter((p) => /not valid/.test(textOf(p.html))).length;
    assert.ok(lookedUp <= 5, `${lookedUp} guesses were looked up`);
    assert.equal(pages.at(-1)!.status, 429, 'the real code inside the burst is refused');
  });

  it(`answers at most the allowance of ${BURST} concurrent wrong client secrets with 401, the rest with 429`, async () => {
    const svc = await server.addClient({ name: 'Reports', grantTypes: ['client_credentials'], scopes: ['reports'] });
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, { ...basic(svc.clientId, `guess-${i}`), ...fromIp('10.9.3.1') })),
    );
    const statuses = tally(answers.map((a) => a.status));
    assert.ok((statuses[401] ?? 0) <= 10, JSON.stringify(statuses));
    assert.equal((statuses[401] ?? 0) + (statuses[429] ?? 0), BURST, JSON.stringify(statuses));
  });
});

describe('strangers cannot lock real clients and users out', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ signInLimits: { perPair: 5, perSubject: 20, perIp: 50, delayMs: 1 } }, undefined, { trustProxy: true });
  });
  after(() => server.close());

  it('serves a client that authenticates after 10 bad secrets from each of 5 addresses', async () => {
    const svc = await server.addClient({ name: 'Billing', grantTypes: ['client_credentials'], scopes: ['billing'] });
    const token = (secret: string, ip: string) => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, { ...basic(svc.clientId, secret), ...fromIp(ip) });
    await Promise.all(['10.8.0.1', '10.8.0.2', '10.8.0.3', '10.8.0.4', '10.8.0.5'].flatMap((ip) => Array.from({ length: 10 }, (_, i) => token(`bad-${i}`, ip))));
    const served = await token(svc.secret!, '10.8.0.6');
    assert.equal(served.status, 200, JSON.stringify(served.body));
  });

  it('registers with a valid initial access token after 50 bad ones from other addresses, and a refused registration spends no use', async () => {
    const { token: iat } = await tesseraJson<{ token: string }>(['registration-token', 'create', '--uses', '1', ...server.storeArgs]);
    const register = (token: string, ip: string, metadata: Record<string, unknown> = { redirect_uris: ['https://app.example.com/cb'] }) =>
      fetch(`${server.issuer}/register`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...fromIp(ip) }, body: JSON.stringify(metadata) });
    await Promise.all(Array.from({ length: 50 }, (_, i) => register(`not-a-token-${i}`, `10.8.1.${i % 5}`)));
    const refused = await register(iat, '10.8.1.9', { redirect_uris: ['http://not-https.example.com/cb'] });
    assert.equal(refused.status, 400, 'bad metadata is refused');
    const created = await register(iat, '10.8.1.9');
    assert.equal(created.status, 201, await created.text());
    assert.equal((await register(iat, '10.8.1.9')).status, 401, 'its one use is spent now');
  });

  it("keeps the owner's usual browser signing in while strangers lock the username everywhere else", async () => {
    const dana = await server.addUser({ username: 'dana' });
    // Dana signed in from her laptop before: it carries her device cookie.
    const laptop = new Browser(server.issuer, fromIp('10.8.2.1'));
    const first = isPage(await laptop.submit(isPage(await laptop.visit(`${server.issuer}/account`)), { username: 'dana', password: dana.password }));
    assert.match(textOf(first.html), /Your account/);
    // Her session ends (the device cookie stays, as it does when a session expires).
    laptop.cookies.delete('tessera_session');

    // 4 wrong passwords from each of 5 addresses: under each address's limit, 20 for the username.
    const attackers = ['10.8.3.1', '10.8.3.2', '10.8.3.3', '10.8.3.4', '10.8.3.5'];
    const forms = await Promise.all(attackers.map((ip) => signInForm(server, ip)));
    await Promise.all(forms.flatMap(({ browser, form }) => Array.from({ length: 4 }, (_, i) => browser.submit(form, { username: 'dana', password: `guess ${i}` }))));

    // A browser Tessera has never seen is refused even with the right password...
    const { browser: stranger, form } = await signInForm(server, '10.8.4.1');
    assert.match(alert(isPage(await stranger.submit(form, { username: 'dana', password: dana.password }))), /Too many failed sign-ins/);
    // ...but Dana's laptop signs in: its device cookie is counted on its own.
    const back = isPage(await laptop.submit(isPage(await laptop.visit(`${server.issuer}/account`)), { username: 'dana', password: dana.password }));
    assert.match(textOf(back.html), /Your account/, alert(back));
  });

  it('trusts a device cookie only for the account it was issued for, and never a forged one', async () => {
    const erin = await server.addUser({ username: 'erin' });
    const frank = await server.addUser({ username: 'frank' });
    // The attacker signs in to their own account (frank) to get a genuine device cookie...
    const attacker = new Browser(server.issuer, fromIp('10.8.5.1'));
    isPage(await attacker.submit(isPage(await attacker.visit(`${server.issuer}/account`)), { username: 'frank', password: frank.password }));
    assert.ok(attacker.cookies.get('tessera_device'));
    const genuine = attacker.cookies.get('tessera_device')!;
    // ...and forges one for erin.
    const parts = genuine.split('.');
    const forged = `${parts[0]}.${parts[1]}.${'A'.repeat(43)}`;
    for (const cookie of [genuine, forged]) {
      const browser = new Browser(server.issuer, fromIp('10.8.5.2'));
      browser.cookies.set('tessera_device', cookie);
      const { form } = await signInForm(server, '10.8.5.2', browser);
      await Promise.all(Array.from({ length: 5 }, (_, i) => browser.submit(form, { username: 'erin', password: `guess ${i}` })));
      // Counted as an unknown browser: the pair limit of 5 from this address applies.
      assert.match(alert(isPage(await browser.submit(form, { username: 'erin', password: erin.password }))), /Too many failed sign-ins/);
      await server.tessera.ctx.limits.signIn.pair.reset(`erin\u000010.8.5.2`);
    }
  });
});

describe('one flooding address cannot crowd everyone else out of password checks', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ signInLimits: { perPair: 5, perSubject: 1000, perIp: 1000, delayMs: 1 } }, undefined, { trustProxy: true, passwordHashing: { concurrency: 1, queue: 8 } });
  });
  after(() => server.close());

  it('keeps signing in people from other addresses while one address floods the queue', async () => {
    const people = await Promise.all(Array.from({ length: 5 }, (_, i) => server.addUser({ username: `person${i}` })));
    // The flood names accounts whose hashes are costly to check (older, stronger parameters), so it really fills the queue.
    const costly = await createPasswordHasher({ memoryCost: 65536, timeCost: 3, parallelism: 1 });
    const template = await buildUser({ username: 'template', password: 'their own long password' }, costly, server.tessera.ctx.now());
    for (let i = 0; i < 60; i++) await server.tessera.ctx.stores.users.create({ ...template, id: randomUUID(), username: `target${i}` });
    const flooder = await signInForm(server, '10.5.0.1');
    const forms = await Promise.all(people.map((_, i) => signInForm(server, `10.5.1.${i}`)));
    const flood = Array.from({ length: 60 }, (_, i) => flooder.browser.submit(flooder.form, { username: `target${i}`, password: 'a wrong password' }));
    // Once the flood's first answers are back, its checks fill what the queue would let them.
    await answered(flood, 1);
    const real = await Promise.all(people.map((p, i) => forms[i]!.browser.submit(forms[i]!.form, { username: p.username, password: p.password })));
    const floodPages = (await Promise.all(flood)).map(isPage);
    assert.deepEqual(real.map((p) => textOf(isPage(p).html).includes('Your account')), [true, true, true, true, true], 'every real sign-in went through');
    assert.ok(floodPages.some((p) => p.status === 503), 'the flooding address was turned away, not everyone');
  });
});

describe('failed sign-ins are not a CPU amplifier', () => {
  let server: TestServer;

  before(async () => {
    // One hash at a time and 2 waiting: a flood from many addresses fills it at once.
    server = await startTestServer({ signInLimits: { perPair: 5, perSubject: 1000, perIp: 1000, delayMs: 1 } }, undefined, { trustProxy: true, passwordHashing: { concurrency: 1, queue: 2 } });
  });
  after(() => server.close());

  it('answers sign-ins beyond the hashing queue with 503 and Retry-After, on the login page and the password grant', async () => {
    const gina = await server.addUser({ username: 'gina' });
    const legacy = await server.addClient({ name: 'Legacy', grantTypes: ['password'], scopes: ['openid'] });
    const forms = await Promise.all(Array.from({ length: 40 }, (_, i) => signInForm(server, `10.7.${i}.1`)));
    const pages = (await Promise.all(forms.map(({ browser, form }, i) => browser.submit(form, { username: `user${i}`, password: 'a wrong password' })))).map(isPage);
    const busy = pages.filter((p) => p.status === 503);
    assert.ok(busy.length > 0, JSON.stringify(tally(pages.map((p) => p.status))));
    assert.ok(Number(busy[0]!.headers.get('retry-after')) >= 1);
    assert.match(alert(busy[0]!), /Try again in a few seconds/);
    assert.match(busy[0]!.html, /name="password"/, 'the form is there to try again');

    const grants = await Promise.all(
      Array.from({ length: 40 }, (_, i) => postForm(`${server.issuer}/token`, { grant_type: 'password', username: 'gina', password: `wrong ${i}` }, { ...basic(legacy.clientId, legacy.secret!), ...fromIp(`10.6.${i}.1`) })),
    );
    const unavailable = grants.filter((g) => g.status === 503);
    assert.ok(unavailable.length > 0, JSON.stringify(tally(grants.map((g) => g.status))));
    assert.equal(unavailable[0]!.body['error'], 'temporarily_unavailable');
    assert.ok(Number(unavailable[0]!.headers.get('retry-after')) >= 1);

    // Once the flood has passed, the owner signs in as usual.
    const { browser, form } = await signInForm(server, '10.7.200.1');
    assert.match(textOf(isPage(await browser.submit(form, { username: 'gina', password: gina.password })).html), /Your account/);
  });
});
