import type { Context } from '../../context.js';
import { page, retryLater, type ProtocolRequest, type ProtocolResponse } from '../../protocol.js';
import { keyedHash, randomToken } from '../../crypto.js';
import { requester, type Requester } from '../../audit.js';
import { addressBucket, takeAttempt } from '../../limits.js';
import { LANGUAGE_COOKIE, negotiateLocale, type Locale } from '../../locale.js';
import type { User } from '../../../store/ports.js';
import { UserNotFoundError, updateUser } from '../../admin/users.js';
import { PATHS } from '../../endpoints/discovery.js';
import { RESET_PATHS } from '../reset-paths.js';
import { BROWSER_COOKIE, browserBinding } from '../session.js';
import { checkedForm, formToken } from '../form-token.js';
import { addressKey } from '../../accounts/signup-policy.js';
import { claimAddress } from './address-claim.js';
import { SIGNUP_PATHS, type NoticeLink, type SignupNoticePageData } from './page-data.js';

/** A confirmation link works once, for this long (issue 21: 24 hours). */
export const VERIFY_LINK_SECONDS = 24 * 3600;

const CONFIRM_FORM = 'confirm-email';
const RESEND_FORM = 'resend-verification';

/** The language of a mail queued for the person in front of the browser. */
/** The language of a mail to `user`: the one they chose (their `locale`), else the one of the browser asking (its switch, then Accept-Language). */
export const mailLocale = (req: ProtocolRequest, user?: { locale?: string }): Locale =>
  negotiateLocale({ chosen: user?.locale ?? req.cookies[LANGUAGE_COOKIE], acceptLanguage: req.headers['accept-language'] });

export function notice(status: number, key: string, link?: NoticeLink, values?: Record<string, string | number>): ProtocolResponse {
  const data: SignupNoticePageData = { notice: key, ...(values ? { values } : {}), ...(link ? { link } : {}) };
  return page(status, 'signup-notice', data);
}

/** An address shown to the old address's owner: enough to recognise, not enough to harvest (`n***@example.org`). */
export function maskedAddress(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? '***' : `${email[0]}***${email.slice(at)}`;
}

/** Why a link is sent: after sign-up, asked again for the account's own address, or for the new address of an email change. */
export type LinkReason = 'signup' | 'verify' | 'change';

/**
 * Sends a confirmation link for `email` to `email`. Links sent before for this account end (only
 * the newest works: a second email change replaces the first). The link is stored as a keyed hash.
 */
export async function sendVerificationLink(
  ctx: Context,
  user: Pick<User, 'id' | 'username'>,
  email: string,
  reason: LinkReason,
  locale: Locale,
  who: Requester,
  interactionId?: string,
): Promise<void> {
  const now = ctx.now();
  await ctx.stores.accountTokens.consumeAllOf(user.id, 'email_verification', now);
  const token = randomToken(32);
  await ctx.stores.accountTokens.create({
    tokenHash: keyedHash(ctx.pepper, token),
    purpose: 'email_verification',
    userId: user.id,
    createdAt: now,
    expiresAt: now + VERIFY_LINK_SECONDS,
    consumedAt: null,
    email,
    ...(interactionId ? { interactionId } : {}),
  });
  const link = `${ctx.config.issuer}${SIGNUP_PATHS.verify}?token=${token}`;
  await ctx.mail!.queue(email, { name: 'verify-email', locale, data: { username: user.username, link, hours: VERIFY_LINK_SECONDS / 3600, reason } });
  await ctx.audit.record({ type: 'email.verification_sent', userId: user.id, username: user.username, ...who, reason });
}

/** Counts a link asked for, per account and per IP; the answer to give when the burst is over its limit. */
export async function linkAllowance(ctx: Context, userId: string, who: Requester, refused: (minutes: number) => Promise<ProtocolResponse> | ProtocolResponse): Promise<ProtocolResponse | undefined> {
  const attempt = await takeAttempt([
    [ctx.limits.verification.ip, addressBucket(who.ip)],
    [ctx.limits.verification.account, userId],
  ]);
  if (attempt.allowed) return undefined;
  await ctx.audit.record({ type: 'rate_limit.hit', outcome: 'failure', userId, ...who, reason: 'verification_link' });
  return retryLater(await refused(Math.ceil(attempt.retryAfter / 60)), 429, attempt.retryAfter);
}

/** Whether this account must confirm its address before it may finish signing in (--require-verified-email). */
export function mustVerifyFirst(ctx: Context, user: User): boolean {
  return ctx.config.requireVerifiedEmail && user.passwordHash !== '' && user.email !== null && !user.emailVerified;
}

/** Where a sign-in of an account without a confirmed address ends: a page saying so, with "send the link again". */
export function unverifiedPage(ctx: Context, req: ProtocolRequest, user: User, status = 403): ProtocolResponse {
  const browser = browserBinding(req);
  return page(
    status,
    'email-unverified',
    { action: ctx.config.issuer + SIGNUP_PATHS.resend, csrfToken: formToken(ctx, RESEND_FORM, `${browser.value}:${user.id}`), userId: user.id, username: user.username },
    browser.cookies,
  );
}

const back = (ctx: Context): NoticeLink => ({ href: ctx.config.issuer + PATHS.account, label: 'back' });
const linkInvalid = (ctx: Context) => notice(400, 'linkInvalid', back(ctx));

/** The confirmation link's pages, and "send the link again" after a refused sign-in. */
export function verificationEndpoints(ctx: Context) {
  const tokenOf = (value: string | undefined) => (value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined);

  /** Where to go on after confirming: back into the authorization request the sign-up came from, while it lasts. */
  async function onward(interactionId: string | undefined): Promise<NoticeLink> {
    const live = interactionId ? await ctx.stores.interactions.find(interactionId) : undefined;
    return live && live.expiresAt > ctx.now() ? { href: `${ctx.config.issuer}/interaction/${live.id}`, label: 'continue' } : back(ctx);
  }

  return {
    /** GET with the link's token: a page with one button (the token is used only when it is posted). */
    async show(req: ProtocolRequest): Promise<ProtocolResponse> {
      const given = req.query['token'];
      const token = tokenOf(given?.length === 1 ? given[0] : undefined);
      const record = token ? await ctx.stores.accountTokens.findUsable(keyedHash(ctx.pepper, token), 'email_verification', ctx.now()) : undefined;
      const user = record && record.email !== undefined ? await ctx.stores.users.findById(record.userId) : undefined;
      if (!token || !record?.email || !user || user.disabled) return linkInvalid(ctx);
      const browser = browserBinding(req);
      return page(
        200,
        'confirm-email',
        {
          action: ctx.config.issuer + SIGNUP_PATHS.verify,
          csrfToken: formToken(ctx, CONFIRM_FORM, browser.value),
          token,
          email: record.email,
          username: user.username,
          change: (user.email ?? '').toLowerCase() !== record.email.toLowerCase(),
        },
        browser.cookies,
      );
    },

    /**
     * POST: uses the link (atomically: of concurrent uses exactly one wins). The account's own
     * address becomes confirmed; a new address takes effect only now, unless another account holds it by then.
     */
    async confirm(req: ProtocolRequest): Promise<ProtocolResponse> {
      const form = checkedForm(ctx, req, CONFIRM_FORM, req.cookies[BROWSER_COOKIE]);
      if (!form) return notice(403, 'invalidForm', back(ctx));
      const token = tokenOf(form['token']);
      const now = ctx.now();
      const record = token ? await ctx.stores.accountTokens.consume(keyedHash(ctx.pepper, token), 'email_verification', now) : undefined;
      const user = record?.email !== undefined ? await ctx.stores.users.findById(record.userId) : undefined;
      if (!record?.email || !user || user.disabled) return linkInvalid(ctx);
      const who = requester(req);
      const email = record.email;
      const admin = { stores: ctx.stores, pepper: ctx.pepper, now, actor: `user:${user.id}`, audit: (e: Parameters<typeof ctx.audit.record>[0]) => ctx.audit.record({ ...who, ...e, actor: `user:${user.id}` }) };
      if ((user.email ?? '').toLowerCase() === email.toLowerCase()) {
        if (!user.emailVerified) await ctx.stores.users.update(user.id, { emailVerified: true }, now);
        await ctx.audit.record({ type: 'email.verified', userId: user.id, username: user.username, ...who });
        return notice(200, 'verified', await onward(record.interactionId));
      }
      // An email change. Another account took the address since it was asked for: nothing changes (the requester never learns whose it is).
      const others = (await ctx.stores.users.listByEmail(email)).filter((u) => u.id !== user.id);
      // The address is claimed for this account first, as a sign-up claims it: of a change and a sign-up (or two changes) arriving together, one has it.
      if (others.length > 0 || !(await claimAddress(ctx, addressKey(email), user.id))) {
        await ctx.audit.record({ type: 'email.changed', outcome: 'failure', userId: user.id, username: user.username, ...who, reason: 'address_in_use' });
        return notice(409, 'addressInUse', back(ctx));
      }
      try {
        // The operators' profile change: ends reset links sent to the old address, records user.changed.
        await updateUser(admin, user.id, { email, emailVerified: true });
      } catch (e) {
        if (e instanceof UserNotFoundError) return linkInvalid(ctx);
        throw e;
      }
      await ctx.audit.record({ type: 'email.changed', userId: user.id, username: user.username, ...who });
      if (user.email) {
        await ctx.mail?.queue(user.email, {
          name: 'email-changed',
          locale: mailLocale(req, user),
          data: { username: user.username, newAddress: maskedAddress(email), resetLink: ctx.config.issuer + RESET_PATHS.forgot },
        });
      }
      return notice(200, 'changed', { href: ctx.config.issuer + '/account/security', label: 'account' }, { email });
    },

    /** POST "send the link again" from the page of a refused sign-in: limited per account and per IP; the same answer whatever happened. */
    async resend(req: ProtocolRequest): Promise<ProtocolResponse> {
      const userId = req.form?.['user']?.[0] ?? '';
      const form = checkedForm(ctx, req, RESEND_FORM, req.cookies[BROWSER_COOKIE] === undefined ? undefined : `${req.cookies[BROWSER_COOKIE]}:${userId}`);
      if (!form || !ctx.mail) return notice(403, 'invalidForm', back(ctx));
      const who = requester(req);
      const user = await ctx.stores.users.findById(userId);
      if (!user || user.disabled) return notice(200, 'sentAgain', back(ctx), { hours: VERIFY_LINK_SECONDS / 3600 });
      const over = await linkAllowance(ctx, user.id, who, (minutes) => notice(429, 'tooMany', back(ctx), { minutes }));
      if (over) return over;
      if (user.email !== null && !user.emailVerified) await sendVerificationLink(ctx, user, user.email, 'verify', mailLocale(req, user), who);
      return notice(200, 'sentAgain', back(ctx), { hours: VERIFY_LINK_SECONDS / 3600 });
    },
  };
}
