import type { Context } from '../../context.js';
import { msg, type Message } from '../../message.js';
import { errorPage, page, retryLater, type ProtocolRequest, type ProtocolResponse } from '../../protocol.js';
import { requester, type Requester } from '../../audit.js';
import type { AdminContext } from '../../admin/context.js';
import { changeOwnPassword } from '../../accounts/password-change.js';
import { checkCredentials, refusedSignIn, signInRefusal } from '../../accounts/sign-in.js';
import { hasSecondFactor, isBackupCodeList, regenerateBackupCodes, verifySecondFactor } from '../../accounts/mfa.js';
import { endOtherUserSessions, endUserSession } from '../../admin/sessions.js';
import { deleteUser, resetUserMfa } from '../../admin/user-lifecycle.js';
import { UserNotFoundError, updateUser } from '../../admin/users.js';
import { AccountError, type PasswordPolicy } from '../../accounts/users.js';
import { checkCode, lockedMessage, stepUp } from '../second-factor.js';
import { provedSecondFactor } from '../assurance.js';
import { finishRegistration, hasPasskey, listPasskeys, MAX_NAME_LENGTH, MAX_PASSKEYS, passkeyName, type PasskeyFailure } from '../../accounts/passkeys.js';
import { currentSession, endSession, type ActiveSession } from '../session.js';
import { signInPage } from '../sign-in.js';
import { checkedForm } from '../form-token.js';
import { ACCOUNT_SECURITY_PATHS, type SecuritySection } from './page-data.js';
import { emailActions } from './email.js';
import { NOTICES, REAUTH_SECONDS, SECURITY_FORM, securityPage, type NoticeKey } from './page.js';

/** What a refused check of the current password says: wrong, or why it was not checked (locked, busy, a directory down). */
const currentPasswordRefusal = (r: Parameters<typeof signInRefusal>[0]): Message =>
  r.retryAfter === undefined && !r.busy && !r.refusal ? msg('security:error.currentPasswordWrong') : signInRefusal(r);

const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', msg('errors:formReload'));

/** What the security page says when a new passkey was not accepted. */
const REGISTRATION_REFUSALS: Partial<Record<PasskeyFailure, Message>> = {
  malformed: msg('passkeys:add.malformed'),
  challenge: msg('passkeys:add.challenge'),
  exists: msg('passkeys:add.exists'),
  too_many: msg('passkeys:add.tooMany', { max: MAX_PASSKEYS }),
  invalid: msg('passkeys:add.invalid'),
};

/** What every action starts with: a signed-in session, and a form carrying that session's token. */
type Checked = { session: ActiveSession; form: Record<string, string>; from: Requester };

/**
 * The account page's actions a user takes on their own security. Each is an ordered list of small
 * checks (signed in, form token, the proof the action asks for), then one core operation, shared
 * with the operators' faces where one exists (ending sessions, removing the factor, deleting the user).
 */
export function accountSecurityEndpoints(ctx: Context, policy: PasswordPolicy) {
  const back = (notice?: NoticeKey): ProtocolResponse => ({ kind: 'redirect', location: ctx.config.issuer + ACCOUNT_SECURITY_PATHS.show + (notice ? `?notice=${notice}` : '') });

  /**
   * A user with a second factor changes their security only from a session that proved it: a
   * password alone (a sign-in the risk policy let through, or one from before the factor was set
   * up) is not enough to change the password, sign others out or delete the account.
   */
  const needsStepUp = async (session: ActiveSession) => !provedSecondFactor(session.record.amr) && ((await hasSecondFactor(ctx, session.user.id)) || (await hasPasskey(ctx, session.user.id)));

  /** The session and the form, or the answer for a browser signed out meanwhile (a stale tab) or a form not from this page. */
  async function signedIn(req: ProtocolRequest): Promise<Checked | ProtocolResponse> {
    const session = await currentSession(ctx, req);
    // Signed out: the page asks to sign in; without the factor proved: the page asks for it. Nothing changes.
    if (!session || (await needsStepUp(session))) return back();
    const form = checkedForm(ctx, req, SECURITY_FORM, session.record.idHash);
    return form ? { session, form, from: requester(req) } : invalidForm();
  }

  /** Operations shared with operators record the user as the one who made the change. */
  const asUser = (c: Checked): AdminContext => {
    const actor = `user:${c.session.user.id}`;
    return { stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor, audit: (e) => ctx.audit.record({ ...c.from, ...e, actor }) };
  };

  const refused = (c: Checked, section: SecuritySection, message: Message, status = 400) => securityPage(ctx, c.session, { error: { section, message } }, status);

  /** Checks a second-factor code like the sign-in does (counted before it is checked, locked after too many). */
  async function codeProof(c: Checked, section: SecuritySection, totpOnly: boolean): Promise<ProtocolResponse | undefined> {
    const userId = c.session.user.id;
    const checked = await checkCode(ctx, userId, c.from, () => verifySecondFactor(ctx, userId, c.form['code'] ?? '', totpOnly));
    if (checked.status === 'locked') return retryLater(await refused(c, section, lockedMessage(checked.retryAfter), 429), 429, checked.retryAfter);
    if (checked.status === 'wrong') return refused(c, section, msg(totpOnly ? 'security:error.codeWrongTotp' : 'security:error.codeWrong'));
    return undefined;
  }

  return {
    ...emailActions(ctx, signedIn),

    async show(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await currentSession(ctx, req);
      if (!session) return signInPage(ctx, req, ACCOUNT_SECURITY_PATHS.show);
      if (await needsStepUp(session)) return stepUp(ctx, session, { returnTo: ACCOUNT_SECURITY_PATHS.show }, null, requester(req));
      const key = req.query['notice']?.[0];
      const notice = key !== undefined && Object.hasOwn(NOTICES, key) ? NOTICES[key as NoticeKey] : undefined;
      return securityPage(ctx, session, notice ? { notice } : {});
    },

    /** The name apps are told (`name`); empty clears it. The operators' profile change, limited to that one field. */
    async changeName(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const name = (c.form['name'] ?? '').trim();
      try {
        await updateUser(asUser(c), c.session.user.id, { name: name === '' ? null : name });
      } catch (e) {
        if (e instanceof AccountError) return refused(c, 'name', e.said ?? msg('security:error.nameRejected', { reason: e.message }));
        if (e instanceof UserNotFoundError) return back();
        throw e;
      }
      return back('name_changed');
    },

    /** Asks the current password; the new one meets the policy; everything else signed in as the user ends. */
    async changePassword(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const next = c.form['new_password'] ?? '';
      if (next !== (c.form['confirm_password'] ?? '')) return refused(c, 'password', msg('security:error.passwordsDiffer'));
      const { user, record } = c.session;
      const result = await changeOwnPassword(ctx, c.from, { userId: user.id, username: user.username, sessionHash: record.idHash }, c.form['current_password'] ?? '', next, policy);
      switch (result.status) {
        case 'changed':
          return back('password_changed');
        case 'refused':
          return refusedSignIn(await refused(c, 'password', currentPasswordRefusal(result.result)), result.result);
        case 'weak':
          return refused(c, 'password', result.message);
        case 'changed_meanwhile':
          return refused(c, 'password', msg('security:error.passwordChangedMeanwhile'), 409);
        case 'not_here':
          return refused(c, 'password', msg('security:error.passwordElsewhere'));
      }
    },

    /** Signs one other browser out (a session of this user only; the current one signs out with "Sign out"). */
    async endSession(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const id = c.form['session'] ?? '';
      if (id === '' || id === c.session.record.idHash) return back();
      const { ended } = await endUserSession(asUser(c), c.session.user.id, id, 'user');
      return back(ended ? 'session_ended' : undefined);
    },

    async endOtherSessions(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      await endOtherUserSessions(asUser(c), c.session.user.id, c.session.record.idHash);
      return back('others_ended');
    },

    /** Turns two-step verification off, with a current code (or a backup code); never where the operator requires it. */
    async disableSecondFactor(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      if (ctx.config.mfa.policy === 'required') return refused(c, 'second-factor', msg('security:error.secondFactorRequired'), 403);
      if (!(await hasSecondFactor(ctx, c.session.user.id))) return back();
      const wrong = await codeProof(c, 'second-factor', false);
      if (wrong) return wrong;
      await resetUserMfa(asUser(c), c.session.user.id, 'user');
      return back('second_factor_off');
    },

    /** New backup codes, with a current code from the app: the old ones stop working at once; the new are shown once. */
    async regenerateBackupCodes(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      if (!(await hasSecondFactor(ctx, c.session.user.id))) return back();
      const wrong = await codeProof(c, 'backup-codes', true);
      if (wrong) return wrong;
      const codes = await regenerateBackupCodes(ctx, c.session.user.id);
      if (!codes) return refused(c, 'backup-codes', msg('security:error.noCodesToReplace'), 409);
      await ctx.audit.record({ type: 'mfa.backup_codes_regenerated', userId: c.session.user.id, username: c.session.user.username, ...c.from, reason: 'self_service' });
      return securityPage(ctx, c.session, { newBackupCodes: codes });
    },

    /**
     * The new codes, posted back from the page that shows them, as a text file. The server keeps no
     * copy of them (only their hashes), so the page sends them; only lists shaped like backup codes
     * are answered, and only to a form of this session.
     */
    async downloadBackupCodes(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const codes = (c.form['codes'] ?? '').split(/\s+/).filter((s) => s !== '');
      if (!isBackupCodeList(codes)) return errorPage(400, 'invalid_request', msg('errors:noBackupCodes'));
      const host = new URL(ctx.config.issuer).host;
      const body = `Backup codes for ${c.session.user.username} at ${host}\nEach code signs you in once, instead of a code from your authenticator app.\n\n${codes.join('\n')}\n`;
      return { kind: 'file', status: 200, contentType: 'text/plain; charset=utf-8', filename: 'backup-codes.txt', body };
    },

    /**
     * Adds a passkey: the answer to this session's registration challenge, from a recent sign-in
     * (the page offers it only then; checked again here), under the name the user gave.
     */
    async addPasskey(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const { user, record } = c.session;
      if (ctx.now() - record.authTime > REAUTH_SECONDS) return refused(c, 'passkeys', msg('passkeys:add.reauth', { minutes: REAUTH_SECONDS / 60 }), 403);
      const name = passkeyName(c.form['name']) ?? `Passkey ${(await listPasskeys(ctx, user.id)).length + 1}`;
      const result = await finishRegistration(ctx, user, record.idHash, c.form['credential'], name);
      if (!result.ok) {
        await ctx.audit.record({ type: 'passkey.registered', outcome: 'failure', userId: user.id, username: user.username, ...c.from, reason: result.reason });
        return refused(c, 'passkeys', REGISTRATION_REFUSALS[result.reason] ?? msg('passkeys:add.failed'));
      }
      await ctx.audit.record({ type: 'passkey.registered', userId: user.id, username: user.username, ...c.from, reason: result.passkey.deviceType === 'multiDevice' ? 'synced' : 'device_bound' });
      // Made with user verification just now: as with a new authenticator app, it proves the factor for this session.
      if (!provedSecondFactor(record.amr)) await ctx.stores.sessions.stepUp(record.idHash, [...record.amr.filter((a) => a !== 'mfa'), 'mfa']);
      return back('passkey_added');
    },

    async renamePasskey(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const name = passkeyName(c.form['name']);
      if (name === undefined) return refused(c, 'passkeys', msg('passkeys:add.name', { max: MAX_NAME_LENGTH }));
      if (!(await ctx.stores.passkeys.rename(c.session.user.id, c.form['passkey'] ?? '', name))) return back();
      await ctx.audit.record({ type: 'passkey.renamed', userId: c.session.user.id, username: c.session.user.username, ...c.from });
      return back('passkey_renamed');
    },

    /** Removes one of the user's passkeys; never the last way in of a user without a password. */
    async removePasskey(req: ProtocolRequest): Promise<ProtocolResponse> {
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const { user } = c.session;
      const passkeys = await listPasskeys(ctx, user.id);
      const id = c.form['passkey'] ?? '';
      if (!passkeys.some((p) => p.id === id)) return back();
      // Without a password, one passkey stays: checked again by the store, so concurrent removals cannot take the last one too.
      const keep = user.passwordHash === '' ? 1 : 0;
      const onlyWay = () => refused(c, 'passkeys', msg('passkeys:remove.onlyWay'), 409);
      if (passkeys.length <= keep) return onlyWay();
      if (!(await ctx.stores.passkeys.deleteKeeping(user.id, id, keep))) return (await ctx.stores.passkeys.find(id))?.userId === user.id ? onlyWay() : back();
      await ctx.audit.record({ type: 'passkey.removed', userId: user.id, username: user.username, ...c.from, reason: 'self_service' });
      return back('passkey_removed');
    },

    /**
     * Deletes the account, where the operator allows it: the current password (or, without one, a
     * recent sign-in) and the username typed out; then the operators' deletion (tokens, sessions,
     * consents revoked) and a goodbye page.
     */
    async deleteAccount(req: ProtocolRequest): Promise<ProtocolResponse> {
      if (!ctx.config.allowAccountDeletion) return errorPage(404, 'not_found', 'no such endpoint');
      const c = await signedIn(req);
      if (!('session' in c)) return c;
      const { user, record } = c.session;
      if ((c.form['confirm_username'] ?? '').trim().toLowerCase() !== user.username.toLowerCase()) {
        return refused(c, 'delete', msg('security:error.confirmUsername'));
      }
      if (user.passwordHash !== '') {
        const checked = await checkCredentials(ctx, c.from, user.username, c.form['current_password'] ?? '');
        if (!checked.ok) return refusedSignIn(await refused(c, 'delete', currentPasswordRefusal(checked)), checked);
        if (checked.user.id !== user.id) return refused(c, 'delete', msg('security:error.passwordNotHere'));
      } else if (ctx.now() - record.authTime > REAUTH_SECONDS) {
        return refused(c, 'delete', msg('security:error.reauth', { minutes: REAUTH_SECONDS / 60 }), 403);
      }
      try {
        await deleteUser(asUser(c), user.id);
      } catch (e) {
        // Deleted meanwhile (a double submit, or an operator): the goodbye is the same.
        if (!(e instanceof UserNotFoundError)) throw e;
      }
      const cookies = await endSession(ctx, c.session);
      return page(200, 'message', { title: msg('security:deleted.title'), message: msg('security:deleted.message', { username: user.username }) }, cookies);
    },
  };
}
