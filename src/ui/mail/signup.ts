import type { MailContent, MailTemplate } from '../../core/mail/mail.js';
import { html, type SafeHtml } from '../html.js';
import { translator, type Translator } from '../i18n/translator.js';

/*
 * The emails of sign-up, email verification, email change and invitations, each as text and HTML,
 * in the language the core chose (the person's in front of the browser when it was queued).
 */

type Of<N extends MailTemplate['name']> = Extract<MailTemplate, { name: N }>;

const BUTTON = 'display: inline-block; padding: 0.6em 1.2em; background: #1f5fbf; color: #ffffff; text-decoration: none; border-radius: 4px;';
const MUTED = 'color: #555555;';

function htmlMail(t: Translator, title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="${t.locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 36em; margin: 2em auto; padding: 0 1em;">
${body}
</body>
</html>
`.value;
}

const paragraphs = (...lines: string[]) => `${lines.join('\n\n')}\n`;

function verifyEmail(t: Translator, d: Of<'verify-email'>['data'] & { brand: string }): MailContent {
  const subject = t.t('signup:mail.verify.subject', { brand: d.brand });
  const hello = t.t('signup:mail.verify.hello', { username: d.username });
  const why = t.t(`signup:mail.verify.${d.reason}`, { brand: d.brand, username: d.username });
  const expiry = t.t('signup:mail.verify.expiry', { hours: d.hours });
  const ignore = t.t('signup:mail.verify.ignore');
  return {
    subject,
    text: paragraphs(hello, why, d.link, expiry, ignore),
    html: htmlMail(
      t,
      subject,
      html`<p>${hello}</p>
<p>${why}</p>
<p><a href="${d.link}" style="${BUTTON}">${t.t('signup:mail.verify.button')}</a></p>
<p style="${MUTED}">${t.t('signup:mail.verify.or')} <a href="${d.link}">${d.link}</a></p>
<p style="${MUTED}">${expiry}</p>
<p style="${MUTED}">${ignore}</p>`,
    ),
  };
}

function signupExisting(t: Translator, d: Of<'signup-existing'>['data'] & { brand: string }): MailContent {
  const subject = t.t('signup:mail.existing.subject', { brand: d.brand });
  const body = t.t('signup:mail.existing.body', { brand: d.brand });
  const ifYou = t.t('signup:mail.existing.ifYou');
  const ignore = t.t('signup:mail.existing.ignore');
  return {
    subject,
    text: paragraphs(body, ifYou, `${t.t('signup:mail.existing.signIn')}: ${d.signInLink}\n${t.t('signup:mail.existing.reset')}: ${d.resetLink}`, ignore),
    html: htmlMail(
      t,
      subject,
      html`<p>${body}</p>
<p>${ifYou}</p>
<p><a href="${d.signInLink}">${t.t('signup:mail.existing.signIn')}</a> · <a href="${d.resetLink}">${t.t('signup:mail.existing.reset')}</a></p>
<p style="${MUTED}">${ignore}</p>`,
    ),
  };
}

function emailChanged(t: Translator, d: Of<'email-changed'>['data'] & { brand: string }): MailContent {
  const subject = t.t('signup:mail.changed.subject', { brand: d.brand });
  const body = t.t('signup:mail.changed.body', { brand: d.brand, username: d.username, address: d.newAddress });
  const ifNot = t.t('signup:mail.changed.ifNot');
  return {
    subject,
    text: paragraphs(body, ifNot, d.resetLink),
    html: htmlMail(
      t,
      subject,
      html`<p>${body}</p>
<p>${ifNot}</p>
<p><a href="${d.resetLink}">${t.t('signup:mail.changed.reset')}</a></p>`,
    ),
  };
}

function invitation(t: Translator, d: Of<'invitation'>['data'] & { brand: string }): MailContent {
  const subject = t.t('signup:mail.invitation.subject', { brand: d.brand });
  const body = t.t('signup:mail.invitation.body', { brand: d.brand });
  const expiry = t.t('signup:mail.invitation.expiry', { days: d.days });
  const ignore = t.t('signup:mail.invitation.ignore');
  return {
    subject,
    text: paragraphs(body, d.link, expiry, ignore),
    html: htmlMail(
      t,
      subject,
      html`<p>${body}</p>
<p><a href="${d.link}" style="${BUTTON}">${t.t('signup:mail.invitation.button')}</a></p>
<p style="${MUTED}">${t.t('signup:mail.verify.or')} <a href="${d.link}">${d.link}</a></p>
<p style="${MUTED}">${expiry}</p>
<p style="${MUTED}">${ignore}</p>`,
    ),
  };
}

/** The sign-up family of mails, in the template's language (English when it names none), under the brand's name (--brand-name). */
export function renderSignupMail(template: Of<'verify-email'> | Of<'signup-existing'> | Of<'email-changed'> | Of<'invitation'>, brand: string): MailContent {
  const t = translator(template.locale ?? 'en');
  switch (template.name) {
    case 'verify-email':
      return verifyEmail(t, { ...template.data, brand });
    case 'signup-existing':
      return signupExisting(t, { ...template.data, brand });
    case 'email-changed':
      return emailChanged(t, { ...template.data, brand });
    case 'invitation':
      return invitation(t, { ...template.data, brand });
  }
}
