import type { MailContent, MailRenderer, MailTemplate } from '../../core/mail/mail.js';
import { html, type SafeHtml } from '../html.js';
import { renderSignupMail } from './signup.js';

/*
 * The emails Tessera sends, each as text and HTML. The HTML is a plain document with inline styles
 * only (mail clients drop stylesheets and scripts) and every value escaped; the text part carries
 * the same words and the link in full, for clients that show no HTML.
 */

function htmlMail(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 36em; margin: 2em auto; padding: 0 1em;">
${body}
</body>
</html>
`.value;
}

function passwordReset(d: Extract<MailTemplate, { name: 'password-reset' }>['data']): MailContent {
  const subject = 'Reset your password';
  return {
    subject,
    text: `Hello ${d.username},

Someone asked to reset the password of your account. If it was you, open this link to choose a new password:

${d.link}

The link works once, for ${d.minutes} minutes. Choosing a new password signs you out everywhere.

If you did not ask for this, ignore this email: your password stays as it is.
`,
    html: htmlMail(
      subject,
      html`<p>Hello ${d.username},</p>
<p>Someone asked to reset the password of your account. If it was you, choose a new password:</p>
<p><a href="${d.link}" style="display: inline-block; padding: 0.6em 1.2em; background: #1f5fbf; color: #ffffff; text-decoration: none; border-radius: 4px;">Choose a new password</a></p>
<p style="color: #555555;">Or open this link: <a href="${d.link}">${d.link}</a></p>
<p style="color: #555555;">The link works once, for ${d.minutes} minutes. Choosing a new password signs you out everywhere.</p>
<p style="color: #555555;">If you did not ask for this, ignore this email: your password stays as it is.</p>`,
    ),
  };
}

/** The renderer the server gives the outbox: one function per template. */
export const renderMail: MailRenderer = (template) => {
  switch (template.name) {
    case 'password-reset':
      return passwordReset(template.data);
    default:
      return renderSignupMail(template);
  }
};
