import type { Locale } from '../../core/locale.js';
import enCommon from '../locales/en/common.json' with { type: 'json' };
import enPasskeys from '../locales/en/passkeys.json' with { type: 'json' };
import deCommon from '../locales/de/common.json' with { type: 'json' };
import dePasskeys from '../locales/de/passkeys.json' with { type: 'json' };
import frCommon from '../locales/fr/common.json' with { type: 'json' };
import frPasskeys from '../locales/fr/passkeys.json' with { type: 'json' };
import esCommon from '../locales/es/common.json' with { type: 'json' };
import esPasskeys from '../locales/es/passkeys.json' with { type: 'json' };

/**
 * The message catalogs: one JSON file per language and namespace under src/ui/locales, in i18next's
 * format (`{{name}}` interpolation, `_one`/`_other` plural suffixes). A namespace is added here once
 * for every language; a key missing in a language falls back to English (test/unit/i18n checks none is).
 */
export type Catalog = Record<string, string>;
export type Namespace = 'common' | 'passkeys';

export const CATALOGS: Record<Locale, Record<Namespace, Catalog>> = {
  en: { common: enCommon, passkeys: enPasskeys },
  de: { common: deCommon, passkeys: dePasskeys },
  fr: { common: frCommon, passkeys: frPasskeys },
  es: { common: esCommon, passkeys: esPasskeys },
};
