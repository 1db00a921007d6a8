import type { ForgotPasswordPageData, ResetPasswordPageData } from '../core/protocol.js';
import { html } from './html.js';
import { endUserDocument } from './document.js';
import type { PageContext } from './page-context.js';

/* The pages of "Forgot password?": ask for a link, then choose a new password with it. */

const layout = (ctx: PageContext, title: string, body: ReturnType<typeof html>) => endUserDocument(ctx, title, body);

export function forgotPasswordPage(d: ForgotPasswordPageData, ctx: PageContext): string {
  return layout(ctx, 'Reset your password',
    html`<h1>Reset your password</h1>
<p>Enter your username or email address. If an account matches, we send a link to choose a new password to its email address.</p>
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<label for="login">Username or email address</label>
<input type="text" id="login" name="login" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="320" value="${d.login}" autofocus>
<div class="actions"><button type="submit">Send the link</button></div>
</form>
<p><a href="${d.signInHref}">Back to sign in</a></p>`,
  );
}

export function resetPasswordPage(d: ResetPasswordPageData, ctx: PageContext): string {
  return layout(ctx, 'Choose a new password',
    html`<h1>Choose a new password</h1>
<p class="muted">For ${d.username}. Afterwards you are signed out everywhere.</p>
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="token" value="${d.token}">
<input type="text" name="username" autocomplete="username" value="${d.username}" hidden readonly>
<label for="password">New password <span class="muted">(at least ${d.minLength} characters)</span></label>
<input type="password" id="password" name="password" autocomplete="new-password" minlength="${d.minLength}" required autofocus>
<label for="password_again">The new password again</label>
<input type="password" id="password_again" name="password_again" autocomplete="new-password" minlength="${d.minLength}" required>
<div class="actions"><button type="submit">Change password</button></div>
</form>`,
  );
}
