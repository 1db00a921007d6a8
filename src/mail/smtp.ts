import nodemailer from 'nodemailer';
import type { MailTransport } from '../core/mail/mail.js';

/** How Tessera reaches its mail server (`--smtp-url`, `--smtp-from`; docs/configuration.md). */
export interface SmtpSettings {
  /** smtps://user:pass@host:465 (TLS from the start) or smtp://user:pass@host:587 (STARTTLS). */
  url: string;
  /** The From header: `Name <address>` or an address. */
  from: string;
  /** smtp:// may go on without STARTTLS (a relay on this machine or a test sink); off by default. */
  allowPlain?: boolean;
  /** PEM certificates to trust for the mail server (besides the system ones). */
  ca?: string;
}

/** Deliberately loose, as for users' addresses: one @, something on each side, no spaces or brackets. */
const ADDRESS = /^[^\s@<>]{1,64}@[^\s@<>]{1,255}$/;

/** What is wrong with these settings, as one line; undefined when they can be used. The URL's password never appears in it. */
export function smtpProblem(settings: SmtpSettings): string | undefined {
  let url: URL;
  try {
    url = new URL(settings.url);
  } catch {
    return 'the SMTP URL is not a URL: give smtps://user:password@host:465 or smtp://user:password@host:587';
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return `the SMTP URL must start with smtps:// or smtp://, not ${url.protocol}//`;
  if (url.hostname === '') return 'the SMTP URL names no host';
  if (url.protocol === 'smtps:' && settings.allowPlain) return 'allowing plain SMTP means nothing with smtps:// (always TLS); drop one of them';
  const address = fromAddress(settings.from);
  if (!ADDRESS.test(address) || /[\r\n]/.test(settings.from)) return `the From address must be "Name <address@example.com>" or an address, not '${settings.from}'`;
  return undefined;
}

/** The address of a From header (`Name <address>` or the address alone). */
function fromAddress(from: string): string {
  const named = /^(.*)<([^<>]*)>\s*$/.exec(from.trim());
  return named ? named[2]!.trim() : from.trim();
}

/** The URL as it may be logged: without its password. */
export function redactSmtpUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * The nodemailer transport. smtp:// requires STARTTLS unless plain is allowed: credentials and
 * reset links never cross the network in clear by accident. Timeouts are short so that a stuck
 * server fails a send (which is retried) well within the outbox's claim.
 */
export function smtpTransport(settings: SmtpSettings): MailTransport {
  const problem = smtpProblem(settings);
  if (problem) throw new Error(problem);
  const plain = new URL(settings.url).protocol === 'smtp:';
  const transport = nodemailer.createTransport({
    url: settings.url,
    ...(plain ? (settings.allowPlain ? {} : { requireTLS: true }) : { secure: true }),
    ...(settings.ca ? { tls: { ca: settings.ca } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const domain = fromAddress(settings.from).split('@')[1];
  return {
    async send(mail) {
      await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: `<${mail.messageId}@${domain}>` });
    },
    close() {
      transport.close();
    },
  };
}
