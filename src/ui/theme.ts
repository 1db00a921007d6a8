import { escapeHtml, type SafeHtml } from './html.js';
import type { Brand } from './page-context.js';
import { CATALOGS, type Catalog } from './i18n/catalogs.js';
import { DEFAULT_LOCALE, SUPPORTED_LOCALES, type Locale } from '../core/locale.js';

/*
 * An operator's theme (--theme-dir, docs/branding.md): a document shell of their own (layout.html),
 * a second stylesheet (theme.css) and their own words for catalog messages (messages/<locale>.json).
 * Everything here is checked when the server starts, so that a mistake stops it with one line.
 */

/** What a theme may put in layout.html; the first four are HTML Tessera made, the others text it escapes. */
export const LAYOUT_PLACEHOLDERS = ['head', 'body', 'body_class', 'title', 'lang', 'brand_name'] as const;
type Placeholder = (typeof LAYOUT_PLACEHOLDERS)[number];

/** layout.html cut at its placeholders: text, name, text, name, …, text. */
export interface LayoutTemplate {
  parts: readonly string[];
  names: readonly Placeholder[];
}

/** The branding a server is started with (serve's --brand-* and --theme-dir). */
export interface Branding {
  brand: Brand;
  /** A logo file the server serves itself under /assets/ (--brand-logo with a path). */
  logoFile?: { bytes: Buffer; contentType: string; extension: string };
  layout?: LayoutTemplate;
  /** theme.css, served after the built-in stylesheet. */
  themeCss?: string;
  /** messages/<locale>.json, by namespace. */
  messages?: { locale: Locale; namespaces: Record<string, Catalog> }[];
}

/** Thrown for a theme that cannot be used; the message names the file. */
export class ThemeError extends Error {}

/** layout.html, checked: every `{{…}}` is a known placeholder, `{{body}}` is there exactly once. */
export function parseLayout(text: string, file = 'layout.html'): LayoutTemplate {
  const parts: string[] = [];
  const names: Placeholder[] = [];
  let rest = text;
  for (;;) {
    const m = /\{\{\s*([^}]*?)\s*\}\}/.exec(rest);
    if (!m) break;
    const name = m[1]!;
    if (!(LAYOUT_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new ThemeError(`${file}: unknown placeholder {{${name}}} (known: ${LAYOUT_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`);
    }
    parts.push(rest.slice(0, m.index));
    names.push(name as Placeholder);
    rest = rest.slice(m.index + m[0].length);
  }
  parts.push(rest);
  const bodies = names.filter((n) => n === 'body').length;
  if (bodies !== 1) throw new ThemeError(`${file}: must hold {{body}} exactly once (the page itself), found it ${bodies} times`);
  return { parts, names };
}

export interface LayoutValues {
  head: SafeHtml;
  body: SafeHtml;
  bodyClass: string;
  title: string;
  lang: string;
  brandName: string;
}

/** The document from a theme's layout: HTML placeholders as Tessera made them, text ones escaped. */
export function fillLayout(layout: LayoutTemplate, v: LayoutValues): string {
  const value = (name: Placeholder): string => {
    switch (name) {
      case 'head':
        return v.head.value;
      case 'body':
        return v.body.value;
      case 'body_class':
        return escapeHtml(v.bodyClass);
      case 'title':
        return escapeHtml(v.title);
      case 'lang':
        return escapeHtml(v.lang);
      case 'brand_name':
        return escapeHtml(v.brandName);
    }
  };
  let out = layout.parts[0] ?? '';
  layout.names.forEach((name, i) => {
    out += value(name) + (layout.parts[i + 1] ?? '');
  });
  return out;
}

/**
 * messages/<locale>.json, checked: a supported language, a JSON object of namespaces holding strings,
 * and only keys that the shipped English catalog has (so that a typo does not go unnoticed).
 */
export function parseMessages(fileName: string, text: string): { locale: Locale; namespaces: Record<string, Catalog> } {
  const locale = fileName.replace(/\.json$/, '');
  if (!fileName.endsWith('.json') || !(SUPPORTED_LOCALES as readonly string[]).includes(locale)) {
    throw new ThemeError(`messages/${fileName}: not a language of Tessera's (messages/<language>.json with one of ${SUPPORTED_LOCALES.join(', ')})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ThemeError(`messages/${fileName} is not valid JSON: ${(e as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) throw new ThemeError(`messages/${fileName}: must be a JSON object of namespaces, e.g. {"common": {"signIn": "Log in"}}`);
  const shipped = CATALOGS[DEFAULT_LOCALE] as Record<string, Catalog>;
  const namespaces: Record<string, Catalog> = {};
  for (const [namespace, messages] of Object.entries(parsed)) {
    const known = shipped[namespace];
    if (!known) throw new ThemeError(`messages/${fileName}: unknown namespace '${namespace}' (known: ${Object.keys(shipped).join(', ')})`);
    if (!isObject(messages)) throw new ThemeError(`messages/${fileName}: '${namespace}' must be an object of messages`);
    for (const [key, message] of Object.entries(messages)) {
      if (!(key in known)) throw new ThemeError(`messages/${fileName}: '${namespace}' has no message '${key}'`);
      if (typeof message !== 'string') throw new ThemeError(`messages/${fileName}: '${namespace}.${key}' must be a string`);
    }
    namespaces[namespace] = messages as Catalog;
  }
  return { locale: locale as Locale, namespaces };
}
