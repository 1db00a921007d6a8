import type { AccountSecurityPageData, SecuritySection, SessionItem } from '../core/interaction/account-security/page-data.js';
import { html, type SafeHtml } from './html.js';
import { htmlDocument } from './document.js';
import type { PageContext } from './page-context.js';
import { passkeysSection } from './passkeys.js';

/** Unix seconds as people read them, in UTC (the server does not know the reader's zone). */
const when = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** How a session signed in, from its amr values (RFC 8176). */
function method(amr: string[]): string {
  const parts = [amr.includes('pwd') ? 'password' : amr.includes('fed') || amr.length === 0 ? 'another provider' : amr[0]!];
  if (amr.includes('hwk') || amr.includes('swk')) parts.push('passkey');
  else if (amr.includes('mfa') || amr.includes('otp')) parts.push('code');
  return parts.join(' and ');
}

/** A form of the page: its token, the fields, one button. */
function form(action: string, csrfToken: string, body: SafeHtml | string, button: string, buttonClass = ''): SafeHtml {
  return html`<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrfToken}">
${body}
<div class="actions"><button type="submit"${buttonClass ? html` class="${buttonClass}"` : ''}>${button}</button></div>
</form>`;
}

function errorFor(d: AccountSecurityPageData, section: SecuritySection): SafeHtml | string {
  return d.error?.section === section ? html`<p class="error" role="alert">${d.error.message}</p>` : '';
}

const codeField = (id: string, label: string) =>
  html`<label for="${id}">${label}</label>
<input type="text" id="${id}" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required>`;

function nameSection(d: AccountSecurityPageData): SafeHtml {
  return html`<h2 id="name">Name</h2>
${errorFor(d, 'name')}
${form(d.actions.changeName, d.csrfToken, html`<label for="name_field">Your name, as apps see it</label>
<input type="text" id="name_field" name="name" autocomplete="name" maxlength="200" value="${d.name ?? ''}">`, 'Save name', 'secondary')}`;
}

function passwordSection(d: AccountSecurityPageData): SafeHtml | string {
  if (!d.ownPassword) return '';
  return html`<h2 id="password">Password</h2>
${errorFor(d, 'password')}
${form(d.actions.changePassword, d.csrfToken, html`<label for="current_password">Current password</label>
<input type="password" id="current_password" name="current_password" autocomplete="current-password" required>
<label for="new_password">New password</label>
<input type="password" id="new_password" name="new_password" autocomplete="new-password" required>
<label for="confirm_password">New password again</label>
<input type="password" id="confirm_password" name="confirm_password" autocomplete="new-password" required>
<p class="muted">Changing it signs you out everywhere else, and apps must sign you in again.</p>`, 'Change password')}`;
}

function sessionRow(d: AccountSecurityPageData, s: SessionItem): SafeHtml {
  const facts = html`Signed in ${when(s.signedInAt)} with ${method(s.amr)}${s.pendingSecondFactor ? ' (waiting for the code)' : ''} · ends by ${when(s.lastUntil)}`;
  if (s.current) return html`<li><strong>This browser</strong> <span class="muted">${facts}</span></li>`;
  return html`<li>${facts}
<form method="post" action="${d.actions.endSession}" class="inline">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="session" value="${s.id}">
<button type="submit" class="secondary">Sign out</button>
</form></li>`;
}

function sessionsSection(d: AccountSecurityPageData): SafeHtml {
  const others = d.sessions.some((s) => !s.current);
  return html`<h2 id="sessions">Where you are signed in</h2>
${errorFor(d, 'sessions')}
<ul class="sessions">${d.sessions.map((s) => sessionRow(d, s))}</ul>
${others ? form(d.actions.endOtherSessions, d.csrfToken, '', 'Sign out everywhere else', 'secondary') : html`<p class="muted">You are signed in nowhere else.</p>`}
<p class="muted">Signing a browser out ends its sign-in here; apps it used keep their access until you revoke them on <a href="${d.accountHref}">your account</a> or change your password.</p>`;
}

function secondFactorSection(d: AccountSecurityPageData): SafeHtml {
  if (!d.secondFactor.enabled) {
    return html`<h2 id="second-factor">Two-step verification</h2>
<p class="muted">Off. Set it up on <a href="${d.accountHref}">your account</a>.</p>`;
  }
  const off = d.secondFactor.requiredByPolicy
    ? html`<p class="muted">This server requires two-step verification for everyone, so it cannot be turned off.</p>${errorFor(d, 'second-factor')}`
    : html`<h3>Turn it off</h3>
${errorFor(d, 'second-factor')}
${form(d.actions.disableSecondFactor, d.csrfToken, codeField('off_code', 'Code from your authenticator app, or a backup code'), 'Turn off two-step verification', 'danger')}`;
  return html`<h2 id="second-factor">Two-step verification</h2>
<p>On. <span class="muted">${d.secondFactor.backupCodesLeft} backup codes left.</span></p>
${off}
<h3 id="backup-codes">New backup codes</h3>
<p class="muted">Replaces all your backup codes: the old ones stop working at once.</p>
${errorFor(d, 'backup-codes')}
${form(d.actions.regenerateBackupCodes, d.csrfToken, codeField('codes_code', 'Code from your authenticator app'), 'Make new backup codes', 'secondary')}`;
}

function deleteSection(d: AccountSecurityPageData): SafeHtml | string {
  if (!d.deletion) return '';
  const proof = d.deletion.needsPassword
    ? html`<label for="delete_password">Current password</label>
<input type="password" id="delete_password" name="current_password" autocomplete="current-password" required>`
    : d.deletion.recentSignIn
      ? ''
      : html`<p class="muted">For your safety, sign out and sign in again first: then you have ${d.deletion.reauthMinutes} minutes to delete your account.</p>`;
  return html`<h2 id="delete">Delete your account</h2>
<p>This deletes your account at once, signs you out everywhere and revokes every app's access. It cannot be undone.</p>
${errorFor(d, 'delete')}
${form(d.actions.deleteAccount, d.csrfToken, html`${proof}
<label for="confirm_username">Type your username, <strong>${d.username}</strong>, to confirm</label>
<input type="text" id="confirm_username" name="confirm_username" autocomplete="off" autocapitalize="none" spellcheck="false" required>`, 'Delete my account', 'danger')}`;
}

/**
 * Backup codes shown once, with ways to keep them. No script may run (the CSP has no script-src),
 * so "copy" is a read-only text area to select, and "download" posts the codes back for a text file.
 */
export function backupCodesToKeep(codes: string[], download?: { action: string; csrfToken: string }): SafeHtml {
  return html`<ul class="backup-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<label for="backup_codes_copy">To copy, select all of this</label>
<textarea id="backup_codes_copy" readonly rows="${String(codes.length)}" spellcheck="false">${codes.join('\n')}</textarea>
${download ? form(download.action, download.csrfToken, html`<input type="hidden" name="codes" value="${codes.join(' ')}">`, 'Download as a text file', 'secondary') : ''}`;
}

function newCodesPage(d: AccountSecurityPageData, codes: string[]): SafeHtml {
  return html`<h1>Your new backup codes</h1>
<p>Your old backup codes no longer work. Each of these signs you in once if you lose your phone. Keep them somewhere safe: they are shown only now.</p>
${backupCodesToKeep(codes, { action: d.actions.downloadBackupCodes, csrfToken: d.csrfToken })}
<div class="actions"><a class="button" href="${d.actions.show}">Done</a></div>`;
}

export function accountSecurityPage(d: AccountSecurityPageData, ctx: PageContext): string {
  const body = d.newBackupCodes
    ? newCodesPage(d, d.newBackupCodes)
    : html`<h1>Security</h1>
<p class="muted">Signed in as ${d.username} · <a href="${d.accountHref}">Your account</a></p>
${d.notice ? html`<p role="status">${d.notice}</p>` : ''}
${nameSection(d)}
${passwordSection(d)}
${sessionsSection(d)}
${secondFactorSection(d)}
${passkeysSection(ctx, d)}
${deleteSection(d)}`;
  return htmlDocument(ctx, d.newBackupCodes ? 'Backup codes' : 'Security', html`<main>${body}</main>`);
}
