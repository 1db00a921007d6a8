import type { Context } from '../context.js';
import { negotiateLocale, requestLocale, type Locale } from '../locale.js';
import { msg, type Message } from '../message.js';
import { page, retryLater, type CookieToSet, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { keyedHash, randomToken } from '../crypto.js';
import { requester, type Requester } from '../audit.js';
import { takeAttempt, addressBucket } from '../limits.js';
import { AccountError, checkPassword, type PasswordPolicy } from '../accounts/users.js';
import { endResetLinks, revokeUserAccess } from '../lifecycle/revoke.js';
import type { User } from '../../store/ports.js';
import { BROWSER_COOKIE, browserBinding } from './session.js';
import { checkedForm, formToken } from './form-token.js';
import { PATHS } from '../endpoints/discovery.js';
import { RESET_PATHS } from './reset-paths.js';


/** A reset link works once, for this long (issue 21: 30 minutes). */
export const RESET_LINK_SECONDS = 30 * 60;

const FORGOT_FORM = 'forgot-password';
const RESET_FORM = 'reset-password';

/** What every request gets, whether or not an account matched: the answer never tells who has an account here. */
const SENT = {
  title: msg('reset:sent.title'),
  message: msg('reset:sent.message', { minutes: 30 }),
};

const notAvailable = (ctx: Context): ProtocolResponse =>
  page(404, 'message', {
    title: msg('reset:unavailable.title'),
    message: msg('reset:unavailable.message'),
    link: { href: ctx.config.issuer + PATHS.account, label: msg('reset:backToSignIn') },
  });

const linkNotValid = (ctx: Context): ProtocolResponse =>
  page(400, 'message', {
    title: msg('reset:linkGone.title'),
    message: msg('reset:linkGone.message', { minutes: 30 }),
    link: { href: ctx.config.issuer + RESET_PATHS.forgot, label: msg('reset:title') },
  });

const invalidForm = (ctx: Context): ProtocolResponse =>
  page(403, 'message', {
    title: msg('reset:formGone.title'),
    message: msg('reset:formGone.message'),
    link: { href: ctx.config.issuer + RESET_PATHS.forgot, label: msg('reset:title') },
  });

/** Whether the password reset is offered: only with a mail server (the login page links to it only then). */
export const passwordResetOffered = (ctx: Context): boolean => ctx.mail !== undefined;

/** The accounts a typed name or address names that may reset a password: their own password, enabled, with an address to write to. */
async function resettable(ctx: Context, login: string): Promise<User[]> {
  const byName = await ctx.stores.users.findByUsername(login);
  const found = byName ? [byName] : login.includes('@') ? await ctx.stores.users.listByEmail(login) : [];
  return found.filter((u) => u.passwordHash !== '' && !u.disabled && u.email !== null);
}

/**
 * The work a request sets off, after the answer went: the lookup and the mail take time only when
 * an account matches, so doing them after answering keeps the answer's timing the same either way.
 */
async function sendResetLinks(ctx: Context, login: string, who: Requester, asked: Locale): Promise<void> {
  const users = await resettable(ctx, login);
  if (users.length === 0) {
    await ctx.audit.record({ type: 'password.reset_requested', outcome: 'failure', username: login.toLowerCase().slice(0, 200), ...who, reason: 'no_resettable_account' });
    return;
  }
  for (const user of users) {
    // Counted after the answer went, so it tells nobody anything: an account past its limit silently gets no more links.
    if (!(await takeAttempt([[ctx.limits.passwordReset.account, user.id]])).allowed) {
      await ctx.audit.record({ type: 'rate_limit.hit', outcome: 'failure', userId: user.id, username: user.username, ...who, reason: 'password_reset_account' });
      continue;
    }
    const token = randomToken(32);
    const now = ctx.now();
    await ctx.stores.accountTokens.create({ tokenHash: keyedHash(ctx.pepper, token), purpose: 'password_reset', userId: user.id, createdAt: now, expiresAt: now + RESET_LINK_SECONDS, consumedAt: null });
    const link = `${ctx.config.issuer}${RESET_PATHS.reset}?token=${token}`;
    // In the user's own language when they have one, else in the language of the page that asked.
    const locale = user.locale ? negotiateLocale({ chosen: user.locale }) : asked;
    await ctx.mail!.queue(user.email!, { name: 'password-reset', data: { username: user.username, link, minutes: RESET_LINK_SECONDS / 60 }, locale });
    await ctx.audit.record({ type: 'password.reset_requested', userId: user.id, username: user.username, ...who });
  }
}

export interface ResetLog {
  error(fields: Record<string, unknown>, message: string): void;
}

/** "Forgot password?": ask for a link by email, then choose a new password with it. */
export function passwordResetEndpoints(ctx: Context, policy: PasswordPolicy, log: () => ResetLog) {
  function forgotPage(req: ProtocolRequest, login = '', error?: Message, status = 200): ProtocolResponse {
    const browser = browserBinding(req);
    return page(
      status,
      'forgot-password',
      {
        action: ctx.config.issuer + RESET_PATHS.forgot,
        csrfToken: formToken(ctx, FORGOT_FORM, browser.value),
        login,
        signInHref: ctx.config.issuer + PATHS.account,
        ...(error ? { error } : {}),
      },
      browser.cookies,
    );
  }

  function resetPage(req: ProtocolRequest, token: string, user: User, error?: Message): ProtocolResponse {
    const browser = browserBinding(req);
    const cookies: CookieToSet[] = browser.cookies;
    return page(
      error ? 400 : 200,
      'reset-password',
      { action: ctx.config.issuer + RESET_PATHS.reset, csrfToken: formToken(ctx, RESET_FORM, browser.value), token, username: user.username, minLength: policy.minLength, ...(error ? { error } : {}) },
      cookies,
    );
  }

  /** The account a link's token opens, while it is unused and in time. */
  async function holder(token: string): Promise<User | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const record = await ctx.stores.accountTokens.findUsable(keyedHash(ctx.pepper, token), 'password_reset', ctx.now());
    const user = record && (await ctx.stores.users.findById(record.userId));
    // Disabled since the link was sent (an operator stopped the account): the link opens nothing.
    return user && !user.disabled ? user : undefined;
  }

  return {
    /** GET: the form asking for a username or an email address. */
    async showForgot(req: ProtocolRequest): Promise<ProtocolResponse> {
      return passwordResetOffered(ctx) ? forgotPage(req) : notAvailable(ctx);
    },

    /** POST: the same answer whoever asks; a link goes out only to an account that matched. */
    async requestLink(req: ProtocolRequest): Promise<ProtocolResponse> {
      if (!passwordResetOffered(ctx)) return notAvailable(ctx);
      const form = checkedForm(ctx, req, FORGOT_FORM, req.cookies[BROWSER_COOKIE]);
      if (!form) return invalidForm(ctx);
      const login = (form['login'] ?? '').trim();
      if (login === '' || login.length > 320) return forgotPage(req, login.slice(0, 320), msg('reset:error.enterLogin'), 400);
      // Every request counts, whether an account matched or not: a limit that counted only matches would tell them apart.
      const attempt = await takeAttempt([
        [ctx.limits.passwordReset.subject, login.toLowerCase()],
        [ctx.limits.passwordReset.ip, addressBucket(req.ip)],
      ]);
      if (!attempt.allowed) {
        await ctx.audit.record({ type: 'rate_limit.hit', outcome: 'failure', username: login.toLowerCase().slice(0, 200), ...requester(req), reason: 'password_reset' });
        return retryLater(forgotPage(req, login, msg('reset:error.tooMany', { count: Math.ceil(attempt.retryAfter / 60) }), 429), 429, attempt.retryAfter);
      }
      const who = requester(req);
      const asked = requestLocale(req);
      setImmediate(() => {
        sendResetLinks(ctx, login, who, asked).catch((err: unknown) => log().error({ err }, 'a password reset link could not be queued'));
      });
      return page(200, 'message', { ...SENT, link: { href: ctx.config.issuer + PATHS.account, label: msg('reset:backToSignIn') } });
    },

    /** GET with the link's token: the form for the new password (the token is used only when it is sent). */
    async showReset(req: ProtocolRequest): Promise<ProtocolResponse> {
      if (!passwordResetOffered(ctx)) return notAvailable(ctx);
      const given = req.query['token'];
      const token = given?.length === 1 ? given[0]! : '';
      const user = await holder(token);
      return user ? resetPage(req, token, user) : linkNotValid(ctx);
    },

    /**
     * POST: checks the new password, then uses the link (atomically: of concurrent uses one
     * wins), sets the password, ends every session and token of the user and lifts their locks.
     */
    async reset(req: ProtocolRequest): Promise<ProtocolResponse> {
      if (!passwordResetOffered(ctx)) return notAvailable(ctx);
      const form = checkedForm(ctx, req, RESET_FORM, req.cookies[BROWSER_COOKIE]);
      if (!form) return invalidForm(ctx);
      const token = form['token'] ?? '';
      const user = await holder(token);
      if (!user) return linkNotValid(ctx);
      const password = form['password'] ?? '';
      if (password !== (form['password_again'] ?? '')) return resetPage(req, token, user, msg('reset:error.differ'));
      try {
        checkPassword(password, policy);
      } catch (e) {
        if (e instanceof AccountError) return resetPage(req, token, user, e.said ?? msg('reset:error.rejected', { reason: e.message }));
        throw e;
      }
      const passwordHash = await ctx.passwords.hash(password);
      const now = ctx.now();
      const used = await ctx.stores.accountTokens.consume(keyedHash(ctx.pepper, token), 'password_reset', now);
      if (!used || used.userId !== user.id) return linkNotValid(ctx);
      // The password and the lifted lock in one write; then every way the user was signed in ends.
      if (!(await ctx.stores.users.update(user.id, { passwordHash, lockedUntil: null, unlockedAt: now }, now))) return linkNotValid(ctx);
      // Other links sent before this one die with it: whoever reads that mailbox later cannot reset again.
      await endResetLinks(ctx.stores, user.id, now);
      const sessions = await revokeUserAccess(ctx.stores, user.id, now);
      await ctx.audit.record({ type: 'password.reset', userId: user.id, username: user.username, ...requester(req), reason: `sessions_ended:${sessions}` });
      return page(200, 'message', {
        title: msg('reset:done.title'),
        message: msg('reset:done.message'),
        link: { href: ctx.config.issuer + PATHS.account, label: msg('common:signIn') },
      });
    },
  };
}
