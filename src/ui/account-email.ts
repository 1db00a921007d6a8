import type { AccountSecurityPageData } from '../core/interaction/account-security/page-data.js';
import { html, type SafeHtml } from './html.js';
import type { PageContext } from './page-context.js';

/** The email section of /account/security: the address, "verify your email", and the change form. */
export function emailSection(d: AccountSecurityPageData, ctx: PageContext): SafeHtml {
  const e = d.email;
  const status = e.address === null
    ? html`<p class="muted">${ctx.t('signup:security.none')}</p>`
    : html`<p>${ctx.t('signup:security.current', { email: e.address })} <span class="muted">(${ctx.t(e.verified ? 'signup:security.verified' : 'signup:security.unverified')})</span></p>`;
  const verify = e.address !== null && !e.verified && e.mode !== 'no_mail'
    ? html`<form method="post" action="${d.actions.verifyEmail}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<div class="actions"><button type="submit" class="secondary">${ctx.t('signup:security.verify')}</button></div>
</form>`
    : '';
  const change = e.mode === 'change'
    ? html`<form method="post" action="${d.actions.changeEmail}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<label for="new_email">${ctx.t('signup:security.newEmail')}</label>
<input type="email" id="new_email" name="email" autocomplete="email" autocapitalize="none" spellcheck="false" maxlength="320" required>
<label for="email_password">${ctx.t('signup:security.currentPassword')}</label>
<input type="password" id="email_password" name="current_password" autocomplete="current-password" required>
<p class="muted">${ctx.t('signup:security.changeHint')}</p>
<div class="actions"><button type="submit">${ctx.t('signup:security.change')}</button></div>
</form>`
    : html`<p class="muted">${ctx.t(e.mode === 'no_mail' ? 'signup:security.noMail' : 'signup:security.notHere')}</p>`;
  return html`<h2 id="email">${ctx.t('signup:security.email')}</h2>
${e.notice ? html`<p role="status">${ctx.t(`signup:${e.notice.key}`, e.notice.values)}</p>` : ''}
${e.error ? html`<p class="error" role="alert">${ctx.t(`signup:${e.error.key}`, e.error.values)}</p>` : ''}
${status}
${verify}
${change}`;
}
