import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGS, NAMESPACES } from '../../src/ui/i18n/catalogs.js';
import { SUPPORTED_LOCALES } from '../../src/core/locale.js';
import { STANDARD_SCOPE_DESCRIPTIONS } from '../../src/core/scopes.js';

const PLURAL = /_(zero|one|two|few|many|other)$/;
const variables = (text: string) => [...text.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]!).sort();
const markup = (text: string) => [...text.matchAll(/<\/?([a-z]+)/g)].map((m) => m[0]).sort();

test('every language has exactly the keys of English in every namespace, plural forms as its own rules need them', () => {
  for (const ns of NAMESPACES) {
    const base = (l: string) => new Set(Object.keys(CATALOGS[l as 'en'][ns]).map((k) => k.replace(PLURAL, '')));
    const english = base('en');
    for (const locale of SUPPORTED_LOCALES) {
      assert.deepEqual([...base(locale)].sort(), [...english].sort(), `${locale}/${ns}.json has other keys than en/${ns}.json`);
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      const plurals = new Set(Object.keys(CATALOGS.en[ns]).filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')));
      for (const key of plurals) {
        for (const category of categories) assert.ok(`${key}_${category}` in CATALOGS[locale][ns], `${locale}/${ns}.json lacks ${key}_${category}`);
      }
    }
  }
});

test('every translation uses the same {{variables}} and the same markup as the English one, and none is empty', () => {
  for (const ns of NAMESPACES) {
    for (const [key, english] of Object.entries(CATALOGS.en[ns])) {
      const base = key.replace(PLURAL, '');
      for (const locale of SUPPORTED_LOCALES) {
        for (const [other, text] of Object.entries(CATALOGS[locale][ns]).filter(([k]) => k.replace(PLURAL, '') === base)) {
          assert.notEqual(text.trim(), '', `${locale}/${ns}:${other} is empty`);
          assert.deepEqual([...new Set(variables(text))], [...new Set(variables(english))], `${locale}/${ns}:${other} has other variables than en/${ns}:${key}`);
          assert.deepEqual(markup(text), markup(english), `${locale}/${ns}:${other} has other markup than en/${ns}:${key}`);
        }
      }
    }
  }
});

/** Every source file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('every message id the core hands a page and every key a page or mail asks for is in the English catalog', () => {
  const has = (id: string) => {
    const [ns, key] = id.includes(':') ? (id.split(':', 2) as [string, string]) : ['common', id];
    const catalog = (CATALOGS.en as Record<string, Record<string, string>>)[ns];
    return catalog !== undefined && (key in catalog || `${key}_other` in catalog);
  };
  const used = new Set<string>();
  for (const file of [...sources('src/core'), ...sources('src/ui')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\b(?:msg|t|tHtml)\(\s*'([A-Za-z.:_]+)'/g)) used.add(m[1]!);
  }
  assert.ok(used.size > 150, `found only ${used.size} message ids: the scan is broken`);
  const missing = [...used].filter((id) => !has(id));
  assert.deepEqual(missing, [], 'message ids without an English text');
  for (const scope of Object.keys(STANDARD_SCOPE_DESCRIPTIONS)) assert.ok(has(`consent:scope.${scope}`), `no translation of the ${scope} scope's description`);
});
