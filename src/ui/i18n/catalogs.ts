import type { Locale } from '../../core/locale.js';
import enCommon from '../locales/en/common.json' with { type: 'json' };
import deCommon from '../locales/de/common.json' with { type: 'json' };
import frCommon from '../locales/fr/common.json' with { type: 'json' };
import esCommon from '../locales/es/common.json' with { type: 'json' };

/**
 * The message catalogs: one JSON file per language and namespace under src/ui/locales, in i18next's
 * format (`{{name}}` interpolation, `_one`/`_other` plural suffixes). A namespace is added here once
 * for every language; a key missing in a language falls back to English (test/unit/i18n checks none is).
 */
export type Catalog = Record<string, string>;
export type Namespace = 'common';

export const CATALOGS: Record<Locale, Record<Namespace, Catalog>> = {
  en: { common: enCommon },
  de: { common: deCommon },
  fr: { common: frCommon },
  es: { common: esCommon },
};
