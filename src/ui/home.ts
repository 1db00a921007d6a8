import type { HomePageData } from '../core/protocol.js';
import { html } from './html.js';
import { endUserDocument } from './document.js';
import type { PageContext } from './page-context.js';

/** The landing page at /: the server, and the ways on from it that this server offers. */
export function homePage(d: HomePageData, ctx: PageContext): string {
  const t = ctx.t;
  return endUserDocument(
    ctx,
    '',
    html`<h1>${ctx.brand.name}</h1>
<p>${ctx.tHtml('home:intro', { issuer: d.issuer })}</p>
<ul class="links">
<li><a href="${d.accountHref}">${t('account:title')}</a> <span class="muted">— ${t('home:account')}</span></li>
${d.developerConsoleHref ? html`<li><a href="${d.developerConsoleHref}">${t('console:title')}</a> <span class="muted">— ${t('home:console')}</span></li>` : ''}
${d.adminConsoleHref ? html`<li><a href="${d.adminConsoleHref}">${t('home:admin')}</a> <span class="muted">— ${t('home:adminWhat')}</span></li>` : ''}
</ul>
<h2>${t('home:developers')}</h2>
<p>${ctx.tHtml('home:discovery', { href: d.discoveryHref })}</p>`,
  );
}
