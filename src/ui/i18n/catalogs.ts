import type { Locale } from '../../core/locale.js';
import enCommon from '../locales/en/common.json' with { type: 'json' };
import enBranding from '../locales/en/branding.json' with { type: 'json' };
import deCommon from '../locales/de/common.json' with { type: 'json' };
import deBranding from '../locales/de/branding.json' with { type: 'json' };
import frCommon from '../locales/fr/common.json' with { type: 'json' };
import frBranding from '../locales/fr/branding.json' with { type: 'json' };
import esCommon from '../locales/es/common.json' with { type: 'json' };
import esBranding from '../locales/es/branding.json' with { type: 'json' };

/**
 * The message catalogs: one JSON file per language and namespace under src/ui/locales, in i18next's
 * format (`{{name}}` interpolation, `_one`/`_other` plural suffixes). A namespace is added here once
 * for every language; a key missing in a language falls back to English (test/unit/i18n checks none is).
 */
export type Catalog = Record<string, string>;
export type Namespace = 'common' | 'branding';

export const CATALOGS: Record<Locale, Record<Namespace, Catalog>> = {
  en: { common: enCommon, branding: enBranding },
  de: { common: deCommon, branding: deBranding },
  fr: { common: frCommon, branding: frBranding },
  es: { common: esCommon, branding: esBranding },
};
