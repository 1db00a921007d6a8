import i18next, { type i18n } from 'i18next';
import { escapeHtml, SafeHtml } from '../html.js';
import { CATALOGS, type Catalog } from './catalogs.js';
import { DEFAULT_LOCALE, SUPPORTED_LOCALES, type Locale } from '../../core/locale.js';

export type MessageValues = Record<string, string | number>;

/** The words of one language: `t` gives plain text (the `html` tag escapes it), `tHtml` keeps the catalog's own markup and escapes only the values. */
export interface Translator {
  locale: Locale;
  /** `namespace:key`, or a key of `common`. */
  t(key: string, values?: MessageValues): string;
  tHtml(key: string, values?: MessageValues): SafeHtml;
}

let shared: i18n | undefined;

function instance(): i18n {
  if (shared) return shared;
  const created = i18next.createInstance();
  void created.init({
    resources: CATALOGS,
    supportedLngs: [...SUPPORTED_LOCALES],
    fallbackLng: DEFAULT_LOCALE,
    defaultNS: 'common',
    ns: Object.keys(CATALOGS[DEFAULT_LOCALE]),
    // Synchronous: the catalogs are in memory, so the first page can be drawn at once.
    initAsync: false,
    // Escaping is the page's job (the html tag, or tHtml below); i18next would escape a second time.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  shared = created;
  return created;
}

/** An operator's own words for some messages of a language (a theme's messages/<locale>.json), over the shipped ones. */
export function overrideMessages(locale: Locale, namespace: string, messages: Catalog): void {
  instance().addResourceBundle(locale, namespace, messages, true, true);
}

export function translator(locale: Locale): Translator {
  const fixed = instance().getFixedT(locale);
  return {
    locale,
    t: (key, values) => fixed(key, values ?? {}) as string,
    tHtml: (key, values) => new SafeHtml(fixed(key, { ...(values ?? {}), interpolation: { escapeValue: true, escape: escapeHtml } }) as string),
  };
}
