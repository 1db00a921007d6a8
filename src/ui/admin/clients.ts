import type { AdminFrame, ClientDetail, ClientRow, Entered } from '../../core/admin-console/page-data.js';
import { OFFERED_GRANTS } from '../../core/admin-console/clients.js';
import { html, type SafeHtml } from '../html.js';
import { actionForm, field, seg } from './layout.js';

export function clientsView(d: AdminFrame, clients: readonly ClientRow[], entered: Entered): SafeHtml {
  return html`${clients.length === 0
    ? html`<p class="muted">No clients yet.</p>`
    : html`<table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Client ID</th><th scope="col">Type</th><th scope="col">State</th></tr></thead><tbody>${clients.map(
        (c) => html`<tr><td><a href="${d.base}/clients/${seg(c.clientId)}">${c.name}</a></td><td><code>${c.clientId}</code></td><td>${c.type}</td><td>${c.disabled ? 'disabled' : 'active'}</td></tr>`,
      )}</tbody></table>`}
<h2>Create a client</h2>
${actionForm(
  d,
  '/clients',
  html`${field('name', 'Name', entered['name'] ?? '', 'text', html` required maxlength="200"`)}
<label for="type">Type</label>
<select id="type" name="type"><option value="confidential">Confidential (has a secret)</option><option value="public"${entered['type'] === 'public' ? html` selected` : ''}>Public (browser or native app)</option></select>
<label for="redirect_uris">Redirect URIs <span class="muted">(one per line)</span></label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" spellcheck="false">${entered['redirect_uris'] ?? ''}</textarea>
${field('scope', 'Scopes (separated by spaces)', entered['scope'] ?? 'openid profile email')}
<fieldset><legend>Grant types <span class="muted">(none ticked: the default)</span></legend>
${OFFERED_GRANTS.map((g) => html`<label class="check"><input type="checkbox" name="grant:${g}"${entered[`grant:${g}`] !== undefined ? html` checked` : ''}> <code>${g}</code></label>`)}
</fieldset>`,
  'Create client',
)}`;
}

/** The levels of `--require-mfa`, as the settings form offers them. */
const MFA_CHOICES = [
  ['off', 'What the server requires'],
  ['on', 'A second factor'],
  ['phishing-resistant', 'A passkey (phishing-resistant)'],
] as const;

export function clientView(d: AdminFrame, c: ClientDetail, secret: string | undefined): SafeHtml {
  const at = `/clients/${seg(c.clientId)}`;
  return html`<dl class="facts">
<dt>Client ID</dt><dd><code id="client_id">${c.clientId}</code></dd>
<dt>Type</dt><dd>${c.type}</dd>
<dt>State</dt><dd id="client_state">${c.disabled ? 'disabled' : 'active'}</dd>
<dt>Grant types</dt><dd><code>${c.grantTypes.join(' ')}</code></dd>
<dt>Created</dt><dd>${c.createdAt}</dd>
</dl>
${secret
  ? html`<div class="secret" role="status"><p><strong>Client secret</strong>: copy it now, it is shown only this once.</p><p><code id="client_secret">${secret}</code></p></div>`
  : ''}
<h2>Settings</h2>
${actionForm(
  d,
  `${at}/settings`,
  html`${field('name', 'Name', c.name, 'text', html` required maxlength="200"`)}
<label for="redirect_uris">Redirect URIs <span class="muted">(one per line)</span></label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" spellcheck="false">${c.redirectUris.join('\n')}</textarea>
${field('scope', 'Scopes (separated by spaces)', c.scopes.join(' '))}
<label for="require_mfa">Sign-ins require</label>
<select id="require_mfa" name="require_mfa">${MFA_CHOICES.map(([value, label]) => html`<option value="${value}"${c.mfaLevel === value ? html` selected` : ''}>${label}</option>`)}</select>`,
  'Save client',
)}
<h2>Manage</h2>
<div class="action-row">
${c.type === 'confidential' ? actionForm(d, `${at}/secret`, '', 'Rotate secret', { confirm: 'Yes, replace the secret now', buttonClass: 'danger' }) : ''}
${c.disabled
  ? actionForm(d, `${at}/enable`, '', 'Enable client')
  : actionForm(d, `${at}/disable`, '', 'Disable client', { confirm: 'Yes, disable it and revoke its tokens', buttonClass: 'danger' })}
${actionForm(d, `${at}/delete`, '', 'Delete client', { confirm: 'Yes, delete it for good', buttonClass: 'danger' })}
</div>
<p><a href="${d.base}/audit-log?client=${seg(c.clientId)}">This client's audit events</a></p>`;
}
