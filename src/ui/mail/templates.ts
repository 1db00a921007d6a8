import type { MailContent, MailRenderer, MailTemplate } from '../../core/mail/mail.js';
import { DEFAULT_LOCALE } from '../../core/locale.js';
import { html, type SafeHtml } from '../html.js';
import { translator, type Translator } from '../i18n/translator.js';
import { renderSignupMail } from './signup.js';

/*
 * The emails Tessera sends, each as text and HTML, in the reader's language (the `mail` catalogs).
 * The HTML is a plain document with inline styles only (mail clients drop stylesheets and scripts)
 * and every value escaped; the text part carries the same words and the link in full, for clients
 * that show no HTML.
 */

function htmlMail(t: Translator, title: string, body: SafeHtml, productName: string): string {
  return html`<!doctype html>
<html lang="${t.locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · ${productName}</title></head>
<body style="font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 36em; margin: 2em auto; padding: 0 1em;">
${body}
</body>
</html>
`.value;
}

function passwordReset(t: Translator, d: Extract<MailTemplate, { name: 'password-reset' }>['data'], productName: string): MailContent {
  const subject = t.t('mail:reset.subject');
  const validity = t.t('mail:reset.validity', { minutes: d.minutes });
  return {
    subject,
    text: `${t.t('mail:hello', { username: d.username })}

${t.t('mail:reset.intro')}

${d.link}

${validity}

${t.t('mail:reset.ignore')}
`,
    html: htmlMail(
      t,
      subject,
      html`<p>${t.t('mail:hello', { username: d.username })}</p>
<p>${t.t('mail:reset.introHtml')}</p>
<p><a href="${d.link}" style="display: inline-block; padding: 0.6em 1.2em; background: #1f5fbf; color: #ffffff; text-decoration: none; border-radius: 4px;">${t.t('mail:reset.button')}</a></p>
<p style="color: #555555;">${t.t('mail:reset.orOpen')} <a href="${d.link}">${d.link}</a></p>
<p style="color: #555555;">${validity}</p>
<p style="color: #555555;">${t.t('mail:reset.ignore')}</p>`,
      productName,
    ),
  };
}

/** The renderer the server gives the outbox: one function per template, in the template's language; `productName` is the brand's (--brand-name). */
export const renderMail = (template: Parameters<MailRenderer>[0], productName = 'Tessera'): ReturnType<MailRenderer> => {
  const t = translator(template.locale ?? DEFAULT_LOCALE);
  switch (template.name) {
    case 'password-reset':
      return passwordReset(t, template.data, productName);
    default:
      return renderSignupMail(template, productName);
  }
};
