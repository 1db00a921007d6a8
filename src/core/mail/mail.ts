/*
 * What the core knows of email: the messages it asks for (by template and data), and the two ports
 * an adapter fills: the templates (src/ui/mail renders them) and the transport (src/mail: SMTP).
 */
import type { Locale } from '../locale.js';

/** The messages the core sends, each with what its template needs; `locale` (default en) is the language it is written in. */
export type MailTemplate =
  | {
      name: 'password-reset';
      locale?: Locale;
      data: { username: string; link: string; minutes: number };
    }
  | {
      /** A link proving an address: after sign-up, for an account's own unverified address, or for the new address of an email change. */
      name: 'verify-email';
      locale?: Locale;
      data: { username: string; link: string; hours: number; reason: 'signup' | 'verify' | 'change' };
    }
  | {
      /** Someone tried to sign up with an address that has an account: told to its owner, never to the one who tried. */
      name: 'signup-existing';
      locale?: Locale;
      data: { signInLink: string; resetLink: string };
    }
  | {
      /** Sent to the old address once an email change took effect. */
      name: 'email-changed';
      locale?: Locale;
      data: { username: string; newAddress: string; resetLink: string };
    }
  | {
      /** An operator's invitation to sign up (--signup invite). */
      name: 'invitation';
      locale?: Locale;
      data: { link: string; days: number };
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
