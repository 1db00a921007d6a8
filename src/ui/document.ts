import { html, type SafeHtml } from './html.js';
import { DEFAULT_LOOK, type PageContext } from './page-context.js';
import { fillLayout } from './theme.js';
import { languageSwitch } from './language-switch.js';

/**
 * An HTML document of Tessera's, in the page's language and under the operator's brand: the same head on every page (no referrer leaves it; the
 * stylesheets, no inline style or script, as the CSP wants), then `body`. A theme's layout.html, when there is one, is the shell around them.
 */
export function htmlDocument(ctx: PageContext, title: string, body: SafeHtml, bodyClass?: string): string {
  const look = ctx.look ?? DEFAULT_LOOK;
  const fullTitle = title ? `${title} · ${ctx.brand.name}` : ctx.brand.name;
  const head = html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${fullTitle}</title>
${look.stylesheets.map((href) => html`<link rel="stylesheet" href="${href}">\n`)}`;
  const page = html`${body}
${languageSwitch(ctx)}`;
  if (look.layout) return fillLayout(look.layout, { head, body: page, bodyClass: bodyClass ?? '', title: fullTitle, lang: ctx.locale, brandName: ctx.brand.name });
  return html`<!doctype html>
<html lang="${ctx.locale}">
<head>
${head}</head>
<body${bodyClass ? html` class="${bodyClass}"` : ''}>${page}</body>
</html>
`.value;
}

/**
 * A page people who sign in see (not the admin console): the card (`main`) with the brand's logo on top,
 * and the support link below it when the operator gave one.
 */
export function endUserDocument(ctx: PageContext, title: string, body: SafeHtml, bodyClass?: string): string {
  const { brand } = ctx;
  const logo = brand.logoUrl ? html`<img class="brand-logo" src="${brand.logoUrl}" alt="${brand.name}">\n` : '';
  const footer = brand.supportUrl ? html`\n<footer class="brand"><a href="${brand.supportUrl}">${ctx.t('branding:support', { brand: brand.name })}</a></footer>` : '';
  return htmlDocument(ctx, title, html`<main>${logo}${body}</main>${footer}`, bodyClass);
}
