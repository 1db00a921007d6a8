import { html, type SafeHtml } from './html.js';
import type { PageContext } from './page-context.js';
import { languageSwitch } from './language-switch.js';

/**
 * An HTML document of Tessera's, in the page's language and under the operator's brand: the same head on every page (no referrer leaves it; the one
 * stylesheet, no inline style or script, as the CSP wants), then `body`.
 */
export function htmlDocument(ctx: PageContext, title: string, body: SafeHtml, bodyClass?: string): string {
  return html`<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title ? `${title} · ${ctx.brand.name}` : ctx.brand.name}</title>
<link rel="stylesheet" href="/assets/tessera.css">
</head>
<body${bodyClass ? html` class="${bodyClass}"` : ''}>${body}
${languageSwitch(ctx)}</body>
</html>
`.value;
}
