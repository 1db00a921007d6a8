/** The one stylesheet of Tessera's pages, served from /assets/tessera.css (CSP allows only same-origin styles). */
export const STYLESHEET = `
:root { color-scheme: light dark; --accent: #3451b2; --muted: #667085; --danger: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: Canvas; color: CanvasText; }
main { max-width: 26rem; margin: 8vh auto; padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 15%, transparent); border-radius: 12px; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
p { margin: .5rem 0 1rem; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
input[type=text], input[type=password], input[type=url], textarea, select { width: 100%; padding: .6rem .7rem; font: inherit; border: 1px solid var(--muted); border-radius: 8px; }
button { font: inherit; padding: .6rem 1.2rem; border-radius: 8px; border: 1px solid var(--accent); background: var(--accent); color: white; cursor: pointer; }
button.secondary { background: transparent; color: CanvasText; border-color: var(--muted); }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
.error { color: var(--danger); font-weight: 600; }
.warning { border-left: 4px solid var(--danger); padding: .5rem .75rem; }
.muted { color: var(--muted); font-size: .9rem; }
ul.scopes { padding-left: 1.2rem; }
ul.scopes li { margin: .3rem 0; }
code { font-size: .85rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
ul.apps { list-style: none; padding: 0; }
button.danger { background: var(--danger); border-color: var(--danger); }
label.check { font-weight: 400; margin: .35rem 0; }
fieldset { border: 0; padding: 0; margin: 1rem 0 0; }
legend { font-weight: 600; }
dt { font-weight: 600; margin-top: .5rem; }
dd { margin: 0; overflow-wrap: anywhere; }
.secret { border-left: 4px solid var(--accent); padding: .25rem .75rem; margin: 1rem 0; overflow-wrap: anywhere; }
a.button { display: inline-block; padding: .6rem 1.2rem; border-radius: 8px; background: var(--accent); color: white; text-decoration: none; }
ul.backup-codes { columns: 2; padding-left: 1.2rem; }
img.qr { background: white; padding: 4px; }
img.logo { display: block; width: 64px; height: 64px; object-fit: contain; margin: 0 0 1rem; border-radius: 8px; }
p.description { overflow-wrap: anywhere; }
ul.apps > li { padding: .75rem 0; border-top: 1px solid color-mix(in srgb, CanvasText 15%, transparent); }
`;
