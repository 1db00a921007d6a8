import type { Context } from '../context.js';
import { msg, type Message } from '../message.js';
import { inLanguageOf } from './language.js';
import type { User } from '../../store/ports.js';
import { errorPage, page, retryLater, type CookieToSet, type ProtocolRequest, type ProtocolResponse, type SecondFactorPageData } from '../protocol.js';
import { requester, type Requester } from '../audit.js';
import { checkAttempt, failedAttempt, liftUnlocked, signInCounters, succeededAttempt, takeAttempt } from '../limits.js';
import type { Risk } from '../accounts/risk.js';
import { assertionOptions, hasPasskey, passkeyAmr, verifyAssertion, type PasskeyFailure } from '../accounts/passkeys.js';
import type { PasskeyRecord } from '../../store/ports.js';
import { confirmEnrollment, hasSecondFactor, pendingEnrollment, startEnrollment, verifySecondFactor } from '../accounts/mfa.js';
import type { Authentication } from '../tokens/id-token.js';
import { PATHS } from '../endpoints/discovery.js';
import { SESSION_COOKIE, currentSession, pendingSession, sessionEnds, startSession, type ActiveSession } from './session.js';
import { checkedForm, formToken } from './form-token.js';
import { safeReturnPath } from './sign-in.js';
import { afterLogin, load, type LiveInteraction } from './endpoints.js';
import { provedSecondFactor } from './assurance.js';
import { ACCOUNT_SECURITY_PATHS } from './account-security/page-data.js';
import { SECURITY_FORM } from './account-security/page.js';

/** Where a sign-in goes once it is complete: back into an authorization request, or to one of Tessera's pages. */
export type NextStep = { interactionId: string } | { returnTo: string };

/** What this sign-in must prove: a second factor (client, policy or acr_values), and for which client (audit). */
export interface Requirement {
  secondFactor: boolean;
  clientId: string | null;
  /** The factor must be a passkey (a client's phishing-resistant level, or acr_values=phr). */
  phishingResistant?: boolean;
}

/** A second factor: an authenticator app (with its backup codes) or a passkey. */
const hasAnyFactor = async (ctx: Context, userId: string) => (await hasSecondFactor(ctx, userId)) || (await hasPasskey(ctx, userId));

const SECOND_FACTOR_FORM = 'second-factor';
/** RFC 8176: a password and a one-time code, two factors. */
const MFA_AMR = ['pwd', 'otp', 'mfa'];

const encodeNext = (next: NextStep): string => ('interactionId' in next ? `interaction:${next.interactionId}` : next.returnTo);
const decodeNext = (value: string | undefined): NextStep =>
  value?.startsWith('interaction:') ? { interactionId: value.slice('interaction:'.length) } : { returnTo: safeReturnPath(value) };

const signInAgain = (): ProtocolResponse => errorPage(400, 'invalid_request', msg('errors:signInExpired'));
const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', msg('errors:formReload'));
/** What the page says when a passkey was refused. */
export function passkeyRefusal(reason: PasskeyFailure | undefined): Message {
  switch (reason) {
    case 'challenge':
      return msg('passkeys:refusal.challenge');
    case 'unknown_credential':
    case 'wrong_user':
      return msg('passkeys:refusal.unknown');
    case 'counter':
      return msg('passkeys:refusal.counter');
    case 'disabled':
      return msg('passkeys:refusal.disabled');
    default:
      return msg('passkeys:refusal.unchecked');
  }
}

export const lockedMessage = (seconds: number): Message => msg('mfa:error.locked', { count: Math.ceil(seconds / 60) });

/** Which second-factor step a password sign-in needs: none, a code, or setting one up first. */
async function factorNeeded(ctx: Context, user: User, requirement: Requirement, risk: Risk, req: ProtocolRequest): Promise<'verify' | 'enroll' | null> {
  const { policy, riskThreshold } = ctx.config.mfa;
  if (!(await hasAnyFactor(ctx, user.id))) return requirement.secondFactor ? 'enroll' : null;
  if (requirement.secondFactor || policy === 'enrolled') return 'verify';
  if (risk.score < riskThreshold) return null;
  // Step-up: an unusual sign-in of a user who has a second factor must use it.
  await ctx.audit.record({ type: 'login.step_up', userId: user.id, clientId: requirement.clientId, ...requester(req), reason: `score ${risk.score}: ${risk.factors.join(',')}` });
  return 'verify';
}

/**
 * The session that goes on to `next`: one that just signed in (`fresh`) may sign any of this
 * browser's requests in; a session stepping up only one it signed in before, so an old form
 * cannot carry an earlier sign-in into a request that asked for a new one (prompt=login, max_age).
 */
interface Continuing {
  idHash: string;
  fresh: boolean;
}

/** Signs the user in for good: back to the authorization request, or to the page that asked. */
export async function proceed(ctx: Context, req: ProtocolRequest, next: NextStep, userId: string, auth: Authentication, cookies: CookieToSet[], session: Continuing): Promise<ProtocolResponse> {
  if ('returnTo' in next) return { kind: 'redirect', location: ctx.config.issuer + next.returnTo, cookies };
  const live = await signInInto(ctx, req, next.interactionId, userId, auth, session);
  if (!live) return signInAgain();
  return afterLogin(ctx, live, userId, auth, cookies, requester(req));
}

/** Records the sign-in on the interaction, when this session may; the interaction as it now stands. */
async function signInInto(ctx: Context, req: ProtocolRequest, interactionId: string, userId: string, auth: Authentication, session: Continuing): Promise<LiveInteraction | undefined> {
  const live = await load(ctx, req, interactionId);
  if (!live) return undefined;
  if (!session.fresh && (live.record.userId !== userId || live.record.sessionHash !== session.idHash)) return undefined;
  await ctx.stores.interactions.setUser(live.record.id, userId, auth.time, auth.amr, session.idHash);
  return { ...live, record: { ...live.record, userId, authTime: auth.time, amr: auth.amr, sessionHash: session.idHash } };
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
 * The page asking for the factor the user has: a code, a passkey (with a challenge for this
 * session), or both; only a passkey when the sign-in must be phishing-resistant.
 */
async function verifyPage(ctx: Context, who: { idHash: string; username: string }, userId: string, next: NextStep, extra: { error?: Message }, status = 200, cookies?: CookieToSet[], phishingResistant = false): Promise<ProtocolResponse> {
  const passkey = (await hasPasskey(ctx, userId))
    ? {
        action: ctx.config.issuer + PATHS.secondFactor,
        csrfToken: formToken(ctx, SECOND_FACTOR_FORM, who.idHash),
        hidden: { next: encodeNext(next) },
        options: JSON.stringify(await assertionOptions(ctx, 'second-factor', who.idHash, userId)),
      }
    : undefined;
  const passkeyOnly = passkey !== undefined && (phishingResistant || !(await hasSecondFactor(ctx, userId)));
  return factorPage(ctx, who, { mode: 'verify', next: encodeNext(next), ...extra, ...(passkey ? { passkey } : {}), ...(passkeyOnly ? { passkeyOnly } : {}) }, status, cookies);
}

/** The page that asks for the factor: a code, or (for a user without one, where one is required) setting one up. */
async function askForFactor(ctx: Context, who: { idHash: string; username: string }, userId: string, mode: 'verify' | 'enroll', next: NextStep, cookies?: CookieToSet[], phishingResistant = false): Promise<ProtocolResponse> {
  if (mode === 'verify') return verifyPage(ctx, who, userId, next, {}, 200, cookies, phishingResistant);
  // Always a new key: one shown to an earlier, abandoned sign-in (perhaps not the user's) is never reused.
  const enrollment = await startEnrollment(ctx, userId, who.username, who.idHash);
  if (!enrollment) return signInAgain();
  return factorPage(ctx, who, { mode: 'enroll', next: encodeNext(next), qr: enrollment.qr, secret: enrollment.secret, required: true }, 200, cookies);
}

/**
 * After a correct password: sign in at once, or start a session that waits for the second factor
 * (a code, or enrollment first when it is required and the user has none).
 */
export async function afterPassword(ctx: Context, req: ProtocolRequest, user: User, requirement: Requirement, risk: Risk, next: NextStep, cookies: CookieToSet[] = [], amr: string[] = ['pwd']): Promise<ProtocolResponse> {
  // A provider that asserted a second factor (amr "mfa") proved what a code would.
  const factor = amr.includes('mfa') ? null : await factorNeeded(ctx, user, requirement, risk, req);
  const session = await startSession(ctx, req, user.id, factor, amr);
  const allCookies = [...session.cookies, ...cookies];
  if (factor === null) return proceed(ctx, req, next, user.id, session.auth, allCookies, { idHash: session.idHash, fresh: true });
  return askForFactor(ctx, { idHash: session.idHash, username: user.username }, user.id, factor, next, allCookies, requirement.phishingResistant === true);
}

/**
 * A signed-in session that has not proved a second factor, where the client, the policy or the
 * request now requires one (an SSO session from an ordinary app, /account or /device): ask for it,
 * then continue to `next`. The session remembers the factor once given.
 */
export async function stepUp(ctx: Context, session: ActiveSession, next: NextStep, clientId: string | null, from: Requester, phishingResistant = false): Promise<ProtocolResponse> {
  await ctx.audit.record({ type: 'login.step_up', userId: session.user.id, clientId, ...from, reason: phishingResistant ? 'passkey_required' : 'second_factor_required' });
  // Nothing on this page can make a passkey sign-in of a user who has none: say where to add one.
  if (phishingResistant && !(await hasPasskey(ctx, session.user.id))) return passkeyNeeded(ctx);
  const mode = (await hasAnyFactor(ctx, session.user.id)) ? 'verify' : 'enroll';
  return askForFactor(ctx, { idHash: session.record.idHash, username: session.user.username }, session.user.id, mode, next, undefined, phishingResistant);
}

/** The answer when an app requires a passkey and the user has none yet. */
export const passkeyNeeded = (ctx: Context): ProtocolResponse =>
  page(403, 'message', {
    title: msg('passkeys:needed.title'),
    message: msg('passkeys:needed.message', { href: `${ctx.config.issuer}${ACCOUNT_SECURITY_PATHS.show}` }),
  });

export type CodeCheck<T> = { status: 'ok'; value: T } | { status: 'wrong' } | { status: 'locked'; retryAfter: number };

/**
 * Checks a second-factor code the way passwords are checked: the attempt is counted (per user
 * and IP, per IP, per user) before the code is, so concurrent guesses cannot outrun the limit.
 */
export async function checkCode<T>(ctx: Context, userId: string, from: Requester, check: () => Promise<T | undefined>, failureReason: () => string = () => 'wrong_code'): Promise<CodeCheck<T>> {
  const counters = signInCounters(ctx.limits.secondFactor, userId, from.ip);
  let attempt = await takeAttempt(counters);
  if (!attempt.allowed) {
    // An operator may have unlocked the user since (tessera user unlock): the user's own counters start afresh.
    const user = await ctx.stores.users.findById(userId).catch(() => undefined);
    if (await liftUnlocked(counters, (limiter) => limiter !== ctx.limits.secondFactor.ip, user?.unlockedAt ?? null)) attempt = await takeAttempt(counters);
  }
  if (!attempt.allowed) {
    await ctx.audit.record({ type: 'mfa.failure', userId, ...from, reason: 'locked_out' });
    return { status: 'locked', retryAfter: attempt.retryAfter };
  }
  const value = await checkAttempt(attempt, check);
  if (value === undefined) {
    await ctx.audit.record({ type: 'mfa.failure', userId, ...from, reason: failureReason() });
    const { retryAfter } = await failedAttempt(attempt);
    if (retryAfter > 0) await ctx.stores.users.recordLock(userId, ctx.now() + retryAfter);
    return retryAfter > 0 ? { status: 'locked', retryAfter } : { status: 'wrong' };
  }
  await succeededAttempt(attempt);
  return { status: 'ok', value };
}

/** POST /login/second-factor: checks the code (or confirms enrollment) and completes the sign-in or the step-up. */
export function secondFactorEndpoint(ctx: Context) {
  const handle = async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    // A session waiting for its second factor after the password, or a signed-in one stepping up.
    const pending = await pendingSession(ctx, req);
    const session = pending ?? (await currentSession(ctx, req));
    if (!session) return signInAgain();
    const form = checkedForm(ctx, req, SECOND_FACTOR_FORM, session.record.idHash);
    if (!form) return invalidForm();
    const next = decodeNext(form['next']);
    const from = requester(req);
    const user = session.user;
    const who = { idHash: session.record.idHash, username: user.username };
    const mode = pending ? (pending.record.pendingFactor === 'enroll' ? 'enroll' : 'verify') : (await hasAnyFactor(ctx, user.id)) ? 'verify' : 'enroll';
    const again = async (error: Message, status: number, retryAfter?: number): Promise<ProtocolResponse> => {
      let answer: ProtocolResponse;
      if (mode === 'verify') {
        answer = await verifyPage(ctx, who, user.id, next, { error }, status);
      } else {
        const enrollment = await pendingEnrollment(ctx, user.id, user.username, session.record.idHash);
        if (!enrollment) return signInAgain();
        answer = factorPage(ctx, who, { mode, next: encodeNext(next), qr: enrollment.qr, secret: enrollment.secret, required: true, error }, status);
      }
      return retryAfter === undefined ? answer : retryLater(answer, 429, retryAfter);
    };

    const code = form['code'] ?? '';
    const credential = form['credential'];
    // A passkey answers this session's challenge; it is counted like a code, so the same lockout applies.
    let refusedPasskey: PasskeyFailure | undefined;
    const checkPasskey = async (): Promise<PasskeyRecord | undefined> => {
      const result = await verifyAssertion(ctx, 'second-factor', session.record.idHash, credential);
      if (result.ok) return result.passkey;
      refusedPasskey = result.reason;
      if (result.reason === 'counter') await ctx.audit.record({ type: 'passkey.clone_suspected', outcome: 'failure', userId: user.id, ...from, reason: 'second_factor' });
      return undefined;
    };
    const checked =
      mode === 'verify' && credential !== undefined
        ? await checkCode<string | string[] | PasskeyRecord>(ctx, user.id, from, checkPasskey, () => `passkey:${refusedPasskey ?? 'invalid'}`)
        : mode === 'verify'
          ? await checkCode<string | string[] | PasskeyRecord>(ctx, user.id, from, () => verifySecondFactor(ctx, user.id, code))
          : await checkCode<string | string[] | PasskeyRecord>(ctx, user.id, from, () => confirmEnrollment(ctx, user.id, code, session.record.idHash));
    if (checked.status === 'locked') return again(lockedMessage(checked.retryAfter), 429, checked.retryAfter);
    if (checked.status === 'wrong') return again(credential !== undefined ? passkeyRefusal(refusedPasskey) : msg('mfa:error.codeWrong'), 400);
    const backupCodes = Array.isArray(checked.value) ? checked.value : undefined;
    const passkey = typeof checked.value === 'object' && !Array.isArray(checked.value) ? checked.value : undefined;
    const factorAmr = passkey ? passkeyAmr(passkey, true) : MFA_AMR;
    if (passkey) await ctx.audit.record({ type: 'mfa.success', userId: user.id, ...from, reason: 'passkey' });
    else if (backupCodes === undefined) await ctx.audit.record({ type: 'mfa.success', userId: user.id, ...from, reason: String(checked.value) });
    else await ctx.audit.record({ type: 'mfa.enrolled', userId: user.id, ...from, reason: pending ? 'at_sign_in' : 'at_step_up' });

    const now = ctx.now();
    let auth: Authentication;
    let cookies: CookieToSet[] = [];
    if (pending) {
      auth = { time: now, amr: factorAmr };
      const ends = sessionEnds(ctx, now);
      if (!(await ctx.stores.sessions.completeFactor(session.record.idHash, auth.amr, now, ends.expiresAt, ends.absoluteExpiresAt))) return signInAgain();
      // The cookie lived as long as a login in progress; it now lives as long as the session.
      cookies = [{ name: SESSION_COOKIE, value: req.cookies[SESSION_COOKIE]!, maxAge: ends.cookieMaxAge }];
    } else {
      // A step-up keeps the time of the sign-in (max_age is about the password) and adds the factor.
      auth = { time: session.record.authTime, amr: factorAmr };
      // A passkey is written even over a code proved before: it is the stronger (phishing-resistant) proof.
      if ((passkey || !provedSecondFactor(session.record.amr)) && !(await ctx.stores.sessions.stepUp(session.record.idHash, auth.amr))) return signInAgain();
    }
    const continuing = { idHash: session.record.idHash, fresh: pending !== undefined };
    if (backupCodes === undefined) return proceed(ctx, req, next, user.id, auth, cookies, continuing);
    // Just enrolled: show the backup codes once, then continue.
    if ('interactionId' in next && !(await signInInto(ctx, req, next.interactionId, user.id, auth, continuing))) return signInAgain();
    const continueHref = 'interactionId' in next ? `${ctx.config.issuer}/interaction/${next.interactionId}` : ctx.config.issuer + next.returnTo;
    return factorPage(ctx, who, { mode: 'codes', next: encodeNext(next), backupCodes, download: backupCodesDownload(ctx, session.record.idHash), continueHref }, 200, cookies);
  };
  // The pages of a sign-in for an authorization request speak the language its client asked for (`ui_locales`).
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    const answer = await handle(req);
    const next = answer.kind === 'page' ? decodeNext(req.form?.['next']?.[0]) : undefined;
    if (!next || !('interactionId' in next)) return answer;
    const record = await ctx.stores.interactions.find(next.interactionId);
    return record ? inLanguageOf(JSON.parse(record.request) as { uiLocales?: string }, answer) : answer;
  };
}

/** The form that turns backup codes shown once into a text file (the security page's download, for this session). */
const backupCodesDownload = (ctx: Context, sessionHash: string) => ({ action: ctx.config.issuer + ACCOUNT_SECURITY_PATHS.downloadBackupCodes, csrfToken: formToken(ctx, SECURITY_FORM, sessionHash) });

/** Setting up the second factor from the account page, for a user who is signed in. */
export function accountSecondFactorEndpoints(ctx: Context, signedIn: (req: ProtocolRequest) => Promise<ActiveSession | undefined>) {
  const ACCOUNT_FORM = 'account-second-factor';
  const enrollPage = (session: ActiveSession, qr: string, secret: string, error?: Message, status = 200) =>
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
  const backToAccount = (): ProtocolResponse => ({ kind: 'redirect', location: ctx.config.issuer + PATHS.account });
  return {
    csrfToken: (session: ActiveSession) => formToken(ctx, ACCOUNT_FORM, session.record.idHash),
    async start(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await signedIn(req);
      if (!session) return backToAccount();
      if (!checkedForm(ctx, req, ACCOUNT_FORM, session.record.idHash)) return invalidForm();
      if (await hasSecondFactor(ctx, session.user.id)) return backToAccount();
      const enrollment = await startEnrollment(ctx, session.user.id, session.user.username, session.record.idHash);
      if (!enrollment) return backToAccount();
      return enrollPage(session, enrollment.qr, enrollment.secret);
    },
    async confirm(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await signedIn(req);
      if (!session) return backToAccount();
      const form = checkedForm(ctx, req, ACCOUNT_FORM, session.record.idHash);
      if (!form) return invalidForm();
      const enrollment = await pendingEnrollment(ctx, session.user.id, session.user.username, session.record.idHash);
      if (!enrollment) return backToAccount();
      const checked = await checkCode(ctx, session.user.id, requester(req), () => confirmEnrollment(ctx, session.user.id, form['code'] ?? '', session.record.idHash));
      if (checked.status === 'locked') return retryLater(enrollPage(session, enrollment.qr, enrollment.secret, lockedMessage(checked.retryAfter), 429), 429, checked.retryAfter);
      if (checked.status === 'wrong') return enrollPage(session, enrollment.qr, enrollment.secret, msg('mfa:error.codeWrongEnroll'), 400);
      await ctx.audit.record({ type: 'mfa.enrolled', userId: session.user.id, ...requester(req), reason: 'account_page' });
      // Proving the new factor also proves it for this session.
      await ctx.stores.sessions.stepUp(session.record.idHash, MFA_AMR);
      return page(200, 'second-factor', {
        action: '',
        csrfToken: '',
        username: session.user.username,
        mode: 'codes',
        next: PATHS.account,
        backupCodes: checked.value,
        download: backupCodesDownload(ctx, session.record.idHash),
        continueHref: ctx.config.issuer + PATHS.account,
      });
    },
  };
}
