import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signInRefusal } from '../../src/core/accounts/sign-in.js';
import { lockedMessage } from '../../src/core/interaction/second-factor.js';
import { msg } from '../../src/core/message.js';
import { requestLocale } from '../../src/core/locale.js';
import { safeReturnPath } from '../../src/core/interaction/language-choice.js';
import { checkUiLocales } from '../../src/core/endpoints/authorize/checks/ui-locales.js';
import type { AuthorizationRequest } from '../../src/core/endpoints/authorize/request.js';
import type { Client } from '../../src/core/clients/client.js';
import { translator } from '../../src/ui/i18n/translator.js';
import { say, scopeDescription } from '../../src/ui/i18n/say.js';
import { DEFAULT_BRAND, type PageContext } from '../../src/ui/page-context.js';
import { renderPage } from '../../src/ui/pages.js';
import { renderMail } from '../../src/ui/mail/templates.js';

const ctx = (locale: 'en' | 'de' | 'fr' | 'es', path = '/account'): PageContext => ({ ...translator(locale), brand: DEFAULT_BRAND, path });

test('sign-in refusals are message ids: English as before, and in each language', () => {
  assert.equal(say(ctx('en'), signInRefusal({})), 'Incorrect username or password.');
  assert.equal(say(ctx('fr'), signInRefusal({})), "Nom d'utilisateur ou mot de passe incorrect.");
  assert.equal(say(ctx('en'), signInRefusal({ retryAfter: 61 })), 'Too many failed sign-ins. Try again in 2 minutes.');
  assert.equal(say(ctx('en'), signInRefusal({ retryAfter: 30 })), 'Too many failed sign-ins. Try again in 1 minute.');
  assert.equal(say(ctx('de'), signInRefusal({ retryAfter: 300 })), 'Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in 5 Minuten erneut.');
  assert.equal(say(ctx('es'), signInRefusal({ busy: true })), 'Hay demasiadas personas iniciando sesión en este momento. Vuelva a intentarlo en unos segundos.');
  assert.equal(say(ctx('de'), signInRefusal({ refusal: 'password_expired' })), 'Ihr Passwort ist abgelaufen. Ändern Sie es mit den Werkzeugen Ihrer Organisation und melden Sie sich dann erneut an.');
  assert.equal(say(ctx('fr'), lockedMessage(600)), 'Trop de codes erronés. Réessayez dans 10 minutes.');
});

test('a message says its values as text, the brand is always at hand, and text the core passes as it is stays as written', () => {
  const c = ctx('fr');
  assert.equal(say(c, msg('logout:notSignedIn')), "Vous n'êtes pas connecté à Tessera.");
  assert.equal(say(c, msg('security:deleted.message', { username: '<b>ada</b>' })), "Le compte <b>ada</b> n'existe plus. Les applications que vous utilisiez avec lui ont été déconnectées.");
  assert.equal(say(c, 'redirect_uri is not registered'), 'redirect_uri is not registered');
});

test('standard scopes are described in the reader\'s language; an operator\'s own descriptions and API scopes stay as written', () => {
  assert.equal(scopeDescription(ctx('de'), { name: 'email', description: 'See your email address' }), 'Ihre E-Mail-Adresse sehen');
  assert.equal(scopeDescription(ctx('de'), { name: 'email', description: 'Your work address' }), 'Your work address');
  assert.equal(scopeDescription(ctx('de'), { name: 'email', description: 'See your email address', api: 'Mail API' }), 'See your email address');
  assert.equal(scopeDescription(ctx('es'), { name: 'read:photos', description: 'See your photos' }), 'See your photos');
});

test('a page is drawn in its context\'s language, with the language switch pointing back to the page', () => {
  const page = renderPage('message', { title: msg('device:connected.title'), message: msg('device:connected.message') }, ctx('es', '/device?x=1&y=2'));
  assert.match(page, /<html lang="es">/);
  assert.match(page, /<h1>Dispositivo conectado<\/h1>/);
  assert.match(page, /<form method="post" action="\/language"/);
  assert.match(page, /<input type="hidden" name="return" value="\/device\?x=1&amp;y=2">/);
  assert.match(page, /<option value="es" lang="es" selected>Español<\/option>/);
  const error = renderPage('error', { error: 'invalid_request', description: msg('errors:chooseDecision') }, ctx('de'));
  assert.match(error, /Wählen Sie „Erlauben“ oder „Ablehnen“\./);
});

test('the switch goes back only to a path of this server', () => {
  const issuer = 'https://id.example.com';
  assert.equal(safeReturnPath(issuer, '/authorize?client_id=a&ui_locales=fr'), '/authorize?client_id=a&ui_locales=fr');
  for (const evil of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)', '', undefined, `/${'a'.repeat(3000)}`]) {
    assert.equal(safeReturnPath(issuer, evil), '/', String(evil));
  }
});

test('ui_locales keeps well-formed tags only, and a value too long or malformed is ignored without an error', () => {
  const run = (value: string) => {
    const request = { clientId: 'c', redirectUri: 'https://a.example/cb', redirectUriInRequest: true, scopes: [], codeChallenge: '', prompt: [] } as AuthorizationRequest;
    checkUiLocales({ params: { ui_locales: value }, client: {} as Client, request });
    return request.uiLocales;
  };
  assert.equal(run('fr-CA de'), 'fr-CA de');
  assert.equal(run('<script> fr'), 'fr');
  assert.equal(run('x'.repeat(300)), undefined);
  assert.equal(run('   '), undefined);
});

test('the locale of a request: the switch\'s cookie, then ui_locales, then Accept-Language', () => {
  assert.equal(requestLocale({ cookies: { lang: 'es' }, headers: { 'accept-language': 'de' } }, 'fr'), 'es');
  assert.equal(requestLocale({ cookies: {}, headers: { 'accept-language': 'de' } }, 'fr'), 'fr');
  assert.equal(requestLocale({ cookies: {}, headers: { 'accept-language': 'de-AT,en;q=0.5' } }), 'de');
});

test('the password reset mail is written in the language it is asked in, English when none is given', () => {
  const data = { username: 'ada', link: 'https://id.example.com/login/reset-password?token=abc', minutes: 30 };
  const de = renderMail({ name: 'password-reset', data, locale: 'de' });
  assert.equal(de.subject, 'Passwort zurücksetzen');
  assert.match(de.text, /^Hallo ada,/);
  assert.match(de.text, /30 Minuten lang/);
  assert.match(de.html, /<html lang="de">/);
  const en = renderMail({ name: 'password-reset', data });
  assert.equal(en.subject, 'Reset your password');
  assert.match(en.text, /The link works once, for 30 minutes\./);
});
