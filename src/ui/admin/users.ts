import type { AdminFrame, Entered, UserDetail, UserRow } from '../../core/admin-console/page-data.js';
import { html, type SafeHtml } from '../html.js';
import { actionForm, field, seg } from './layout.js';

export function usersView(d: AdminFrame, query: string, users: readonly UserRow[], more: boolean, entered: Entered): SafeHtml {
  const rows = users.map(
    (u) => html`<tr><td><a href="${d.base}/users/${seg(u.sub)}">${u.username}</a></td><td>${u.name}</td><td>${u.email}</td><td>${u.disabled ? 'disabled' : 'active'}</td></tr>`,
  );
  return html`<form method="get" action="${d.base}/users" class="search" role="search">
<label for="q">Find by username, email or name</label>
<input type="search" id="q" name="q" value="${query}">
<button type="submit" class="secondary">Search</button>
</form>
${users.length === 0
  ? html`<p class="muted">No users found.</p>`
  : html`<table class="list"><thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">State</th></tr></thead><tbody>${rows}</tbody></table>`}
${more ? html`<p class="muted">More users match: narrow the search.</p>` : ''}
<h2>Create a user</h2>
${actionForm(
  d,
  '/users/new',
  html`${field('username', 'Username', entered['username'] ?? '', 'text', html` required autocomplete="off"`)}
${field('email', 'Email (optional)', entered['email'] ?? '', 'email')}
${field('name', 'Name (optional)', entered['name'] ?? '')}
${field('password', 'Password (optional: without one the user signs in upstream)', '', 'password', html` autocomplete="new-password"`)}`,
  'Create user',
)}`;
}

const attributesText = (attributes: Record<string, string>): string => Object.entries(attributes).map(([k, v]) => `${k}=${v}`).join('\n');

export function userView(d: AdminFrame, u: UserDetail): SafeHtml {
  const at = `/users/${seg(u.sub)}`;
  return html`<dl class="facts">
<dt>Subject (sub)</dt><dd><code id="user_sub">${u.sub}</code></dd>
<dt>State</dt><dd id="user_state">${u.disabled ? 'disabled' : 'active'}${u.lockedUntil ? html` · <strong>locked until ${u.lockedUntil}</strong>` : ''}</dd>
<dt>Two-step verification</dt><dd>${u.mfa.totp === 'enrolled' ? `on (${u.mfa.backupCodesRemaining} backup codes left)` : u.mfa.totp === 'pending' ? 'being set up' : 'off'}</dd>
<dt>Created</dt><dd>${u.createdAt}</dd>
<dt>Last sign-in</dt><dd>${u.lastSignInAt}</dd>
</dl>
<h2>Profile</h2>
${actionForm(
  d,
  `${at}/profile`,
  html`<input type="hidden" name="was_name" value="${u.name}">
<input type="hidden" name="was_email" value="${u.email}">
<input type="hidden" name="was_attributes" value="${attributesText(u.attributes)}">
${field('name', 'Name', u.name)}
${field('email', 'Email', u.email, 'email')}
<p class="muted">${u.email ? (u.emailVerified ? 'The address is verified.' : 'The address is not verified.') : ''}</p>
<label for="attributes">Attributes <span class="muted">(key=value, one per line)</span></label>
<textarea id="attributes" name="attributes" rows="4" spellcheck="false">${attributesText(u.attributes)}</textarea>`,
  'Save profile',
)}
<h2>Account</h2>
<div class="action-row">
${u.disabled
  ? actionForm(d, `${at}/enable`, '', 'Enable user')
  : actionForm(d, `${at}/disable`, '', 'Disable user', { confirm: 'Yes, disable this user: end their sessions and revoke their tokens', buttonClass: 'danger' })}
${actionForm(d, `${at}/unlock`, '', 'Lift sign-in locks', { buttonClass: 'secondary' })}
${u.mfa.totp !== 'none' ? actionForm(d, `${at}/mfa/reset`, '', 'Reset two-step verification', { confirm: 'Yes, remove their authenticator and backup codes', buttonClass: 'danger' }) : ''}
</div>
<h2>Sessions</h2>
${u.sessions.length === 0
  ? html`<p class="muted">No live sessions.</p>`
  : html`<table class="list"><thead><tr><th scope="col">Signed in</th><th scope="col">Methods</th><th scope="col">Ends</th><th scope="col"></th></tr></thead><tbody>${u.sessions.map(
      (s) => html`<tr><td>${s.authTime}</td><td>${s.amr}</td><td>${s.expiresAt}</td><td>${actionForm(d, `${at}/sessions/${seg(s.id)}/end`, '', 'End', { buttonClass: 'secondary', inline: true })}</td></tr>`,
    )}</tbody></table>
${actionForm(d, `${at}/sessions/end`, '', 'End all sessions', { confirm: 'Yes, sign this user out everywhere', buttonClass: 'danger' })}`}
<h2>Linked identities</h2>
${u.identities.length === 0
  ? html`<p class="muted">None.</p>`
  : html`<ul>${u.identities.map((i) => html`<li>${i.provider}: <code>${i.subject}</code> <span class="muted">last sign-in ${i.lastSignInAt}</span></li>`)}</ul>`}
<h2>Consents</h2>
${u.consents.length === 0
  ? html`<p class="muted">The user has allowed no apps.</p>`
  : html`<table class="list"><thead><tr><th scope="col">App</th><th scope="col">Scopes</th><th scope="col">Since</th><th scope="col"></th></tr></thead><tbody>${u.consents.map(
      (c) => html`<tr><td>${c.clientName} <code>${c.clientId}</code></td><td><code>${c.scopes.join(' ')}</code></td><td>${c.since}</td><td>${actionForm(d, `${at}/consents/${seg(c.id)}/revoke`, '', 'Revoke', { buttonClass: 'secondary', inline: true })}</td></tr>`,
    )}</tbody></table>`}
<p><a href="${d.base}/audit-log?user=${seg(u.sub)}">This user's audit events</a></p>`;
}
