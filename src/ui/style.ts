import { AA_TEXT, contrastRatio, mixSrgb, shownRatio } from './contrast.js';

/** The one stylesheet of Tessera's pages, served from /assets/tessera.css (CSP allows only same-origin styles). */
export const STYLESHEET = `
:root {
  color-scheme: light dark;
  /* Behind white text (buttons): a configured --brand-color replaces it, and must give white text 4.5:1. */
  --accent: #3451b2;
  /* Every pair below is measured in test/unit/stylesheet-contrast.test.ts, on --bg of its scheme. */
  --bg: light-dark(#ffffff, #121212);
  --fg: light-dark(#101828, #f2f4f7);
  --muted: light-dark(#5d6679, #a3acbb);
  --danger: light-dark(#b42318, #ff8a80);
  /* Behind white text in both schemes (the danger button). */
  --danger-fill: #b42318;
  /* Links and the focus ring: the accent itself on light, a light tint of it on dark. */
  --link: light-dark(var(--accent), color-mix(in srgb, var(--accent) 40%, #ffffff));
  --line: color-mix(in srgb, var(--fg) 15%, transparent);
  --chart-2: light-dark(#c4320a, #f97066);
  --chart-3: light-dark(#027a48, #32d583);
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--link); }
/* A visible focus on everything that takes it, wherever it sits (WCAG 2.4.7, 2.4.11). */
:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
main { max-width: 26rem; margin: 8vh auto; padding: 2rem; border: 1px solid var(--line); border-radius: 12px; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
p { margin: .5rem 0 1rem; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
input[type=text], input[type=password], input[type=url], textarea, select { width: 100%; padding: .6rem .7rem; font: inherit; border: 1px solid var(--muted); border-radius: 8px; }
button { font: inherit; padding: .6rem 1.2rem; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: white; cursor: pointer; }
button.secondary { background: transparent; color: var(--fg); border-color: var(--muted); }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
.error { color: var(--danger); font-weight: 600; }
.warning { border-left: 4px solid var(--danger); padding: .5rem .75rem; }
.muted { color: var(--muted); font-size: .9rem; }
ul.scopes { padding-left: 1.2rem; }
ul.scopes li { margin: .3rem 0; }
code { font-size: .85rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
ul.apps { list-style: none; padding: 0; }
button.danger { background: var(--danger-fill); border-color: var(--danger-fill); color: white; }
label.check { font-weight: 400; margin: .35rem 0; }
fieldset { border: 0; padding: 0; margin: 1rem 0 0; }
legend { font-weight: 600; }
dt { font-weight: 600; margin-top: .5rem; }
dd { margin: 0; overflow-wrap: anywhere; }
.secret { border-left: 4px solid var(--accent); padding: .25rem .75rem; margin: 1rem 0; overflow-wrap: anywhere; }
a.button { display: inline-block; padding: .6rem 1.2rem; border-radius: 8px; background: var(--accent); color: white; text-decoration: none; }
ul.backup-codes { columns: 2; padding-left: 1.2rem; }
ul.sessions { padding-left: 1.2rem; }
ul.sessions li { margin: .5rem 0; }
ul.sessions form.inline { display: inline; }
ul.sessions form.inline button { padding: .2rem .7rem; font-size: .9rem; }
textarea[readonly] { font-family: ui-monospace, monospace; }
img.qr { background: white; padding: 4px; }
img.logo { display: block; width: 64px; height: 64px; object-fit: contain; margin: 0 0 1rem; border-radius: 8px; }
p.description { overflow-wrap: anywhere; }
ul.links { padding-left: 1.2rem; }
ul.links li { margin: .5rem 0; }
ul.apps > li { padding: .75rem 0; border-top: 1px solid var(--line); }
/* The developer console: the screen's width on a desktop (its apps in a grid, the list and the form side by side), one column on a phone. */
body.console main { max-width: 72rem; margin: 2rem auto; }
body.console .columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 3rem; align-items: start; }
body.console ul.apps { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 0 1.5rem; }
body.console form { max-width: 40rem; }
@media (max-width: 48rem) {
  body.console main { margin: 0; padding: 1rem; border: 0; }
  body.console .columns { grid-template-columns: minmax(0, 1fr); }
}
/* The admin console: wider pages, navigation, tables and server-drawn SVG charts. */
body.admin main.admin { max-width: 72rem; margin: 1.5rem auto; border: 0; padding: 0 1.5rem 2rem; }
header.admin-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); }
header.admin-bar nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
header.admin-bar a[aria-current=page] { font-weight: 700; text-decoration: none; }
header.admin-bar .muted { margin-left: auto; }
body.admin h3 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
body.admin form { max-width: 36rem; }
body.admin form.inline, body.admin form.search, body.admin td form { display: inline; max-width: none; }
body.admin form.inline button, body.admin td form button { padding: .25rem .7rem; font-size: .9rem; }
body.admin form.search input[type=search] { width: auto; min-width: 18rem; padding: .5rem; font: inherit; }
body.admin input[type=email], body.admin input[type=search] { width: 100%; padding: .6rem .7rem; font: inherit; border: 1px solid var(--muted); border-radius: 8px; }
body.admin form > button { margin-top: 1rem; }
.action-row { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-end; }
.action-row form { max-width: 22rem; }
label.confirm { color: var(--danger); }
.notice { border-left: 4px solid var(--accent); padding: .5rem .75rem; }
table.list { width: 100%; border-collapse: collapse; font-size: .92rem; }
table.list th, table.list td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { margin: 0; }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; }
figure.chart { margin: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: .5rem; }
figure.chart svg { max-width: 100%; height: auto; }
.chart-label, .chart-value { font: 13px system-ui, sans-serif; fill: currentColor; }
.chart-bar { fill: var(--link); }
.chart-bar-1 { fill: var(--chart-2); }
.chart-bar-2 { fill: var(--danger); }
.chart-bar-3 { fill: var(--chart-3); }
table.chart-numbers { font-size: .9rem; margin-top: .5rem; }
table.chart-numbers th { text-align: left; font-weight: 400; padding-right: 1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
/* The operator's brand: the logo on top of the card, the support link below it. */
img.brand-logo { display: block; max-width: 12rem; max-height: 3rem; width: auto; height: auto; margin: 0 0 1.25rem; }
footer.brand { max-width: 26rem; margin: -6vh auto 2rem; padding: 0 2rem; font-size: .9rem; color: var(--muted); }
body.console footer.brand { max-width: 72rem; margin-top: 0; }
/* The language switch below the card: one quiet line, its label beside the select. */
footer.language { max-width: 26rem; margin: 0 auto 2rem; padding: 0 2rem; font-size: .9rem; }
footer.language form { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
footer.language label { display: inline; margin: 0; font-weight: 400; color: var(--muted); }
footer.language select { width: auto; padding: .3rem .5rem; }
footer.language button { padding: .3rem .8rem; font-size: .9rem; }
body.console footer.language { max-width: 72rem; }
`;

/** The page backgrounds of the two schemes (--bg), against which the text colours are measured. */
export const BACKGROUNDS = { light: '#ffffff', dark: '#121212' } as const;

/**
 * Why `color` cannot be the accent (--brand-color), or undefined when it can: white button text on it
 * needs WCAG AA's 4.5:1, and so do links in its dark-scheme tint (40% of it in white) on the dark background.
 */
export function brandColorProblem(color: string): string | undefined {
  if (!/^#[0-9a-f]{6}$/i.test(color)) return `must be a colour written #rrggbb, not '${color}'`;
  const onWhite = contrastRatio(color, '#ffffff');
  if (onWhite < AA_TEXT) {
    return `white button text on ${color} has a contrast of ${shownRatio(onWhite)}, below the ${AA_TEXT}:1 WCAG AA asks for text; choose a darker colour`;
  }
  const tint = mixSrgb(color, 40, '#ffffff');
  const darkLinks = contrastRatio(tint, BACKGROUNDS.dark);
  if (darkLinks < AA_TEXT) return `links in ${color}'s dark-scheme tint ${tint} have a contrast of ${shownRatio(darkLinks)} on ${BACKGROUNDS.dark}, below ${AA_TEXT}:1`;
  return undefined;
}

/** The stylesheet served at /assets/tessera.css: the built-in one, with the configured accent over the default. */
export function stylesheetFor(color?: string): string {
  return color ? `${STYLESHEET}:root { --accent: ${color}; }\n` : STYLESHEET;
}
