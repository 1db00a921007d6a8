import type { Context } from '../../context.js';
import { page, retryLater, type ProtocolRequest, type ProtocolResponse } from '../../protocol.js';
import { keyedHash } from '../../crypto.js';
import { requester, type Requester } from '../../audit.js';
import { addressBucket, takeAttempt } from '../../limits.js';
import { AccountError, buildUser, checkEmail, checkPassword, checkUsername, type PasswordPolicy } from '../../accounts/users.js';
import { addressAllowed, addressKey, type SignupPolicy } from '../../accounts/signup-policy.js';
import type { InvitationRecord, User } from '../../../store/ports.js';
import { PATHS } from '../../endpoints/discovery.js';
import { RESET_PATHS } from '../reset-paths.js';
import { BROWSER_COOKIE, browserBinding } from '../session.js';
import { checkedForm, formToken } from '../form-token.js';
import { SIGNUP_PATHS, type Message, type NoticeLink, type SignupPageData } from './page-data.js';
import { claimAddress } from './address-claim.js';
import { VERIFY_LINK_SECONDS, mailLocale, notice, sendVerificationLink } from './verification.js';

const SIGNUP_FORM = 'signup';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Whether /signup takes new accounts: a mode other than off, and a mail server to confirm addresses with. */
export const signupOffered = (ctx: Context): boolean => ctx.config.signup.mode !== 'off' && ctx.mail !== undefined;

/** Where the login page's "Create an account" goes: into sign-up, and back to the same authorization request after. */
export function signupHref(ctx: Context, interactionId?: string): string | undefined {
  if (!signupOffered(ctx)) return undefined;
  return ctx.config.issuer + SIGNUP_PATHS.signup + (interactionId ? `?interaction=${encodeURIComponent(interactionId)}` : '');
}

/** What the form was opened for: the authorization request it came from, and an invitation. */
interface Origin {
  interactionId?: string;
  invitation?: { token: string; record: InvitationRecord };
}

/**
 * Sign-up: the form, then one account per username and per address. The answer to an address that
 * has an account already is the same "check your email" page as to a new one; the address's owner
 * gets a mail saying someone tried. A taken username is said (usernames are chosen, not private).
 */
export function signupEndpoints(ctx: Context, policy: PasswordPolicy) {
  const signIn = (o: Origin): NoticeLink => ({ href: o.interactionId ? `${ctx.config.issuer}/interaction/${o.interactionId}` : ctx.config.issuer + PATHS.account, label: 'back' });

  /** The page for a request sign-up does not take (off, no mail, invitation needed). */
  function unavailable(o: Origin): ProtocolResponse | undefined {
    const mode = ctx.config.signup.mode;
    if (mode === 'off') return notice(404, 'signupOff', signIn(o));
    if (!ctx.mail) return notice(503, 'noMail', signIn(o));
    if (mode === 'invite' && !o.invitation) return notice(403, 'inviteOnly', signIn(o));
    return undefined;
  }

  async function origin(values: { interaction?: string | undefined; invitation?: string | undefined }): Promise<Origin | 'invitation_invalid'> {
    const o: Origin = {};
    if (values.interaction !== undefined && UUID.test(values.interaction)) {
      const live = await ctx.stores.interactions.find(values.interaction);
      if (live && live.expiresAt > ctx.now()) o.interactionId = live.id;
    }
    if (values.invitation !== undefined && values.invitation !== '') {
      const record = TOKEN.test(values.invitation) ? await ctx.stores.signups.findInvitation(keyedHash(ctx.pepper, values.invitation), ctx.now()) : undefined;
      if (!record || ctx.config.signup.mode !== 'invite') return 'invitation_invalid';
      o.invitation = { token: values.invitation, record };
    }
    return o;
  }

  function form(req: ProtocolRequest, o: Origin, typed: { username: string; email: string }, error?: Message, status = 200): ProtocolResponse {
    const browser = browserBinding(req);
    const mode: SignupPolicy = ctx.config.signup;
    const data: SignupPageData = {
      action: ctx.config.issuer + SIGNUP_PATHS.signup,
      csrfToken: formToken(ctx, SIGNUP_FORM, browser.value),
      username: typed.username,
      email: o.invitation ? o.invitation.record.email : typed.email,
      minLength: policy.minLength,
      signInHref: signIn(o).href,
      hidden: { ...(o.interactionId ? { interaction: o.interactionId } : {}), ...(o.invitation ? { invitation: o.invitation.token } : {}) },
      ...(o.invitation ? { invitedEmail: o.invitation.record.email } : {}),
      ...(mode.mode === 'domain' ? { domains: mode.domains } : {}),
      ...(error ? { error } : {}),
    };
    return page(status, 'signup', data, browser.cookies);
  }

  const checkEmailSent = (o: Origin, email: string) => notice(200, 'checkEmail', signIn(o), { email, hours: VERIFY_LINK_SECONDS / 3600 });

  /** The address has an account: its owner is told someone tried (a few times an hour at most); the one who tried learns nothing. */
  async function tellOwner(req: ProtocolRequest, email: string, who: Requester): Promise<void> {
    await ctx.audit.record({ type: 'signup.refused', outcome: 'failure', ...who, reason: 'email_registered' });
    if (!(await takeAttempt([[ctx.limits.signup.notice, addressKey(email)]])).allowed) return;
    await ctx.mail!.queue(email, {
      name: 'signup-existing',
      locale: mailLocale(req),
      data: { signInLink: ctx.config.issuer + PATHS.account, resetLink: ctx.config.issuer + RESET_PATHS.forgot },
    });
  }

  return {
    async show(req: ProtocolRequest): Promise<ProtocolResponse> {
      const one = (name: string) => (req.query[name]?.length === 1 ? req.query[name][0] : undefined);
      const o = await origin({ interaction: one('interaction'), invitation: one('invitation') });
      if (o === 'invitation_invalid') return notice(400, 'invitationInvalid', { href: ctx.config.issuer + PATHS.account, label: 'back' });
      return unavailable(o) ?? form(req, o, { username: '', email: '' });
    },

    async submit(req: ProtocolRequest): Promise<ProtocolResponse> {
      if (ctx.config.signup.mode === 'off') return notice(404, 'signupOff', signIn({}));
      const fields = checkedForm(ctx, req, SIGNUP_FORM, req.cookies[BROWSER_COOKIE]);
      if (!fields) return notice(403, 'invalidForm', { href: ctx.config.issuer + SIGNUP_PATHS.signup, label: 'signUp' });
      const who = requester(req);
      const o = await origin({ interaction: fields['interaction'], invitation: fields['invitation'] });
      if (o === 'invitation_invalid') {
        await ctx.audit.record({ type: 'signup.refused', outcome: 'failure', ...who, reason: 'invitation_invalid' });
        return notice(400, 'invitationInvalid', signIn({}));
      }
      const closed = unavailable(o);
      if (closed) return closed;
      const username = (fields['username'] ?? '').trim();
      const email = o.invitation ? o.invitation.record.email : (fields['email'] ?? '').trim();
      const password = fields['password'] ?? '';
      const typed = { username, email };
      const refuse = (error: Message, status = 400) => form(req, o, typed, error, status);
      if (username === '' || email === '' || password === '') return refuse({ key: 'error.fields' });
      try {
        checkUsername(username);
      } catch {
        return refuse({ key: 'error.username' });
      }
      try {
        checkEmail(email);
      } catch {
        return refuse({ key: 'error.email' });
      }
      if (password !== (fields['password_again'] ?? '')) return refuse({ key: 'error.passwordsDiffer' });
      try {
        checkPassword(password, policy);
      } catch (e) {
        if (e instanceof AccountError) return refuse({ key: 'error.password', values: { reason: e.message } });
        throw e;
      }
      const mode = ctx.config.signup;
      if (!o.invitation && !addressAllowed(mode, email)) {
        await ctx.audit.record({ type: 'signup.refused', outcome: 'failure', ...who, reason: 'domain_not_allowed' });
        return refuse({ key: 'error.domain', values: { domains: mode.mode === 'domain' ? mode.domains.join(', ') : '' } });
      }
      // Every well-formed sign-up counts, whether its address has an account or not (a limit of new addresses only would tell them apart).
      const attempt = await takeAttempt([
        [ctx.limits.signup.ip, addressBucket(req.ip)],
        [ctx.limits.signup.address, addressKey(email)],
      ]);
      if (!attempt.allowed) {
        await ctx.audit.record({ type: 'rate_limit.hit', outcome: 'failure', ...who, reason: 'signup' });
        return retryLater(refuse({ key: 'error.tooMany', values: { minutes: Math.ceil(attempt.retryAfter / 60) } }, 429), 429, attempt.retryAfter);
      }
      if (await ctx.stores.users.findByUsername(username)) {
        await ctx.audit.record({ type: 'signup.refused', outcome: 'failure', username: username.toLowerCase(), ...who, reason: 'username_taken' });
        return refuse({ key: 'error.usernameTaken', values: { username } }, 409);
      }
      // Hashed whether or not the address is free, so both answers take the same time.
      let user: User;
      try {
        user = await buildUser({ username, password, email, emailVerified: false }, ctx.passwords, ctx.now(), policy);
      } catch (e) {
        if (e instanceof AccountError) return refuse({ key: 'error.fields' });
        throw e;
      }
      const key = addressKey(email);
      if ((await ctx.stores.users.listByEmail(email)).length > 0 || !(await claimAddress(ctx, key, user.id))) {
        await tellOwner(req, email, who);
        return checkEmailSent(o, email);
      }
      // An invitation is used once: of two sign-ups racing with it, one gets it.
      if (o.invitation && !(await ctx.stores.signups.consumeInvitation(keyedHash(ctx.pepper, o.invitation.token), ctx.now()))) {
        await ctx.stores.signups.releaseAddress(key, user.id);
        return notice(400, 'invitationInvalid', signIn(o));
      }
      try {
        await ctx.stores.users.create(user);
      } catch (e) {
        await ctx.stores.signups.releaseAddress(key, user.id);
        // The unique username index: someone took the name since we looked.
        if (await ctx.stores.users.findByUsername(username)) return refuse({ key: 'error.usernameTaken', values: { username } }, 409);
        throw e;
      }
      const how = o.invitation ? 'invitation' : mode.mode;
      await ctx.audit.record({ type: 'user.signed_up', userId: user.id, username: user.username, ...who, reason: how });
      if (o.invitation) await ctx.audit.record({ type: 'invitation.used', userId: user.id, username: user.username, ...who, reason: `invited_by:${o.invitation.record.invitedBy}` });
      await sendVerificationLink(ctx, user, email, 'signup', mailLocale(req), who, o.interactionId);
      return checkEmailSent(o, email);
    },
  };
}
