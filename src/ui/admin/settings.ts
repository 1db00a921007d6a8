import type { AdminFrame, AdminView, Entered } from '../../core/admin-console/page-data.js';
import { html, type SafeHtml } from '../html.js';
import { actionForm, field, seg } from './layout.js';

type Of<V extends AdminView['view']> = Extract<AdminView, { view: V }>;

/** APIs, the roles (of an API or global) and who holds them. */
export function accessView(d: AdminFrame, v: Of<'access'>): SafeHtml {
  const e: Entered = v.entered;
  return html`<h2>APIs</h2>
${v.apis.length === 0
  ? html`<p class="muted">No APIs yet.</p>`
  : html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Identifier</th><th scope="col">Scopes</th><th scope="col"></th></tr></thead><tbody>${v.apis.map(
      (a) => html`<tr><td>${a.name}</td><td><code>${a.identifier}</code></td><td><code>${a.scopes.join(' ')}</code></td><td>${actionForm(d, `/access/apis/${seg(a.id)}/delete`, '', 'Delete', { buttonClass: 'secondary', inline: true })}</td></tr>`,
    )}</tbody></table>`}
<h3>Create an API</h3>
${actionForm(
  d,
  '/access/apis',
  html`${field('identifier', 'Identifier (an absolute URI, the tokens\' audience)', e['identifier'] ?? '', 'url', html` required`)}
${field('name', 'Name', e['name'] ?? '', 'text', html` required`, 'api-name')}
<label for="scopes">Scopes <span class="muted">(name=Description, one per line)</span></label>
<textarea id="scopes" name="scopes" rows="3" spellcheck="false">${e['scopes'] ?? ''}</textarea>`,
  'Create API',
)}
<h2>Roles</h2>
${v.roles.length === 0
  ? html`<p class="muted">No roles yet.</p>`
  : html`<table class="list"><thead><tr><th scope="col">Role</th><th scope="col">API</th><th scope="col">Description</th><th scope="col">Held by</th></tr></thead><tbody>${v.roles.map(
      (r) => html`<tr><td>${r.name}</td><td>${r.api ? html`<code>${r.api}</code>` : 'global'}</td><td>${r.description}</td><td>${r.holders.join(', ')}</td></tr>`,
    )}</tbody></table>`}
<h3>Add a role</h3>
${actionForm(
  d,
  '/access/roles',
  html`${apiSelect(v, 'role-api', e['api'])}
${field('role', 'Role name', e['role'] ?? '', 'text', html` required`, 'role-name')}
${field('description', 'Description (optional)', e['description'] ?? '', 'text', '', 'role-description')}`,
  'Add role',
)}
<h3>Grant a role</h3>
${actionForm(
  d,
  '/access/grants',
  html`${apiSelect(v, 'grant-api', e['api'])}
${field('role', 'Role name', e['role'] ?? '', 'text', html` required`, 'grant-role')}
<fieldset><legend>To</legend>
<label class="check"><input type="radio" name="holder_kind" value="user"${e['holder_kind'] !== 'group' ? html` checked` : ''}> a user (username or sub)</label>
<label class="check"><input type="radio" name="holder_kind" value="group"${e['holder_kind'] === 'group' ? html` checked` : ''}> a group (its name)</label>
</fieldset>
${field('holder', 'User or group', e['holder'] ?? '', 'text', html` required`)}`,
  'Grant role',
)}`;
}

/** The API a role belongs to; none chosen is a global role. `id` keeps labels unique on the page. */
function apiSelect(v: Of<'access'>, id: string, chosen = ''): SafeHtml {
  return html`<label for="${id}">API</label>
<select id="${id}" name="api"><option value="">(global role)</option>${v.apis.map((a) => html`<option value="${a.identifier}"${a.identifier === chosen ? html` selected` : ''}>${a.name}</option>`)}</select>`;
}

export function providersView(d: AdminFrame, v: Of<'providers'>): SafeHtml {
  if (v.providers.length === 0) return html`<p class="muted">No upstream identity providers. Add them with <code>tessera idp add</code> or the admin API.</p>`;
  return html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Shown as</th><th scope="col">State</th><th scope="col"></th></tr></thead><tbody>${v.providers.map(
    (p) => html`<tr><td>${p.name}</td><td>${p.kind}</td><td>${p.displayName}</td><td>${p.enabled ? 'enabled' : 'disabled'}</td><td>${p.enabled
      ? actionForm(d, `/providers/${seg(p.name)}/disable`, '', 'Disable', { buttonClass: 'secondary', inline: true })
      : actionForm(d, `/providers/${seg(p.name)}/enable`, '', 'Enable', { inline: true })}</td></tr>`,
  )}</tbody></table>`;
}

export function keysView(d: AdminFrame, v: Of<'keys'>): SafeHtml {
  return html`<table class="list"><thead><tr><th scope="col">Key ID</th><th scope="col">Algorithm</th><th scope="col">State</th><th scope="col">Created</th></tr></thead><tbody>${v.keys.map(
    (k) => html`<tr><td><code>${k.kid}</code></td><td>${k.alg}</td><td>${k.state}</td><td>${k.createdAt}</td></tr>`,
  )}</tbody></table>
<h2>Rotate</h2>
${actionForm(d, '/keys/rotate', html`<p class="muted">New tokens are signed with new keys; the old keys still verify the tokens they signed until those expire.</p>`, 'Rotate keys', { confirm: 'Yes, rotate the signing keys', buttonClass: 'danger' })}`;
}

/** Asks again before a change that cannot be undone; the answer posts the same form with confirm=yes. */
export function confirmView(d: AdminFrame, v: Of<'confirm'>): SafeHtml {
  return html`<p>${v.question}</p>
<form method="post" action="${v.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${Object.entries(v.fields).filter(([name]) => name !== 'confirm').map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<input type="hidden" name="confirm" value="yes">
<div class="actions"><button type="submit" class="danger">${v.button}</button> <a href="${v.back}">Cancel</a></div>
</form>`;
}
