import type { Context } from '../context.js';
import type { AdminContext } from '../admin/context.js';
import { errorPage, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { requester } from '../audit.js';
import { groupsOfUser } from '../access/entitlements.js';
import { currentSession, type ActiveSession } from '../interaction/session.js';
import { signInPage } from '../interaction/sign-in.js';
import { stepUp } from '../interaction/second-factor.js';
import { provedSecondFactor } from '../interaction/assurance.js';
import { checkedForm, formToken } from '../interaction/form-token.js';
import { ADMIN_CONSOLE_PATH } from './paths.js';

/** The purpose of the console's CSRF tokens: a token of another signed-in form does not work here. */
const ADMIN_FORM = 'admin-console';

/** Whether the user holds the console's role now: granted to them, or to a group they are in. */
export async function holdsAdminRole(ctx: Context, userId: string): Promise<boolean> {
  const groups = await groupsOfUser(ctx.stores, userId);
  const roles = await ctx.stores.roles.allHeldBy(userId, groups.map((g) => g.id));
  return roles.some((r) => r.apiId === null && r.name === ctx.config.adminRole);
}

export const consoleToken = (ctx: Context, session: ActiveSession): string => formToken(ctx, ADMIN_FORM, session.record.idHash);

/** The console's POST fields when they carry the session's token; undefined otherwise. */
export const consoleForm = (ctx: Context, req: ProtocolRequest, session: ActiveSession) => checkedForm(ctx, req, ADMIN_FORM, session.record.idHash);

const forbidden = (): ProtocolResponse =>
  errorPage(403, 'access_denied', 'The admin console is open only to operators of this server. Ask one of them for access.');

/**
 * The operator using the console, or the page to show instead: the sign-in form, the second
 * factor (set up first when the user has none), or 403. Checked on every request, so a role taken
 * back or a session ended locks the console at the next click.
 */
export async function consoleOperator(ctx: Context, req: ProtocolRequest, path: string): Promise<ActiveSession | ProtocolResponse> {
  const home: ProtocolResponse = { kind: 'redirect', location: ctx.config.issuer + ADMIN_CONSOLE_PATH };
  const session = await currentSession(ctx, req);
  // A form posted after the session ended goes back to the console, which asks to sign in.
  if (!session) return req.method === 'GET' ? signInPage(ctx, req, path) : home;
  if (!(await holdsAdminRole(ctx, session.user.id))) return forbidden();
  if (!provedSecondFactor(session.record.amr)) {
    return req.method === 'GET' ? stepUp(ctx, session, { returnTo: path }, null, requester(req)) : home;
  }
  return session;
}

/** The admin context of the console's operations: every change is recorded as made by `user:<sub>`. */
export function operatorContext(ctx: Context, req: ProtocolRequest, session: ActiveSession): AdminContext {
  const actor = `user:${session.user.id}`;
  const from = requester(req);
  return { stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor, audit: (e) => ctx.audit.record({ ...from, ...e, actor }) };
}
