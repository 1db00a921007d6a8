import type { Locale } from '../../core/locale.js';
import enCommon from '../locales/en/common.json' with { type: 'json' };
import enSignup from '../locales/en/signup.json' with { type: 'json' };
import deCommon from '../locales/de/common.json' with { type: 'json' };
import deSignup from '../locales/de/signup.json' with { type: 'json' };
import frCommon from '../locales/fr/common.json' with { type: 'json' };
import frSignup from '../locales/fr/signup.json' with { type: 'json' };
import esCommon from '../locales/es/common.json' with { type: 'json' };
import esSignup from '../locales/es/signup.json' with { type: 'json' };

/**
 * The message catalogs: one JSON file per language and namespace under src/ui/locales, in i18next's
 * format (`{{name}}` interpolation, `_one`/`_other` plural suffixes). A namespace is added here once
 * for every language; a key missing in a language falls back to English (test/unit/i18n checks none is).
 */
export type Catalog = Record<string, string>;
export type Namespace = 'common' | 'signup';

export const CATALOGS: Record<Locale, Record<Namespace, Catalog>> = {
  en: { common: enCommon, signup: enSignup },
  de: { common: deCommon, signup: deSignup },
  fr: { common: frCommon, signup: frSignup },
  es: { common: esCommon, signup: esSignup },
};
