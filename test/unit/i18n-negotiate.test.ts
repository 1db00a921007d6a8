import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateLocale } from '../../src/core/locale.js';
import { translator } from '../../src/ui/i18n/translator.js';

test('the person\'s own choice wins, then ui_locales in order, then Accept-Language by q-value', () => {
  assert.equal(negotiateLocale({ chosen: 'es', uiLocales: 'fr', acceptLanguage: 'de' }), 'es');
  assert.equal(negotiateLocale({ uiLocales: 'ja fr-CA de', acceptLanguage: 'es' }), 'fr');
  assert.equal(negotiateLocale({ uiLocales: 'ja', acceptLanguage: 'ja, de;q=0.5, fr;q=0.8' }), 'fr');
  assert.equal(negotiateLocale({ acceptLanguage: 'fr;q=0, de-AT;q=0.1' }), 'de');
  assert.equal(negotiateLocale({ acceptLanguage: '*' }), 'en');
  assert.equal(negotiateLocale({ chosen: 'xx', acceptLanguage: 'garbage;q=abc, es' }), 'es');
  assert.equal(negotiateLocale({}), 'en');
});

test('t gives plain text, tHtml escapes only the values', () => {
  const fr = translator('fr');
  assert.equal(fr.t('signedInAs', { username: '<b>' }), 'Connecté en tant que <b>');
  assert.equal(fr.tHtml('signedInAs', { username: '<b>' }).value, 'Connecté en tant que &lt;b&gt;');
  assert.equal(translator('de').t('common:signIn'), 'Anmelden');
});
