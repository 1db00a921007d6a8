import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { totp } from '../helpers/totp.js';
import { SCIM, provisioningClient, scimRequest } from '../helpers/scim.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { basic, postForm } from '../helpers/http.js';

const CALLBACK = 'https://app.example.com/cb';

/** A Subject header as the reader sees it: RFC 2047 encoded words (=?UTF-8?Q?…?= or ?B?) decoded. */
function subjectOf(raw: string): string {
  return raw.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, kind: string, text: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
}

describe('pages and emails in the reader\'s language', () => {
  let sink: MailSink;
  let server: TestServer;
  let clientId: string;
  let secret: string | undefined;
  let address = 10;
  /** A browser with a language of its own, from an address of its own (limits per IP stay apart). */
  const browser = (acceptLanguage?: string) =>
    new Browser(server.issuer, { 'x-forwarded-for': `198.51.100.${address++}`, ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}) });

  before(async () => {
    sink = await startMailSink();
    server = await startTestServer({}, undefined, { trustProxy: true, mail: { url: sink.url, from: 'Tessera <id@example.com>', allowPlain: true, pollSeconds: 0.2 } });
    ({ clientId, secret } = await server.addClient({ name: 'Notes', redirectUris: [CALLBACK], scopes: ['openid', 'profile', 'email'] }));
  });
  after(async () => {
    await server.close();
    await sink.stop();
  });

  const authorizeUrl = (extra: Record<string, string> = {}) => {
    const url = new URL(`${server.issuer}/authorize`);
    const params = { client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid profile email', code_challenge: client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256', state: 's', ...extra };
    return Promise.all(Object.entries(params).map(async ([k, v]) => url.searchParams.set(k, await v))).then(() => url.href);
  };
  const lang = (page: Page) => /<html lang="([a-z]+)">/.exec(page.html)?.[1];

  it('draws the login page in French for ui_locales=fr, and keeps French through the interaction to consent', async () => {
    const fay = await server.addUser({ username: 'fay' });
    const b = browser('de');
    const login = isPage(await b.visit(await authorizeUrl({ ui_locales: 'ja fr-CA' })));
    assert.equal(login.status, 200);
    assert.equal(lang(login), 'fr');
    assert.match(textOf(login.html), /Connexion pour continuer vers Notes Nom d&#39;utilisateur Mot de passe/);
    const refused = isPage(await b.submit(login, { username: 'fay', password: 'not the password' }));
    assert.equal(lang(refused), 'fr');
    assert.match(refused.html, /<p class="error" role="alert">Nom d&#39;utilisateur ou mot de passe incorrect\.<\/p>/);
    const consent = isPage(await b.submit(refused, { username: 'fay', password: fay.password }));
    assert.equal(lang(consent), 'fr');
    assert.match(textOf(consent.html), /Notes souhaite accéder à votre compte/);
    assert.match(textOf(consent.html), /Vous connecter et savoir qui vous êtes openid/);
    assert.match(consent.html, /<button type="submit" name="decision" value="allow">Autoriser<\/button>/);
  });

  it('keeps the language of ui_locales on the two-step verification page, also after a wrong code', async () => {
    const ivo = await server.addUser({ username: 'ivo' });
    const own = browser();
    const account = isPage(await own.submit(isPage(await own.visit(`${server.issuer}/account`)), { username: 'ivo', password: ivo.password }));
    const setup = isPage(await own.submit(account, {}, '/account/second-factor'));
    const key = /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(setup.html)![1]!;
    isPage(await own.submit(setup, { code: totp(key, server.tessera.ctx.now()) }, '/confirm'));
    server.advance(30);

    const b = browser('de');
    const login = isPage(await b.visit(await authorizeUrl({ ui_locales: 'es' })));
    const factor = isPage(await b.submit(login, { username: 'ivo', password: ivo.password }));
    assert.equal(lang(factor), 'es');
    assert.match(factor.html, /<h1>Verificación en dos pasos<\/h1>/);
    const wrong = isPage(await b.submit(factor, { code: '000000' === totp(key, server.tessera.ctx.now()) ? '111111' : '000000' }));
    assert.equal(lang(wrong), 'es');
    assert.match(wrong.html, /<p class="error" role="alert">Ese código no es correcto\./);
    const consent = isPage(await b.submit(wrong, { code: totp(key, server.tessera.ctx.now()) }));
    assert.equal(lang(consent), 'es');
    assert.match(textOf(consent.html), /Notes quiere acceder a su cuenta/);
  });

  it('draws pages in German from Accept-Language when the request has no ui_locales, and says so in <html lang>', async () => {
    const login = isPage(await browser('de-CH, en;q=0.5').visit(await authorizeUrl()));
    assert.equal(lang(login), 'de');
    assert.match(login.html, /<title>Anmelden · Tessera<\/title>/);
    assert.match(login.html, /<label for="password">Passwort<\/label>/);
    const home = isPage(await browser('es').visit(`${server.issuer}/`));
    assert.equal(lang(home), 'es');
    assert.match(textOf(home.html), /Para desarrolladores/);
  });

  it('the person\'s choice with the switch beats ui_locales and Accept-Language, and brings them back to the page', async () => {
    const b = browser('de');
    const url = await authorizeUrl({ ui_locales: 'fr' });
    const login = isPage(await b.visit(url));
    assert.equal(lang(login), 'fr');
    const switched = isPage(await b.submit(login, { lang: 'es' }, '/language'));
    assert.equal(switched.status, 200);
    assert.equal(lang(switched), 'es');
    assert.match(switched.html, /<h1>Iniciar sesión<\/h1>/);
    assert.equal(b.cookies.get('lang'), 'es');
    // Remembered: another page, another request of the client asking for French.
    assert.equal(lang(isPage(await b.visit(await authorizeUrl({ ui_locales: 'fr' })))), 'es');
    assert.equal(lang(isPage(await b.visit(`${server.issuer}/account`))), 'es');
  });

  it('ignores malformed or huge ui_locales and Accept-Language values without an error', async () => {
    const huge = isPage(await browser(`${'x'.repeat(3000)};q=abc, *;q=2`).visit(await authorizeUrl({ ui_locales: 'fr'.padEnd(2000, 'r') })));
    assert.equal(huge.status, 200);
    assert.equal(lang(huge), 'en');
    const odd = isPage(await browser(';;;,,,q=,de;q=NaN').visit(await authorizeUrl({ ui_locales: '<script>alert(1)</script> \u00e9 ..' })));
    assert.equal(odd.status, 200);
    assert.equal(lang(odd), 'en');
    assert.doesNotMatch(odd.html, /<script>/);
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata['ui_locales_supported'], ['en', 'de', 'fr', 'es']);
  });

  it('the switch sends the browser only back to this server, and refuses a post from another site', async () => {
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${server.issuer}/language`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
    for (const target of ['https://evil.example/', '//evil.example/path', '/\\evil.example', 'javascript:alert(1)']) {
      const answer = await post({ lang: 'de', return: target });
      assert.equal(answer.status, 303, target);
      assert.equal(answer.headers.get('location'), `${server.issuer}/`, target);
    }
    const fine = await post({ lang: 'fr', return: '/account?x=1' });
    assert.equal(fine.headers.get('location'), `${server.issuer}/account?x=1`);
    assert.match(fine.headers.get('set-cookie') ?? '', /^lang=fr; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
    const unknown = await post({ lang: 'xx', return: '/account' });
    assert.equal(unknown.status, 303);
    assert.equal(unknown.headers.get('set-cookie'), null);
    const crossSite = await post({ lang: 'de', return: '/' }, { origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.headers.get('set-cookie'), null);
  });

  it('remembers a signed-in person\'s choice as their locale, writes their reset email in it, and in the request\'s language for others', async () => {
    const gus = await server.addUser({ username: 'gus', email: 'gus@example.org' });
    const b = browser('en');
    const login = isPage(await b.visit(`${server.issuer}/account`));
    const account = isPage(await b.submit(login, { username: 'gus', password: gus.password }));
    assert.match(textOf(account.html), /Signed in as gus/);
    const german = isPage(await b.submit(account, { lang: 'de' }, '/language'));
    assert.match(textOf(german.html), /Angemeldet als gus/);
    assert.equal((await server.tessera.ctx.stores.users.findById(gus.sub))?.locale, 'de');

    // Asked for from a French browser: gus reads German, so the email is German.
    const asked = async (acceptLanguage: string, login: string) => {
      const c = browser(acceptLanguage);
      const form = isPage(await c.visit(`${server.issuer}/login/forgot-password`));
      const answer = isPage(await c.submit(form, { login }));
      assert.equal(answer.status, 200);
      return answer;
    };
    assert.match(textOf((await asked('fr', 'gus')).html), /Consultez vos e-mails/);
    const toGus = await sink.next();
    assert.deepEqual(toGus.to, ['gus@example.org']);
    assert.equal(subjectOf(toGus.subject), 'Passwort zurücksetzen');
    assert.match(toGus.decoded, /Hallo gus,/);

    // Someone without a language of their own gets it in the language of the page that asked.
    await server.addUser({ username: 'ines', email: 'ines@example.org' });
    await asked('es-MX', 'ines@example.org');
    const toInes = await sink.next();
    assert.deepEqual(toInes.to, ['ines@example.org']);
    assert.equal(subjectOf(toInes.subject), 'Restablecer su contraseña');
    assert.match(toInes.decoded, /Hola, ines:/);
  });

  it('takes a user\'s language from SCIM preferredLanguage, releases it as the locale claim with profile, and writes their email in it', async () => {
    const { token } = await provisioningClient(server, 'Okta');
    const bad = await scimRequest(server.issuer, token, 'POST', '/Users', { schemas: [SCIM.USER], userName: 'jon', preferredLanguage: 'not a tag!' });
    assert.equal(bad.status, 400);
    assert.equal(await server.tessera.ctx.stores.users.findByUsername('jon'), undefined, 'a refused creation creates nothing');
    const made = await scimRequest(server.issuer, token, 'POST', '/Users', { schemas: [SCIM.USER], userName: 'jon', preferredLanguage: 'fr-CA', emails: [{ value: 'jon@example.org', primary: true }], password: 'jon has a long password' });
    assert.equal(made.status, 201);
    assert.equal(made.body['preferredLanguage'], 'fr-CA');
    const id = made.body['id'] as string;
    const patched = await scimRequest(server.issuer, token, 'PATCH', `/Users/${id}`, { schemas: [SCIM.PATCH], Operations: [{ op: 'replace', path: 'preferredLanguage', value: 'es' }] });
    assert.equal(patched.status, 200);
    assert.equal((await server.tessera.ctx.stores.users.findById(id))?.locale, 'es');

    const { tokens } = await codeFlow(server, await discover(server, clientId, secret), CALLBACK, 'openid profile', { username: 'jon', password: 'jon has a long password' }, browser());
    const userinfo = (await (await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json()) as Record<string, unknown>;
    assert.equal(userinfo['locale'], 'es');
    const fay = await server.tessera.ctx.stores.users.findByUsername('fay');
    assert.equal(fay?.locale, undefined, 'a user who never chose has no locale');

    const asking = browser('de');
    const form = isPage(await asking.visit(`${server.issuer}/login/forgot-password`));
    assert.match(textOf(isPage(await asking.submit(form, { login: 'jon' })).html), /Prüfen Sie Ihre E-Mails/);
    const mail = await sink.next();
    assert.deepEqual(mail.to, ['jon@example.org']);
    assert.match(mail.decoded, /Hola, jon:/);
  });

  it('lets an operator set and clear a user\'s language with the admin API, refusing what is not a language tag', async () => {
    const kim = await server.addUser({ username: 'kim' });
    const admin = await server.addClient({ name: 'ops', grantTypes: ['client_credentials'], scopes: ['tessera:admin'] });
    const token = String((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'tessera:admin' }, basic(admin.clientId, admin.secret!))).body['access_token']);
    const patch = (body: unknown) =>
      fetch(`${server.issuer}/admin/v1/users/${kim.sub}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const set = await patch({ locale: 'de-AT' });
    assert.equal(set.status, 200);
    assert.equal(((await set.json()) as Record<string, unknown>)['locale'], 'de-AT');
    assert.equal((await patch({ locale: 'de AT' })).status, 400);
    const cleared = await patch({ locale: null });
    assert.equal(cleared.status, 200);
    assert.equal('locale' in ((await cleared.json()) as Record<string, unknown>), false);
    assert.equal((await server.tessera.ctx.stores.users.findById(kim.sub))?.locale, undefined);
  });
});
