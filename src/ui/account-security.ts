import type { AccountSecurityPageData, SecuritySection, SessionItem } from '../core/interaction/account-security/page-data.js';
import { html, type SafeHtml } from './html.js';
import { endUserDocument } from './document.js';
import type { PageContext } from './page-context.js';
import { say } from './i18n/say.js';
import { emailSection } from './account-email.js';
import { passkeysSection } from './passkeys.js';

/** Unix seconds as people read them, in UTC (the server does not know the reader's zone). */
const when = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** How a session signed in, from its amr values (RFC 8176). */
function method(ctx: PageContext, amr: string[]): string {
  const first = amr.includes('pwd') ? ctx.t('security:amr.password') : amr.includes('fed') || amr.length === 0 ? ctx.t('security:amr.provider') : amr[0]!;
  if (amr.includes('hwk') || amr.includes('swk')) return amr.includes('pwd') ? ctx.t('security:amr.withPasskey', { first }) : ctx.t('security:amr.passkey');
  return amr.includes('mfa') || amr.includes('otp') ? ctx.t('security:amr.withCode', { first }) : first;
}

/** A form of the page: its token, the fields, one button. */
function form(action: string, csrfToken: string, body: SafeHtml | string, button: string, buttonClass = ''): SafeHtml {
  return html`<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrfToken}">
${body}
<div class="actions"><button type="submit"${buttonClass ? html` class="${buttonClass}"` : ''}>${button}</button></div>
</form>`;
}

function errorFor(ctx: PageContext, d: AccountSecurityPageData, section: SecuritySection): SafeHtml | string {
  return d.error?.section === section ? html`<p class="error" role="alert">${say(ctx, d.error.message)}</p>` : '';
}

const codeField = (id: string, label: string) =>
  html`<label for="${id}">${label}</label>
<input type="text" id="${id}" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required>`;

function nameSection(ctx: PageContext, d: AccountSecurityPageData): SafeHtml {
  const t = ctx.t;
  return html`<h2 id="name">${t('security:name.heading')}</h2>
${errorFor(ctx, d, 'name')}
${form(d.actions.changeName, d.csrfToken, html`<label for="name_field">${t('security:name.label')}</label>
<input type="text" id="name_field" name="name" autocomplete="name" maxlength="200" value="${d.name ?? ''}">`, t('security:name.save'), 'secondary')}`;
}

function passwordSection(ctx: PageContext, d: AccountSecurityPageData): SafeHtml | string {
  if (!d.ownPassword) return '';
  const t = ctx.t;
  return html`<h2 id="password">${t('security:password.heading')}</h2>
${errorFor(ctx, d, 'password')}
${form(d.actions.changePassword, d.csrfToken, html`<label for="current_password">${t('security:password.current')}</label>
<input type="password" id="current_password" name="current_password" autocomplete="current-password" required>
<label for="new_password">${t('security:password.new')}</label>
<input type="password" id="new_password" name="new_password" autocomplete="new-password" required>
<label for="confirm_password">${t('security:password.again')}</label>
<input type="password" id="confirm_password" name="confirm_password" autocomplete="new-password" required>
<p class="muted">${t('security:password.explain')}</p>`, t('security:password.change'))}`;
}

function sessionRow(ctx: PageContext, d: AccountSecurityPageData, s: SessionItem): SafeHtml {
  const facts = ctx.t(s.pendingSecondFactor ? 'security:sessions.factsPending' : 'security:sessions.facts', { at: when(s.signedInAt), method: method(ctx, s.amr), until: when(s.lastUntil) });
  if (s.current) return html`<li><strong>${ctx.t('security:sessions.thisBrowser')}</strong> <span class="muted">${facts}</span></li>`;
  return html`<li>${facts}
<form method="post" action="${d.actions.endSession}" class="inline">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="session" value="${s.id}">
<button type="submit" class="secondary">${ctx.t('logout:submit')}</button>
</form></li>`;
}

function sessionsSection(ctx: PageContext, d: AccountSecurityPageData): SafeHtml {
  const others = d.sessions.some((s) => !s.current);
  return html`<h2 id="sessions">${ctx.t('security:sessions.heading')}</h2>
${errorFor(ctx, d, 'sessions')}
<ul class="sessions">${d.sessions.map((s) => sessionRow(ctx, d, s))}</ul>
${others ? form(d.actions.endOtherSessions, d.csrfToken, '', ctx.t('security:sessions.endOthers'), 'secondary') : html`<p class="muted">${ctx.t('security:sessions.noOthers')}</p>`}
<p class="muted">${ctx.tHtml('security:sessions.explain', { href: d.accountHref })}</p>`;
}

function secondFactorSection(ctx: PageContext, d: AccountSecurityPageData): SafeHtml {
  const t = ctx.t;
  if (!d.secondFactor.enabled) {
    return html`<h2 id="second-factor">${t('mfa:title')}</h2>
<p class="muted">${ctx.tHtml('security:mfa.off', { href: d.accountHref })}</p>`;
  }
  const off = d.secondFactor.requiredByPolicy
    ? html`<p class="muted">${t('security:mfa.required')}</p>${errorFor(ctx, d, 'second-factor')}`
    : html`<h3>${t('security:mfa.turnOffHeading')}</h3>
${errorFor(ctx, d, 'second-factor')}
${form(d.actions.disableSecondFactor, d.csrfToken, codeField('off_code', t('mfa:codeOrBackup')), t('security:mfa.turnOff'), 'danger')}`;
  return html`<h2 id="second-factor">${t('mfa:title')}</h2>
<p>${t('security:mfa.on')} <span class="muted">${t('mfa:codesLeft', { count: d.secondFactor.backupCodesLeft })}</span></p>
${off}
<h3 id="backup-codes">${t('security:mfa.newCodesHeading')}</h3>
<p class="muted">${t('security:mfa.newCodesExplain')}</p>
${errorFor(ctx, d, 'backup-codes')}
${form(d.actions.regenerateBackupCodes, d.csrfToken, codeField('codes_code', t('security:mfa.codeFromApp')), t('security:mfa.newCodes'), 'secondary')}`;
}

function deleteSection(ctx: PageContext, d: AccountSecurityPageData): SafeHtml | string {
  if (!d.deletion) return '';
  const t = ctx.t;
  const proof = d.deletion.needsPassword
    ? html`<label for="delete_password">${t('security:password.current')}</label>
<input type="password" id="delete_password" name="current_password" autocomplete="current-password" required>`
    : d.deletion.recentSignIn
      ? ''
      : html`<p class="muted">${t('security:delete.reauth', { minutes: d.deletion.reauthMinutes })}</p>`;
  return html`<h2 id="delete">${t('security:delete.heading')}</h2>
<p>${t('security:delete.explain')}</p>
${errorFor(ctx, d, 'delete')}
${form(d.actions.deleteAccount, d.csrfToken, html`${proof}
<label for="confirm_username">${ctx.tHtml('security:delete.confirm', { username: d.username })}</label>
<input type="text" id="confirm_username" name="confirm_username" autocomplete="off" autocapitalize="none" spellcheck="false" required>`, t('security:delete.button'), 'danger')}`;
}

/**
 * Backup codes shown once, with ways to keep them. No script may run (the CSP has no script-src),
 * so "copy" is a read-only text area to select, and "download" posts the codes back for a text file.
 */
export function backupCodesToKeep(ctx: PageContext, codes: string[], download?: { action: string; csrfToken: string }): SafeHtml {
  return html`<ul class="backup-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<label for="backup_codes_copy">${ctx.t('mfa:copy')}</label>
<textarea id="backup_codes_copy" readonly rows="${String(codes.length)}" spellcheck="false">${codes.join('\n')}</textarea>
${download ? form(download.action, download.csrfToken, html`<input type="hidden" name="codes" value="${codes.join(' ')}">`, ctx.t('mfa:download'), 'secondary') : ''}`;
}

function newCodesPage(ctx: PageContext, d: AccountSecurityPageData, codes: string[]): SafeHtml {
  return html`<h1>${ctx.t('security:newCodes.heading')}</h1>
<p>${ctx.t('security:newCodes.explain')}</p>
${backupCodesToKeep(ctx, codes, { action: d.actions.downloadBackupCodes, csrfToken: d.csrfToken })}
<div class="actions"><a class="button" href="${d.actions.show}">${ctx.t('common:done')}</a></div>`;
}

export function accountSecurityPage(d: AccountSecurityPageData, ctx: PageContext): string {
  const body = d.newBackupCodes
    ? newCodesPage(ctx, d, d.newBackupCodes)
    : html`<h1>${ctx.t('security:title')}</h1>
<p class="muted">${ctx.t('signedInAs', { username: d.username })} · <a href="${d.accountHref}">${ctx.t('account:title')}</a></p>
${d.notice ? html`<p role="status">${say(ctx, d.notice)}</p>` : ''}
${nameSection(ctx, d)}
${emailSection(d, ctx)}
${passwordSection(ctx, d)}
${sessionsSection(ctx, d)}
${secondFactorSection(ctx, d)}
${passkeysSection(ctx, d)}
${deleteSection(ctx, d)}`;
  return endUserDocument(ctx, d.newBackupCodes ? ctx.t('mfa:codesTitle') : ctx.t('security:title'), body);
}
