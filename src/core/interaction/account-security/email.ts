import type { Context } from '../../context.js';
import type { ProtocolRequest, ProtocolResponse } from '../../protocol.js';
import type { Requester } from '../../audit.js';
import { checkCredentials, refusedSignIn } from '../../accounts/sign-in.js';
import { AccountError, checkEmail } from '../../accounts/users.js';
import type { ActiveSession } from '../session.js';
import type { Message } from '../signup/page-data.js';
import { VERIFY_LINK_SECONDS, linkAllowance, mailLocale, sendVerificationLink } from '../signup/verification.js';
import { securityPage } from './page.js';

type Checked = { session: ActiveSession; form: Record<string, string>; from: Requester };

/**
 * The email section of the account page: change the address (with the current password; the new
 * address takes effect only when its link is followed), and confirm an unconfirmed address.
 */
export function emailActions(ctx: Context, signedIn: (req: ProtocolRequest) => Promise<Checked | ProtocolResponse>) {
  const answer = (c: Checked, email: { notice?: Message; error?: Message }, status = 200) => securityPage(ctx, c.session, { email }, status);
  const hours = VERIFY_LINK_SECONDS / 3600;

  return {
    /**
     * Sends a link to the new address. Nothing changes until it is followed; a second request
     * replaces the first (only the newest link works). An address another account uses is not
     * refused here (that would tell who has an account): its link simply cannot complete.
     */
    async changeEmail(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const { user } = c.session;
      if (user.passwordHash === '') return answer(c, { error: { key: 'security.notHere' } }, 400);
      if (!ctx.mail) return answer(c, { error: { key: 'security.noMail' } }, 503);
      const next = (c.form['email'] ?? '').trim();
      try {
        checkEmail(next);
      } catch (e) {
        if (e instanceof AccountError) return answer(c, { error: { key: 'error.email' } }, 400);
        throw e;
      }
      if (next.toLowerCase() === (user.email ?? '').toLowerCase()) return answer(c, { error: { key: 'security.same' } }, 400);
      // The current password, checked as a sign-in is (counted before it is checked, locked after too many).
      const checked = await checkCredentials(ctx, c.from, user.username, c.form['current_password'] ?? '');
      if (!checked.ok) {
        const error: Message = checked.retryAfter !== undefined ? { key: 'security.tooMany', values: { minutes: Math.ceil(checked.retryAfter / 60) } } : { key: 'security.wrongPassword' };
        return refusedSignIn(await answer(c, { error }, 400), checked);
      }
      if (checked.user.id !== user.id) return answer(c, { error: { key: 'security.wrongPassword' } }, 400);
      const over = await linkAllowance(ctx, user.id, c.from, (minutes) => answer(c, { error: { key: 'security.tooMany', values: { minutes } } }, 429));
      if (over) return over;
      await sendVerificationLink(ctx, user, next, 'change', mailLocale(req, user), c.from);
      await ctx.audit.record({ type: 'email.change_requested', userId: user.id, username: user.username, ...c.from });
      return answer(c, { notice: { key: 'security.sent', values: { email: next, hours } } });
    },

    /** "Verify your email": a link to the account's own unconfirmed address, limited like every link. */
    async verifyEmail(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const { user } = c.session;
      if (!ctx.mail) return answer(c, { error: { key: 'security.noMail' } }, 503);
      if (user.email === null || user.emailVerified) return answer(c, {});
      const over = await linkAllowance(ctx, user.id, c.from, (minutes) => answer(c, { error: { key: 'security.tooMany', values: { minutes } } }, 429));
      if (over) return over;
      await sendVerificationLink(ctx, user, user.email, 'verify', mailLocale(req, user), c.from);
      return answer(c, { notice: { key: 'security.verifySent', values: { hours } } });
    },
  };
}
