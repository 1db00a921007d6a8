import { LOCALE_NAMES, SUPPORTED_LOCALES } from '../core/locale.js';
import { PATHS } from '../core/endpoints/discovery.js';
import { html, type SafeHtml } from './html.js';
import type { PageContext } from './page-context.js';

/**
 * The language switch at the foot of every page: a plain form (no script), posted to /language with
 * the page's own path to come back to. Each language is named in itself, and marked with its `lang`
 * so that screen readers say it right.
 */
export function languageSwitch(ctx: PageContext): SafeHtml | string {
  if (ctx.path === undefined) return '';
  return html`<footer class="language">
<form method="post" action="${PATHS.language}" class="inline">
<input type="hidden" name="return" value="${ctx.path}">
<label for="language-switch">${ctx.t('common:language')}</label>
<select id="language-switch" name="lang">${SUPPORTED_LOCALES.map(
    (l) => html`<option value="${l}" lang="${l}"${l === ctx.locale ? html` selected` : ''}>${LOCALE_NAMES[l]}</option>`,
  )}</select>
<button type="submit" class="secondary">${ctx.t('common:languageSubmit')}</button>
</form>
</footer>`;
}
