import type { Translator } from './i18n/translator.js';
import type { LayoutTemplate } from './theme.js';

/** The operator's branding of the pages (--brand-name and friends). */
export interface Brand {
  name: string;
  /** Where the logo is: an https URL, or the path under /assets/ of the file the server serves itself. */
  logoUrl?: string;
  /** The accent, #rrggbb (in the stylesheet, not in the pages). */
  color?: string;
  /** https: or mailto: — the "help" link below the end-user pages. */
  supportUrl?: string;
}

export const DEFAULT_BRAND: Brand = { name: 'Tessera' };

/** How the document around a page looks: its stylesheets (versioned URLs) and an operator's layout.html. */
export interface PageLook {
  stylesheets: readonly string[];
  layout?: LayoutTemplate;
}

export const DEFAULT_LOOK: PageLook = { stylesheets: ['/assets/tessera.css'] };

/** What every page is drawn with besides its data: the language it speaks and the brand it wears. */
export interface PageContext extends Translator {
  brand: Brand;
  /** Absent: the built-in look. */
  look?: PageLook;
  /** The path (and query) of this page on the server, where the language switch brings the browser back to; without it, the page has no switch. */
  path?: string;
}
