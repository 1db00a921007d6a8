import type { Translator } from './i18n/translator.js';

/** The operator's branding of the pages (--brand-name and friends). */
export interface Brand {
  name: string;
  logoUrl?: string;
  color?: string;
  supportUrl?: string;
}

export const DEFAULT_BRAND: Brand = { name: 'Tessera' };

/** What every page is drawn with besides its data: the language it speaks and the brand it wears. */
export interface PageContext extends Translator {
  brand: Brand;
  /** The path (and query) of this page on the server, where the language switch brings the browser back to; without it, the page has no switch. */
  path?: string;
}
