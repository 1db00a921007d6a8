/*
 * What the core knows of email: the messages it asks for (by template and data), and the two ports
 * an adapter fills: the templates (src/ui/mail renders them) and the transport (src/mail: SMTP).
 */
import type { Locale } from '../locale.js';

/** The messages the core sends, each with what its template needs, in the language of its reader (English when absent). */
export type MailTemplate = {
  name: 'password-reset';
  data: { username: string; link: string; minutes: number };
  locale?: Locale;
};

/** A message as the recipient sees it. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** Turns a template and its data into a message (src/ui/mail). */
export type MailRenderer = (template: MailTemplate) => MailContent;

/** One message handed to the mail server. */
export interface OutgoingMail extends MailContent {
  /** Stable across retries, so a message sent twice (a node died after sending, before recording it) can be told apart. */
  messageId: string;
  to: string;
}

/** Sends mail (src/mail/smtp.ts). Throws when the mail server did not accept the message. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** What endpoints use: a message is queued in the durable outbox, and the sender loop sends it. */
export interface Mailer {
  /** Answers the message's id in the outbox. */
  queue(recipient: string, template: MailTemplate): Promise<string>;
}
