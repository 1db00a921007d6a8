import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTestDirectory, type TestDirectory } from '../helpers/ldap.js';
import { PEOPLE, SERVICE, USERS } from '../helpers/ldap-fixtures.js';
import { startOAuth2Provider, type OAuth2Misbehaviour, type TestProvider } from '../helpers/upstream-idp.js';
import { tessera } from '../helpers/cli.js';
import { discover } from '../helpers/oidc.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { totp } from '../helpers/totp.js';
import { parseMetrics, valueOf, type Sample } from '../helpers/metrics.js';

/**
 * tessera_sign_ins_total's `method` for each way of signing in, driven for real: a directory (a
 * real slapd), an upstream OAuth 2.0 provider, and a second factor (TOTP, a backup code, a wrong code).
 */

const TOKEN = 'sign-in-methods-token-0123456789';
const CALLBACK = 'https://app.example.com/cb';
const SECRET = 'octo-client-secret-with-enough-entropy-0123456789';

describe('metrics: sign-ins by method', () => {
  let server: TestServer;
  let directory: TestDirectory;
  let octo: TestProvider<OAuth2Misbehaviour>;
  let config: client.Configuration;

  before(async () => {
    directory = await startTestDirectory();
    server = await startTestServer({}, undefined, { metrics: { token: TOKEN } });
    octo = await startOAuth2Provider({
      clients: [{ client_id: 'tessera-gh', client_secret: SECRET, redirect_uris: [`${server.issuer}/federation/octo/callback`] }],
      users: [{ login: 'octo', password: 'octo password', profile: { id: 4242, login: 'octo', email: 'octo@example.com', name: 'Octo Cat' } }],
    });
    const app = await server.addClient({ name: 'Wiki', redirectUris: [CALLBACK], scopes: ['openid', 'profile', 'email'] });
    config = await discover(server, app.clientId, app.secret);
    const ldap = await tessera(['idp', 'add', 'ldap', '--name', 'corp', '--url', directory.url, '--start-tls', '--ca-file', directory.caFile, '--bind-dn', SERVICE.dn, '--user-base', PEOPLE, '--bind-password-stdin', '--json', ...server.storeArgs], SERVICE.password);
    assert.equal(ldap.code, 0, ldap.stderr);
    const gh = await tessera(
      ['idp', 'add', 'oauth2', '--name', 'octo', '--display-name', 'Octo', '--authorization-endpoint', `${octo.issuer}/authorize`, '--token-endpoint', `${octo.issuer}/token`, '--user-endpoint', `${octo.issuer}/user`, '--client-id', 'tessera-gh', '--client-secret-stdin', ...server.storeArgs],
      SECRET,
    );
    assert.equal(gh.code, 0, gh.stderr);
  });
  after(async () => {
    await server.close();
    await octo.stop();
    await directory.close();
  });

  const samples = async (): Promise<Sample[]> => parseMetrics(await (await fetch(`${server.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text());
  /** How much each sign_ins_total series moved while `act` ran. */
  async function signInsDuring(act: () => Promise<void>): Promise<Record<string, number>> {
    const before = await samples();
    await act();
    const after = await samples();
    const moved: Record<string, number> = {};
    for (const s of after.filter((x) => x.name === 'tessera_sign_ins_total')) {
      const d = s.value - valueOf(before, s.name, s.labels);
      if (d !== 0) moved[`${s.labels['outcome']} ${s.labels['method']}`] = d;
    }
    return moved;
  }
  const loginPage = async (browser: Browser): Promise<Page> => {
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    return isPage(await browser.visit(url.href));
  };

  it('counts a directory sign-in as directory, and its wrong password as password', async () => {
    assert.deepEqual(
      await signInsDuring(async () => {
        const browser = new Browser(server.issuer);
        const wrong = await browser.submit(await loginPage(browser), { username: USERS.alice.uid, password: 'not alice password' });
        assert.match(textOf(isPage(wrong).html), /Incorrect username or password/);
        const fresh = new Browser(server.issuer);
        const step = await fresh.submit(await loginPage(fresh), { username: USERS.alice.uid, password: USERS.alice.password });
        assert.ok('leftTo' in step || /name="decision"/.test(step.html), `signed in: ${'html' in step ? textOf(step.html).slice(0, 200) : ''}`);
      }),
      { 'failure password': 1, 'success directory': 1 },
    );
  });

  it('counts a sign-in through an upstream OAuth 2.0 provider as upstream', async () => {
    assert.deepEqual(
      await signInsDuring(async () => {
        const browser = new Browser(server.issuer);
        const login = await loginPage(browser);
        const href = /href="([^"]+)">Continue with Octo</.exec(login.html)?.[1]?.replace(/&amp;/g, '&');
        assert.ok(href, textOf(login.html));
        const leaving = await browser.visit(href.startsWith('http') ? href : `${server.issuer}${href}`);
        assert.ok('leftTo' in leaving, 'to the provider');
        const back = await new Browser(octo.issuer).authorize(leaving.leftTo, { username: 'octo', password: 'octo password' });
        const step = await browser.visit(back.href);
        assert.ok('leftTo' in step || /name="decision"/.test(step.html), 'signed in');
      }),
      { 'success upstream': 1 },
    );
  });

  it('counts second factors: totp, backup_code, and a wrong code as second_factor', async () => {
    const user = await server.addUser({ username: 'tess' });
    // Turn on two-step verification on /account.
    const browser = new Browser(server.issuer);
    const account = isPage(await browser.submit(isPage(await browser.visit(`${server.issuer}/account`)), { username: user.username, password: user.password }));
    const setup = isPage(await browser.submit(account, {}, '/account/second-factor'));
    const key = /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(setup.html)?.[1] ?? assert.fail(textOf(setup.html));
    const done = isPage(await browser.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    const backupCodes = [...done.html.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(backupCodes.length, 10, textOf(done.html));
    // A code already used cannot be used again: the next sign-ins are in later 30 s steps.
    server.advance(60);

    const secondFactorPage = async () => {
      const b = new Browser(server.issuer);
      const page = isPage(await b.submit(await loginPage(b), { username: user.username, password: user.password }));
      assert.match(page.html, /name="code"/, textOf(page.html));
      return { b, page };
    };
    assert.deepEqual(
      await signInsDuring(async () => {
        const first = await secondFactorPage();
        const wrongCode = totp(key, server.tessera.ctx.now()) === '123456' ? '654321' : '123456';
        const refused = isPage(await first.b.submit(first.page, { code: wrongCode }));
        assert.equal(refused.status, 400);
        await first.b.submit(refused, { code: totp(key, server.tessera.ctx.now()) });
        server.advance(60);
        const second = await secondFactorPage();
        const step = await second.b.submit(second.page, { code: backupCodes[0]! });
        assert.ok('leftTo' in step || !/name="code"/.test(step.html), 'the backup code was taken');
      }),
      { 'success password': 2, 'failure second_factor': 1, 'success totp': 1, 'success backup_code': 1 },
    );
  });
});
