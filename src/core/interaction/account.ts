import type { Context } from '../context.js';
import { errorPage, page, type CookieToSet, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { revokeGrant } from '../lifecycle/revoke.js';
import { PATHS } from '../endpoints/discovery.js';
import { requester } from '../audit.js';
import { backupCodesLeft, hasSecondFactor } from '../accounts/mfa.js';
import { accountSecondFactorEndpoints } from './second-factor.js';
import { currentSession, type ActiveSession } from './session.js';
import { signInPage } from './sign-in.js';
import { checkedForm, formToken } from './form-token.js';

/** Forms of a signed-in browser (revoke an app, sign out) carry a token bound to its session. */
export const SESSION_FORM = 'session';

const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', 'The form was not valid. Reload the page and try again.');

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
      scopes: grant.scopes.map((name) => ({ name, description: ctx.config.scopeDescriptions[name] ?? name })),
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
