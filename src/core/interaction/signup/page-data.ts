/**
 * The pages of sign-up and email verification: the core fills them in with message keys of the
 * `signup` namespace (and their values); src/ui/signup.ts renders them in the page's language.
 */

/** Where the pages live (below the issuer). */
export const SIGNUP_PATHS = {
  signup: '/signup',
  /** The link of a confirmation mail opens a page with a button: a mail scanner fetching the link uses nothing. */
  verify: '/login/verify-email',
  /** "Send the link again", from the page a sign-in without a confirmed address ends on. */
  resend: '/login/verify-email/resend',
} as const;

import type { Message } from '../../message.js';

export type { Message };

export interface SignupPageData {
  action: string;
  csrfToken: string;
  username: string;
  email: string;
  minLength: number;
  signInHref: string;
  /** Hidden fields: the authorization request it came from, the invitation. */
  hidden: Record<string, string>;
  /** An invitation's address: the form's address is fixed to it. */
  invitedEmail?: string;
  /** `domain:` mode: the domains whose addresses may sign up. */
  domains?: string[];
  error?: Message;
}

export type NoticeLink = { href: string; label: 'back' | 'continue' | 'signUp' | 'account' };

/** A page with a title and a message (`notice.<key>.title` and `.message`), and a way on. */
export interface SignupNoticePageData {
  notice: string;
  values?: Record<string, string | number>;
  link?: NoticeLink;
}

/** The button a confirmation link opens. */
export interface ConfirmEmailPageData {
  action: string;
  csrfToken: string;
  token: string;
  email: string;
  username: string;
  change: boolean;
}

/** Where a sign-in of an account without a confirmed address ends (--require-verified-email). */
export interface EmailUnverifiedPageData {
  action: string;
  csrfToken: string;
  userId: string;
  username: string;
  error?: Message;
}
