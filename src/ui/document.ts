import { html, type SafeHtml } from './html.js';

/**
 * An HTML document of Tessera's: the same head on every page (no referrer leaves it; the one
 * stylesheet, no inline style or script, as the CSP wants), then `body`.
 */
export function htmlDocument(title: string, body: SafeHtml, bodyClass?: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="/assets/tessera.css">
</head>
<body${bodyClass ? html` class="${bodyClass}"` : ''}>${body}</body>
</html>
`.value;
}
