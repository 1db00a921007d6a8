import type { ForgotPasswordPageData, ResetPasswordPageData } from '../core/protocol.js';
import { html } from './html.js';
import { endUserDocument } from './document.js';
import type { PageContext } from './page-context.js';
import { say } from './i18n/say.js';

/* The pages of "Forgot password?": ask for a link, then choose a new password with it. */

const layout = (ctx: PageContext, title: string, body: ReturnType<typeof html>) => endUserDocument(ctx, title, body);

export function forgotPasswordPage(d: ForgotPasswordPageData, ctx: PageContext): string {
  const t = ctx.t;
  return layout(ctx, t('reset:title'),
    html`<h1>${t('reset:title')}</h1>
<p>${t('reset:forgot.explain')}</p>
${d.error ? html`<p class="error" role="alert">${say(ctx, d.error)}</p>` : ''}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<label for="login">${t('reset:forgot.login')}</label>
<input type="text" id="login" name="login" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="320" value="${d.login}" autofocus>
<div class="actions"><button type="submit">${t('reset:forgot.send')}</button></div>
</form>
<p><a href="${d.signInHref}">${t('reset:backToSignIn')}</a></p>`,
  );
}

export function resetPasswordPage(d: ResetPasswordPageData, ctx: PageContext): string {
  const t = ctx.t;
  return layout(ctx, t('reset:choose.title'),
    html`<h1>${t('reset:choose.title')}</h1>
<p class="muted">${t('reset:choose.for', { username: d.username })}</p>
${d.error ? html`<p class="error" role="alert">${say(ctx, d.error)}</p>` : ''}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="token" value="${d.token}">
<input type="text" name="username" autocomplete="username" value="${d.username}" hidden readonly>
<label for="password">${t('reset:choose.new')} <span class="muted">${t('reset:choose.minLength', { min: d.minLength })}</span></label>
<input type="password" id="password" name="password" autocomplete="new-password" minlength="${d.minLength}" required autofocus>
<label for="password_again">${t('reset:choose.again')}</label>
<input type="password" id="password_again" name="password_again" autocomplete="new-password" minlength="${d.minLength}" required>
<div class="actions"><button type="submit">${t('security:password.change')}</button></div>
</form>`,
  );
}
