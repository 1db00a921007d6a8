import type { HomePageData } from '../core/protocol.js';
import { html } from './html.js';
import { endUserDocument } from './document.js';
import type { PageContext } from './page-context.js';

/** The landing page at /: the server, and the ways on from it that this server offers. */
export function homePage(d: HomePageData, ctx: PageContext): string {
  return endUserDocument(
    ctx,
    '',
    html`<h1>${ctx.brand.name}</h1>
<p>The sign-in server at <code>${d.issuer}</code>.</p>
<ul class="links">
<li><a href="${d.accountHref}">Your account</a> <span class="muted">— the apps you allowed, your sign-in methods, two-step verification</span></li>
${d.developerConsoleHref ? html`<li><a href="${d.developerConsoleHref}">Developer console</a> <span class="muted">— register and manage your apps</span></li>` : ''}
${d.adminConsoleHref ? html`<li><a href="${d.adminConsoleHref}">Admin console</a> <span class="muted">— for the operators of this server</span></li>` : ''}
</ul>
<h2>For developers</h2>
<p>Point an OpenID Connect library at the <a href="${d.discoveryHref}">discovery document</a>.</p>`,
  );
}
