import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import type { User } from '../../store/ports.js';
import { errorPage, page, type CookieToSet, type ProtocolRequest, type ProtocolResponse, type SecondFactorPageData } from '../protocol.js';
import { requester } from '../audit.js';
import { countFailure, forgetFailures, waitBeforeTrying } from '../limits.js';
import type { Risk } from '../accounts/risk.js';
import { confirmEnrollment, hasSecondFactor, pendingEnrollment, startEnrollment, verifySecondFactor } from '../accounts/mfa.js';
import type { Authentication } from '../tokens/id-token.js';
import { PATHS } from '../endpoints/discovery.js';
import { SESSION_COOKIE, pendingSession, startSession, type ActiveSession } from './session.js';
import { checkedForm, formToken } from './form-token.js';
import { safeReturnPath } from './sign-in.js';
import { afterLogin, load } from './endpoints.js';

/** Where a sign-in goes once it is complete: back into an authorization request, or to one of Tessera's pages. */
export type NextStep = { interactionId: string } | { returnTo: string };

const SECOND_FACTOR_FORM = 'second-factor';
/** RFC 8176: a password and a one-time code, two factors. */
const MFA_AMR = ['pwd', 'otp', 'mfa'];

const encodeNext = (next: NextStep): string => ('interactionId' in next ? `interaction:${next.interactionId}` : next.returnTo);
const decodeNext = (value: string | undefined): NextStep =>
  value?.startsWith('interaction:') ? { interactionId: value.slice('interaction:'.length) } : { returnTo: safeReturnPath(value) };

const signInAgain = (): ProtocolResponse => errorPage(400, 'invalid_request', 'This sign-in has expired. Go back and sign in again.');

/** Which second-factor step a password sign-in needs: none, a code, or setting one up first. */
async function factorNeeded(ctx: Context, user: User, client: Client | null, risk: Risk, req: ProtocolRequest): Promise<'verify' | 'enroll' | null> {
  const { policy, riskThreshold } = ctx.config.mfa;
  const required = policy === 'required' || client?.requireMfa === true;
  if (!(await hasSecondFactor(ctx, user.id))) return required ? 'enroll' : null;
  if (required || policy === 'enrolled') return 'verify';
  if (risk.score < riskThreshold) return null;
  // Step-up: an unusual sign-in of a user who has a second factor must use it.
  await ctx.audit.record({ type: 'login.step_up', userId: user.id, clientId: client?.clientId ?? null, ...requester(req), reason: `score ${risk.score}: ${risk.factors.join(',')}` });
  return 'verify';
}

/** Signs the user in for good: back to the authorization request, or to the page that asked. */
async function proceed(ctx: Context, req: ProtocolRequest, next: NextStep, userId: string, auth: Authentication, cookies: CookieToSet[]): Promise<ProtocolResponse> {
  if ('returnTo' in next) return { kind: 'redirect', location: ctx.config.issuer + next.returnTo, cookies };
  const live = await load(ctx, req, next.interactionId);
  if (!live) return signInAgain();
  await ctx.stores.interactions.setUser(live.record.id, userId, auth.time, auth.amr);
  return afterLogin(ctx, live, userId, auth, cookies);
}

function factorPage(ctx: Context, session: { idHash: string; username: string }, data: Omit<SecondFactorPageData, 'action' | 'csrfToken' | 'username'>, status = 200, cookies?: CookieToSet[]): ProtocolResponse {
  return page(
    status,
    'second-factor',
    { action: ctx.config.issuer + PATHS.secondFactor, csrfToken: formToken(ctx, SECOND_FACTOR_FORM, session.idHash), username: session.username, ...data },
    cookies,
  );
}

/**
 * After a correct password: sign in at once, or start a session that waits for the second factor
 * (a code, or enrollment first when it is required and the user has none).
 */
export async function afterPassword(ctx: Context, req: ProtocolRequest, user: User, client: Client | null, risk: Risk, next: NextStep): Promise<ProtocolResponse> {
  const factor = await factorNeeded(ctx, user, client, risk, req);
  const session = await startSession(ctx, req, user.id, factor);
  if (factor === null) return proceed(ctx, req, next, user.id, session.auth, session.cookies);
  const who = { idHash: session.idHash, username: user.username };
  if (factor === 'verify') return factorPage(ctx, who, { mode: 'verify', next: encodeNext(next) }, 200, session.cookies);
  const enrollment = await startEnrollment(ctx, user.id, user.username);
  if (!enrollment) return signInAgain();
  return factorPage(ctx, who, { mode: 'enroll', next: encodeNext(next), qr: enrollment.qr, secret: enrollment.secret, required: true }, 200, session.cookies);
}

/** POST /login/second-factor: checks the code (or confirms enrollment) and completes the sign-in. */
export function secondFactorEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    const session = await pendingSession(ctx, req);
    if (!session) return signInAgain();
    const form = checkedForm(ctx, req, SECOND_FACTOR_FORM, session.record.idHash);
    if (!form) return errorPage(403, 'invalid_request', 'The form was not valid. Reload the page and try again.');
    const next = decodeNext(form['next']);
    const from = requester(req);
    const who = { idHash: session.record.idHash, username: session.user.username };
    const mode = session.record.pendingFactor === 'enroll' ? 'enroll' : 'verify';
    const again = async (error: string, status: number): Promise<ProtocolResponse> => {
      if (mode === 'verify') return factorPage(ctx, who, { mode, next: encodeNext(next), error }, status);
      const enrollment = await pendingEnrollment(ctx, session.user.id, session.user.username);
      if (!enrollment) return signInAgain();
      return factorPage(ctx, who, { mode, next: encodeNext(next), qr: enrollment.qr, secret: enrollment.secret, required: true, error }, status);
    };

    // Codes are guessed like passwords: the same counters, keyed by the user.
    const subject = `second-factor:${session.user.id}`;
    const wait = await waitBeforeTrying(ctx.limits.signIn, subject, from.ip);
    if (wait > 0) {
      await ctx.audit.record({ type: 'mfa.failure', userId: session.user.id, ...from, reason: 'locked_out' });
      return again(`Too many wrong codes. Try again in ${Math.ceil(wait / 60)} minutes.`, 429);
    }
    const code = form['code'] ?? '';
    let backupCodes: string[] | undefined;
    if (mode === 'verify') {
      const kind = await verifySecondFactor(ctx, session.user.id, code);
      if (kind === undefined) return wrongCode();
      await ctx.audit.record({ type: 'mfa.success', userId: session.user.id, ...from, reason: kind });
    } else {
      backupCodes = await confirmEnrollment(ctx, session.user.id, code);
      if (backupCodes === undefined) return wrongCode();
      await ctx.audit.record({ type: 'mfa.enrolled', userId: session.user.id, ...from, reason: 'at_sign_in' });
    }
    await forgetFailures(ctx.limits.signIn, subject, from.ip);

    const now = ctx.now();
    const auth = { time: now, amr: MFA_AMR };
    if (!(await ctx.stores.sessions.completeFactor(session.record.idHash, auth.amr, now, now + ctx.config.ttl.session))) return signInAgain();
    // The cookie lived as long as a login in progress; it now lives as long as the session.
    const cookies = [{ name: SESSION_COOKIE, value: req.cookies[SESSION_COOKIE]!, maxAge: ctx.config.ttl.session }];
    if (backupCodes === undefined) return proceed(ctx, req, next, session.user.id, auth, cookies);
    // Just enrolled: show the backup codes once, then continue.
    if ('interactionId' in next) {
      const live = await load(ctx, req, next.interactionId);
      if (!live) return signInAgain();
      await ctx.stores.interactions.setUser(live.record.id, session.user.id, auth.time, auth.amr);
    }
    const continueHref = 'interactionId' in next ? `${ctx.config.issuer}/interaction/${next.interactionId}` : ctx.config.issuer + next.returnTo;
    return factorPage(ctx, who, { mode: 'codes', next: encodeNext(next), backupCodes, continueHref }, 200, cookies);

    async function wrongCode(): Promise<ProtocolResponse> {
      await ctx.audit.record({ type: 'mfa.failure', userId: session!.user.id, ...from, reason: 'wrong_code' });
      await countFailure(ctx.limits.signIn, subject, from.ip);
      return again('That code is not right. Try the current code from your app, or a backup code.', 400);
    }
  };
}

/** Setting up the second factor from the account page, for a user who is signed in. */
export function accountSecondFactorEndpoints(ctx: Context, signedIn: (req: ProtocolRequest) => Promise<ActiveSession | undefined>) {
  const ACCOUNT_FORM = 'account-second-factor';
  const enrollPage = (session: ActiveSession, qr: string, secret: string, error?: string, status = 200) =>
    page(status, 'second-factor', {
      action: ctx.config.issuer + PATHS.accountSecondFactorConfirm,
      csrfToken: formToken(ctx, ACCOUNT_FORM, session.record.idHash),
      username: session.user.username,
      mode: 'enroll',
      next: PATHS.account,
      qr,
      secret,
      required: false,
      ...(error ? { error } : {}),
    });
  return {
    csrfToken: (session: ActiveSession) => formToken(ctx, ACCOUNT_FORM, session.record.idHash),
    async start(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await signedIn(req);
      if (!session) return { kind: 'redirect', location: ctx.config.issuer + PATHS.account };
      if (!checkedForm(ctx, req, ACCOUNT_FORM, session.record.idHash)) return errorPage(403, 'invalid_request', 'The form was not valid. Reload the page and try again.');
      if (await hasSecondFactor(ctx, session.user.id)) return { kind: 'redirect', location: ctx.config.issuer + PATHS.account };
      const enrollment = await startEnrollment(ctx, session.user.id, session.user.username);
      if (!enrollment) return { kind: 'redirect', location: ctx.config.issuer + PATHS.account };
      return enrollPage(session, enrollment.qr, enrollment.secret);
    },
    async confirm(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await signedIn(req);
      if (!session) return { kind: 'redirect', location: ctx.config.issuer + PATHS.account };
      const form = checkedForm(ctx, req, ACCOUNT_FORM, session.record.idHash);
      if (!form) return errorPage(403, 'invalid_request', 'The form was not valid. Reload the page and try again.');
      const from = requester(req);
      const subject = `second-factor:${session.user.id}`;
      const enrollment = await pendingEnrollment(ctx, session.user.id, session.user.username);
      if (!enrollment) return { kind: 'redirect', location: ctx.config.issuer + PATHS.account };
      const wait = await waitBeforeTrying(ctx.limits.signIn, subject, from.ip);
      if (wait > 0) return enrollPage(session, enrollment.qr, enrollment.secret, `Too many wrong codes. Try again in ${Math.ceil(wait / 60)} minutes.`, 429);
      const backupCodes = await confirmEnrollment(ctx, session.user.id, form['code'] ?? '');
      if (!backupCodes) {
        await countFailure(ctx.limits.signIn, subject, from.ip);
        await ctx.audit.record({ type: 'mfa.failure', userId: session.user.id, ...from, reason: 'wrong_code' });
        return enrollPage(session, enrollment.qr, enrollment.secret, 'That code is not right. Enter the current code from your app.', 400);
      }
      await ctx.audit.record({ type: 'mfa.enrolled', userId: session.user.id, ...from, reason: 'account_page' });
      return page(200, 'second-factor', {
        action: '',
        csrfToken: '',
        username: session.user.username,
        mode: 'codes',
        next: PATHS.account,
        backupCodes,
        continueHref: ctx.config.issuer + PATHS.account,
      });
    },
  };
}
