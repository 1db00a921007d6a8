import { msg, type Message } from '../../message.js';
import type { Context } from '../../context.js';
import { page, type ProtocolResponse } from '../../protocol.js';
import { backupCodesLeft, hasSecondFactor } from '../../accounts/mfa.js';
import { formToken } from '../form-token.js';
import { listPasskeys, MAX_PASSKEYS, registrationOptions } from '../../accounts/passkeys.js';
import type { ActiveSession } from '../session.js';
import { PATHS } from '../../endpoints/discovery.js';
import { ACCOUNT_SECURITY_PATHS, type AccountSecurityPageData, type SecuritySection } from './page-data.js';

/** The form token of every form of the page: bound to the browser's session, so another site cannot post them. */
export const SECURITY_FORM = 'account-security';

/** A user without a password of their own proves who they are by a sign-in this recent before deleting their account. */
export const REAUTH_SECONDS = 10 * 60;

/** Success messages by the key of the redirect after a change (fixed words: nothing from the request is shown). */
export const NOTICES = {
  name_changed: msg('security:notice.nameChanged'),
  password_changed: msg('security:notice.passwordChanged'),
  session_ended: msg('security:notice.sessionEnded'),
  others_ended: msg('security:notice.othersEnded'),
  second_factor_off: msg('security:notice.secondFactorOff'),
  passkey_added: msg('passkeys:notice.added'),
  passkey_renamed: msg('passkeys:notice.renamed'),
  passkey_removed: msg('passkeys:notice.removed'),
} as const;
export type NoticeKey = keyof typeof NOTICES;

const actions = (ctx: Context) =>
  Object.fromEntries(Object.entries(ACCOUNT_SECURITY_PATHS).map(([name, path]) => [name, ctx.config.issuer + path])) as AccountSecurityPageData['actions'];

/** The page as the signed-in user sees it now, with a notice, an error in one section, or new backup codes. */
export async function securityPage(
  ctx: Context,
  session: ActiveSession,
  extra: { notice?: Message; error?: { section: SecuritySection; message: Message }; newBackupCodes?: string[]; email?: { notice?: Message; error?: Message } } = {},
  status = 200,
): Promise<ProtocolResponse> {
  const { user, record } = session;
  const now = ctx.now();
  const enabled = await hasSecondFactor(ctx, user.id);
  const sessions = (await ctx.stores.sessions.listByUser(user.id, now)).map((s) => ({
    id: s.idHash,
    current: s.idHash === record.idHash,
    signedInAt: s.authTime,
    lastUntil: s.expiresAt,
    amr: s.amr,
    pendingSecondFactor: s.pendingFactor !== null,
  }));
  const passkeys = await listPasskeys(ctx, user.id);
  // Adding a way to sign in asks for a recent sign-in, as deleting the account does for users without a password.
  const recent = now - record.authTime <= REAUTH_SECONDS;
  const data: AccountSecurityPageData = {
    username: user.username,
    csrfToken: formToken(ctx, SECURITY_FORM, record.idHash),
    accountHref: ctx.config.issuer + PATHS.account,
    actions: actions(ctx),
    name: user.name,
    email: {
      address: user.email,
      verified: user.emailVerified,
      mode: user.passwordHash === '' ? 'not_here' : ctx.mail ? 'change' : 'no_mail',
      ...extra.email,
    },
    ownPassword: user.passwordHash !== '',
    sessions,
    secondFactor: { enabled, backupCodesLeft: enabled ? await backupCodesLeft(ctx, user.id) : 0, requiredByPolicy: ctx.config.mfa.policy === 'required' },
    passkeys: {
      list: passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt, synced: p.deviceType === 'multiDevice' })),
      ...(recent && passkeys.length < MAX_PASSKEYS ? { registrationOptions: JSON.stringify(await registrationOptions(ctx, user, record.idHash)) } : {}),
      reauthMinutes: REAUTH_SECONDS / 60,
      canRemoveLast: user.passwordHash !== '',
    },
    ...(ctx.config.allowAccountDeletion
      ? { deletion: { needsPassword: user.passwordHash !== '', reauthMinutes: REAUTH_SECONDS / 60, recentSignIn: now - record.authTime <= REAUTH_SECONDS } }
      : {}),
    ...(extra.notice !== undefined ? { notice: extra.notice } : {}),
    ...(extra.error ? { error: extra.error } : {}),
    ...(extra.newBackupCodes ? { newBackupCodes: extra.newBackupCodes } : {}),
  };
  return page(status, 'account-security', data);
}
