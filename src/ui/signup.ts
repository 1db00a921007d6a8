import type { ConfirmEmailPageData, EmailUnverifiedPageData, Message, SignupNoticePageData, SignupPageData } from '../core/interaction/signup/page-data.js';
import { html, type SafeHtml } from './html.js';
import { htmlDocument } from './document.js';
import type { PageContext } from './page-context.js';

/* The pages of sign-up and email verification, in the page's language (the `signup` namespace). */

const layout = (ctx: PageContext, title: string, body: SafeHtml) => htmlDocument(ctx, title, html`<main>${body}</main>`);

const say = (ctx: PageContext, m: Message) => ctx.t(`signup:${m.key}`, m.values);

const errorOf = (ctx: PageContext, error?: Message) => (error ? html`<p class="error" role="alert">${say(ctx, error)}</p>` : '');

export function signupPage(d: SignupPageData, ctx: PageContext): string {
  const title = ctx.t('signup:page.title');
  return layout(ctx, title,
    html`<h1>${title}</h1>
<p>${d.invitedEmail ? ctx.t('signup:page.invited', { email: d.invitedEmail }) : ctx.t('signup:page.intro', { brand: ctx.brand.name })}</p>
${d.domains ? html`<p class="muted">${ctx.t('signup:page.domains', { domains: d.domains.join(', ') })}</p>` : ''}
${errorOf(ctx, d.error)}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${Object.entries(d.hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<label for="username">${ctx.t('signup:page.username')} <span class="muted">${ctx.t('signup:page.usernameHint')}</span></label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${d.username}" autofocus>
<label for="email">${ctx.t('signup:page.email')}</label>
<input type="email" id="email" name="email" autocomplete="email" autocapitalize="none" spellcheck="false" required maxlength="320" value="${d.email}"${d.invitedEmail ? html` readonly` : ''}>
<label for="password">${ctx.t('signup:page.password')} <span class="muted">${ctx.t('signup:page.passwordHint', { minLength: d.minLength })}</span></label>
<input type="password" id="password" name="password" autocomplete="new-password" minlength="${String(d.minLength)}" required>
<label for="password_again">${ctx.t('signup:page.passwordAgain')}</label>
<input type="password" id="password_again" name="password_again" autocomplete="new-password" minlength="${String(d.minLength)}" required>
<div class="actions"><button type="submit">${ctx.t('signup:page.submit')}</button></div>
</form>
<p>${ctx.t('signup:page.haveAccount')} <a href="${d.signInHref}">${ctx.t('signup:page.signIn')}</a></p>`,
  );
}

export function signupNoticePage(d: SignupNoticePageData, ctx: PageContext): string {
  const title = ctx.t(`signup:notice.${d.notice}.title`, d.values);
  return layout(ctx, title,
    html`<h1>${title}</h1>
<p>${ctx.t(`signup:notice.${d.notice}.message`, d.values)}</p>
${d.link ? html`<p><a href="${d.link.href}">${ctx.t(`signup:notice.${d.link.label}`)}</a></p>` : ''}`,
  );
}

export function confirmEmailPage(d: ConfirmEmailPageData, ctx: PageContext): string {
  const title = ctx.t('signup:confirm.title');
  return layout(ctx, title,
    html`<h1>${title}</h1>
<p>${ctx.t(d.change ? 'signup:confirm.changeMessage' : 'signup:confirm.message', { email: d.email, username: d.username })}</p>
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="token" value="${d.token}">
<div class="actions"><button type="submit">${ctx.t('signup:confirm.submit')}</button></div>
</form>`,
  );
}

export function emailUnverifiedPage(d: EmailUnverifiedPageData, ctx: PageContext): string {
  const title = ctx.t('signup:unverified.title');
  return layout(ctx, title,
    html`<h1>${title}</h1>
<p>${ctx.t('signup:unverified.message', { username: d.username })}</p>
${errorOf(ctx, d.error)}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="user" value="${d.userId}">
<div class="actions"><button type="submit" class="secondary">${ctx.t('signup:unverified.resend')}</button></div>
</form>`,
  );
}
