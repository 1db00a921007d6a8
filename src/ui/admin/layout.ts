import type { AdminFrame, AdminSection } from '../../core/admin-console/page-data.js';
import { html, type SafeHtml } from '../html.js';
import { htmlDocument } from '../document.js';
import type { PageContext } from '../page-context.js';

const SECTIONS: { section: AdminSection; path: string; label: string }[] = [
  { section: 'dashboard', path: '', label: 'Dashboard' },
  { section: 'users', path: '/users', label: 'Users' },
  { section: 'clients', path: '/clients', label: 'Clients' },
  { section: 'access', path: '/access', label: 'APIs and roles' },
  { section: 'providers', path: '/providers', label: 'Identity providers' },
  { section: 'keys', path: '/keys', label: 'Keys' },
  { section: 'audit', path: '/audit-log', label: 'Audit log' },
];

/** A path segment as a URL holds it. */
export const seg = (value: string): string => encodeURIComponent(value);

/** The page around a view of the console: navigation, who is signed in, the notice or error. */
export function adminLayout(ctx: PageContext, d: AdminFrame, body: SafeHtml): string {
  // The console is written in English only (for operators): it offers no language switch.
  const { path: _path, ...english } = ctx;
  return htmlDocument(
    english,
    d.title,
    html`<header class="admin-bar"><strong>${ctx.brand.name} admin</strong>
<nav aria-label="Sections"><ul>${SECTIONS.map((s) => html`<li><a href="${d.base + s.path}"${s.section === d.section ? html` aria-current="page"` : ''}>${s.label}</a></li>`)}</ul></nav>
<span class="muted">Signed in as ${d.username}</span></header>
<main class="admin">
<h1>${d.title}</h1>
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
${d.notice ? html`<p class="notice" role="status">${d.notice}</p>` : ''}
${body}
</main>`,
    'admin',
  );
}

export interface FormOptions {
  /** A destructive action: the form needs its box ticked (the server asks again without it). */
  confirm?: string;
  buttonClass?: string;
  inline?: boolean;
}

/** A POST form of the console with the session's CSRF token. */
export function actionForm(d: AdminFrame, path: string, fields: SafeHtml | string, button: string, options: FormOptions = {}): SafeHtml {
  return html`<form method="post" action="${d.base + path}"${options.inline ? html` class="inline"` : ''}>
<input type="hidden" name="csrf" value="${d.csrfToken}">
${fields}
${options.confirm ? html`<label class="check confirm"><input type="checkbox" name="confirm" value="yes" required> ${options.confirm}</label>` : ''}
<button type="submit"${options.buttonClass ? html` class="${options.buttonClass}"` : ''}>${button}</button>
</form>`;
}

/** A labelled text input, filled with what was typed before. */
export function field(name: string, label: string, value = '', type = 'text', extra: SafeHtml | string = '', id = name): SafeHtml {
  return html`<label for="${id}">${label}</label>
<input type="${type}" id="${id}" name="${name}" value="${value}"${extra}>`;
}
