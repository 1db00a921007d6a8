import type { Context } from '../context.js';
import { msg, type Message } from '../message.js';
import { errorPage, page, type CookieToSet, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { revokeGrant } from '../lifecycle/revoke.js';
import { PATHS } from '../endpoints/discovery.js';
import { requester } from '../audit.js';
import { backupCodesLeft, hasSecondFactor } from '../accounts/mfa.js';
import { accountSecondFactorEndpoints } from './second-factor.js';
import { currentSession, type ActiveSession } from './session.js';
import { signInPage } from './sign-in.js';
import { checkedForm, formToken } from './form-token.js';
import { ACCOUNT_SECURITY_PATHS } from './account-security/page-data.js';
import { describeScopes } from '../apis/scope-descriptions.js';

/** Forms of a signed-in browser (revoke an app, sign out) carry a token bound to its session. */
export const SESSION_FORM = 'session';

const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', msg('errors:formReload'));

/**
 * How the user signs in: a password of their own, a directory, and each upstream provider linked.
 * An upstream link can be removed while another way in remains.
 */
async function signInMethods(ctx: Context, session: ActiveSession): Promise<{ label: Message; unlink?: { provider: string; subject: string } }[]> {
  const providers = await ctx.federation.enabled();
  const linked = await ctx.stores.federatedIdentities.listByUser(session.user.id);
  const methods: { label: Message; upstream?: { provider: string; subject: string } }[] = [];
  if (session.user.passwordHash !== '') methods.push({ label: msg('account:method.password') });
  for (const identity of linked) {
    const provider = providers.find((p) => p.id === identity.providerId);
    if (!provider) continue;
    const who = identity.username ?? identity.email;
    if (provider.kind === 'ldap') methods.push({ label: msg('account:method.directory', { provider: provider.displayName }) });
    else methods.push({ label: who ? msg('account:method.providerAs', { provider: provider.displayName, who }) : msg('account:method.provider', { provider: provider.displayName }), upstream: { provider: provider.id, subject: identity.subject } });
  }
  return methods.map((m) => (m.upstream && methods.length > 1 ? { label: m.label, unlink: m.upstream } : { label: m.label }));
}

async function accountPage(ctx: Context, session: ActiveSession, secondFactor: ReturnType<typeof accountSecondFactorEndpoints>, cookies?: CookieToSet[]): Promise<ProtocolResponse> {
  const grants = await ctx.stores.grants.listByUser(session.user.id);
  const apps = [];
  for (const grant of grants) {
    const client = await ctx.stores.clients.find(grant.clientId);
    if (!client) continue;
    apps.push({
      grantId: grant.grantId,
      clientName: client.name,
      since: new Date(grant.createdAt * 1000).toISOString().slice(0, 10),
      scopes: await describeScopes(ctx, grant.scopes),
    });
  }
  return page(
    200,
    'account',
    {
      username: session.user.username,
      csrfToken: formToken(ctx, SESSION_FORM, session.record.idHash),
      revokeAction: ctx.config.issuer + PATHS.accountRevoke,
      logoutAction: ctx.config.issuer + PATHS.endSession,
      apps,
      signInMethods: await signInMethods(ctx, session),
      unlinkAction: ctx.config.issuer + PATHS.accountUnlink,
      securityHref: ctx.config.issuer + ACCOUNT_SECURITY_PATHS.show,
      secondFactor: (await hasSecondFactor(ctx, session.user.id))
        ? { enabled: true, backupCodesLeft: await backupCodesLeft(ctx, session.user.id) }
        : { enabled: false, action: ctx.config.issuer + PATHS.accountSecondFactor, csrfToken: secondFactor.csrfToken(session) },
    },
    cookies,
  );
}

const backToAccount = (ctx: Context, cookies?: CookieToSet[]): ProtocolResponse =>
  cookies ? { kind: 'redirect', location: ctx.config.issuer + PATHS.account, cookies } : { kind: 'redirect', location: ctx.config.issuer + PATHS.account };

/** The account page: a signed-in user sees the apps they allowed and can revoke any of them. */
export function accountEndpoints(ctx: Context) {
  const secondFactor = accountSecondFactorEndpoints(ctx, (req) => currentSession(ctx, req));
  return {
    secondFactor: { start: secondFactor.start, confirm: secondFactor.confirm },
    async show(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await currentSession(ctx, req);
      return session ? accountPage(ctx, session, secondFactor) : signInPage(ctx, req, PATHS.account);
    },

    /** Removes the link to an upstream provider, when another way to sign in remains. */
    async unlink(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await currentSession(ctx, req);
      if (!session) return backToAccount(ctx);
      const form = checkedForm(ctx, req, SESSION_FORM, session.record.idHash);
      if (!form) return invalidForm();
      const target = (await signInMethods(ctx, session)).find((m) => m.unlink?.provider === form['provider'] && m.unlink?.subject === form['subject']);
      // Only the user's own links, and never the last way in; anything else is ignored like an unknown id.
      // A user without a password of their own must keep one other link; checked again in the store, against concurrent unlinks.
      const keep = session.user.passwordHash === '' ? 1 : 0;
      if (target?.unlink && (await ctx.stores.federatedIdentities.unlinkKeeping(target.unlink.provider, target.unlink.subject, session.user.id, keep))) {
        await ctx.audit.record({ type: 'identity.unlinked', userId: session.user.id, ...requester(req), reason: `unlinked ${target.unlink.provider}` });
      }
      return backToAccount(ctx);
    },

    /** Forgets the consent and revokes every token issued under it, at once. */
    async revoke(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await currentSession(ctx, req);
      if (!session) return backToAccount(ctx);
      const form = checkedForm(ctx, req, SESSION_FORM, session.record.idHash);
      if (!form) return invalidForm();
      const grant = await ctx.stores.grants.findById(form['grant_id'] ?? '');
      // Only the user's own grants; anything else is silently ignored, like an unknown id.
      if (grant && grant.userId === session.user.id) {
        await revokeGrant(ctx.stores, grant.grantId, ctx.now());
        await ctx.audit.record({ type: 'consent.revoked', userId: session.user.id, clientId: grant.clientId, ...requester(req), reason: 'account_page' });
      }
      return backToAccount(ctx);
    },
  };
}
