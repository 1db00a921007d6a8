/** The languages Tessera's pages and emails are written in; the first is the fallback. */
export const SUPPORTED_LOCALES = ['en', 'de', 'fr', 'es'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** The name of each language in itself, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español' };

function supported(tag: string): Locale | undefined {
  const lower = tag.trim().toLowerCase();
  const exact = SUPPORTED_LOCALES.find((l) => l === lower);
  if (exact) return exact;
  // A regional tag (fr-CA) is served in its language (RFC 4647 §3.4 lookup, truncated to the primary subtag).
  const primary = lower.split('-')[0];
  return SUPPORTED_LOCALES.find((l) => l === primary);
}

/** `ui_locales` is a space-separated list in order of preference (OIDC Core §3.1.2.1). */
function fromUiLocales(value: string | undefined): Locale | undefined {
  for (const tag of (value ?? '').split(' ')) {
    const found = tag ? supported(tag) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** Accept-Language ranges by their q-value (RFC 9110 §12.5.4); q=0 means "not this one". */
function fromAcceptLanguage(value: string | undefined): Locale | undefined {
  const ranges = (value ?? '')
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((r) => r.tag !== '' && r.tag !== '*' && r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const r of ranges) {
    const found = supported(r.tag);
    if (found) return found;
  }
  return undefined;
}

export interface LocaleSources {
  /** The language the person picked with the switch (a cookie): it wins over everything else. */
  chosen?: string | undefined;
  /** The client's `ui_locales` for this authorization request. */
  uiLocales?: string | undefined;
  acceptLanguage?: string | undefined;
}

/** The language of a page: the person's own choice, then the client's `ui_locales`, then the browser's, then English. */
export function negotiateLocale(sources: LocaleSources): Locale {
  return (
    (sources.chosen ? supported(sources.chosen) : undefined) ??
    fromUiLocales(sources.uiLocales) ??
    fromAcceptLanguage(sources.acceptLanguage) ??
    DEFAULT_LOCALE
  );
}

export function isLocale(value: string): value is Locale {
  return (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** The cookie that remembers the language a person chose with the switch (the core knows it without the `__Host-` prefix). */
export const LANGUAGE_COOKIE = 'lang';

/**
 * The language of this request as the person would read it: their choice with the switch, else the
 * client's `ui_locales` when the request belongs to an authorization request, else the browser's
 * Accept-Language. For mail sent on behalf of someone who has no language of their own stored.
 */
export function requestLocale(req: { cookies: Record<string, string>; headers: Record<string, string | undefined> }, uiLocales?: string): Locale {
  return negotiateLocale({ chosen: req.cookies[LANGUAGE_COOKIE], uiLocales, acceptLanguage: req.headers['accept-language'] });
}

/** A well-formed BCP 47 language tag, as far as choosing a language needs (letters, then subtags of letters and digits). */
export function isLanguageTag(value: string): boolean {
  return value.length <= 35 && /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/.test(value);
}
