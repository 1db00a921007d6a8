import type { AdminContext } from './context.js';
import type { Mailer } from '../mail/mail.js';
import type { Locale } from '../locale.js';
import { keyedHash, randomToken } from '../crypto.js';
import { AccountError, checkEmail } from '../accounts/users.js';
import { SIGNUP_PATHS } from '../interaction/signup/page-data.js';

/** An invitation works once, for this long. */
export const INVITATION_SECONDS = 7 * 24 * 3600;

export interface Invitation {
  email: string;
  expiresAt: number;
}

/**
 * Invites an address to sign up (`--signup invite`): a single-use link, stored as a keyed hash, is
 * mailed to it through the outbox (a running server sends it). The link is never shown to the
 * operator: only the mailbox's owner can use it. One function for the CLI and the admin API.
 */
export async function inviteUser(admin: AdminContext, deps: { mail: Mailer | undefined; issuer: string; locale?: Locale }, email: string): Promise<Invitation> {
  const address = email.trim();
  checkEmail(address);
  if (!deps.mail) throw new AccountError('no mail server is configured (--smtp-url): an invitation cannot be sent');
  const token = randomToken(32);
  const expiresAt = admin.now + INVITATION_SECONDS;
  await admin.stores.signups.createInvitation({ tokenHash: keyedHash(admin.pepper, token), email: address, invitedBy: admin.actor, createdAt: admin.now, expiresAt, consumedAt: null });
  const link = `${deps.issuer}${SIGNUP_PATHS.signup}?invitation=${token}`;
  await deps.mail.queue(address, { name: 'invitation', locale: deps.locale ?? 'en', data: { link, days: INVITATION_SECONDS / 86400 } });
  await admin.audit({ type: 'invitation.created', reason: `domain:${address.slice(address.lastIndexOf('@') + 1).toLowerCase()}` });
  return { email: address, expiresAt };
}
