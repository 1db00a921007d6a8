import type { Context } from '../context.js';
import { msg, type Message } from '../message.js';
import { requester } from '../audit.js';
import { keyedHash, safeEqual, sha256 } from '../crypto.js';
import { errorPage, page, retryLater, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import type { Client } from '../clients/client.js';
import type { DeviceCodeRecord } from '../../store/ports.js';
import { PATHS } from '../endpoints/discovery.js';
import { normalizeUserCode } from '../endpoints/device-authorization.js';
import { addressBucket, checkAttempt, failedAttempt, giveBack, takeAttempt, type Counted } from '../limits.js';
import { currentSession, type ActiveSession } from './session.js';
import { checkedForm, formToken } from './form-token.js';
import { SESSION_FORM } from './account.js';
import { signInPage } from './sign-in.js';
import { recordConsent } from './consent.js';
import { assuranceMet } from './assurance.js';
import { stepUp } from './second-factor.js';
import { describeScopes } from '../apis/scope-descriptions.js';

const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', msg('errors:formReload'));
const NOT_VALID = msg('device:error.notValid');
const GONE = msg('device:error.gone');

function codeStep(ctx: Context, session: ActiveSession, userCode: string, error?: Message, status = 200): ProtocolResponse {
  return page(status, 'device', {
    step: 'code',
    action: ctx.config.issuer + PATHS.device,
    csrfToken: formToken(ctx, SESSION_FORM, session.record.idHash),
    username: session.user.username,
    userCode,
    ...(error ? { error } : {}),
  });
}

/** A pending, unexpired request whose client is still enabled. */
interface Pending {
  record: DeviceCodeRecord;
  client: Client;
}

async function pendingRequest(ctx: Context, userCodeHash: string | null): Promise<Pending | undefined> {
  if (userCodeHash === null) return undefined;
  const record = await ctx.stores.deviceCodes.findByUserCode(userCodeHash);
  if (!record || record.status !== 'pending' || record.expiresAt <= ctx.now()) return undefined;
  const client = await ctx.stores.clients.find(record.clientId);
  return client && !client.disabled ? { record, client } : undefined;
}

/**
 * The verification page of the device flow (RFC 8628 §3.3): the user signs in, types the code the
 * device shows, sees which app asks for what, and approves or denies. Every typed code is counted
 * per session and per IP before it is looked up (§5.1: user codes are short, so guessing must be
 * slow), and the decision applies only to the code this session entered and was shown (§5.4):
 * never to a code taken from the decision form.
 */
export function deviceEndpoints(ctx: Context) {
  const counters = (req: ProtocolRequest, session: ActiveSession): Counted[] => [
    [ctx.limits.userCodesPerSession, session.record.idHash],
    [ctx.limits.userCodesPerIp, addressBucket(req.ip)],
  ];

  /** The confirmation step for the session's code; first the second factor when the device's client requires one. */
  async function confirmStep(req: ProtocolRequest, session: ActiveSession, pending: Pending, typedCode = ''): Promise<ProtocolResponse> {
    if (!assuranceMet(ctx, pending.client, session.record.amr)) return stepUp(ctx, session, { returnTo: PATHS.device }, pending.client.clientId, requester(req), pending.client.requirePhishingResistant === true);
    return page(200, 'device', {
      step: 'confirm',
      action: ctx.config.issuer + PATHS.deviceDecision,
      csrfToken: formToken(ctx, SESSION_FORM, session.record.idHash),
      username: session.user.username,
      // Shown for the user to compare with the device (§5.4); only the hash is kept, so not after a step-up.
      userCode: typedCode === '' ? '' : `${typedCode.slice(0, 4)}-${typedCode.slice(4)}`,
      clientName: pending.client.name,
      scopes: await describeScopes(ctx, pending.record.scopes),
      requestRef: requestRef(session, pending.record.userCodeHash),
    });
  }

  /**
   * What the confirmation form carries: the request it shows, sealed to this session with a keyed
   * hash. The answer goes to that request, even if another code was entered meanwhile in another
   * window; no other session's form, and no code typed into a form, can name one.
   */
  const requestRef = (session: ActiveSession, userCodeHash: string) => `${userCodeHash}.${keyedHash(ctx.pepper, `device-request:${session.record.idHash}:${userCodeHash}`)}`;
  const requestOf = (session: ActiveSession, ref: string | undefined): string | null => {
    const userCodeHash = ref?.split('.')[0] ?? '';
    return ref !== undefined && userCodeHash !== '' && safeEqual(ref, requestRef(session, userCodeHash)) ? userCodeHash : null;
  };

  /** The session stops remembering a code once it is answered (the one it shows after a step-up). */
  const forgetIfCurrent = async (session: ActiveSession, userCodeHash: string) => {
    if (session.record.deviceUserCodeHash === userCodeHash) await ctx.stores.sessions.setDeviceUserCode(session.record.idHash, null);
  };

  return {
    async show(req: ProtocolRequest): Promise<ProtocolResponse> {
      const typed = req.query['user_code']?.[0];
      const session = await currentSession(ctx, req);
      if (!session) return signInPage(ctx, req, typed ? `${PATHS.device}?user_code=${encodeURIComponent(typed.slice(0, 20))}` : PATHS.device);
      // Back from the second factor (or a reload): the code this session entered, if it still waits.
      if (typed === undefined) {
        const pending = await pendingRequest(ctx, session.record.deviceUserCodeHash);
        if (pending) return confirmStep(req, session, pending);
      }
      return codeStep(ctx, session, (typed ?? '').slice(0, 20));
    },

    async enterCode(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await currentSession(ctx, req);
      if (!session) return signInPage(ctx, req, PATHS.device);
      const form = checkedForm(ctx, req, SESSION_FORM, session.record.idHash);
      if (!form) return invalidForm();
      const typed = (form['user_code'] ?? '').slice(0, 40);
      // Counted before it is looked up: concurrent guesses cannot outrun the limit.
      const attempt = await takeAttempt(counters(req, session));
      if (!attempt.allowed) {
        await ctx.audit.record({ type: 'rate_limit.hit', outcome: 'failure', userId: session.user.id, ...requester(req), reason: 'device_user_code' });
        return retryLater(codeStep(ctx, session, typed, msg('mfa:error.locked', { count: Math.ceil(attempt.retryAfter / 60) }), 429), 429, attempt.retryAfter);
      }
      const code = normalizeUserCode(typed);
      const userCodeHash = code ? sha256(code) : null;
      const pending = await checkAttempt(attempt, () => pendingRequest(ctx, userCodeHash));
      if (!pending || !code || userCodeHash === null) {
        await failedAttempt(attempt);
        return codeStep(ctx, session, typed, NOT_VALID);
      }
      await giveBack(attempt);
      await ctx.stores.sessions.setDeviceUserCode(session.record.idHash, userCodeHash);
      return confirmStep(req, session, pending, code);
    },

    async decide(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await currentSession(ctx, req);
      if (!session) return signInPage(ctx, req, PATHS.device);
      const form = checkedForm(ctx, req, SESSION_FORM, session.record.idHash);
      if (!form) return invalidForm();
      const decision = form['decision'];
      if (decision !== 'allow' && decision !== 'deny') return errorPage(400, 'invalid_request', msg('errors:chooseDecision'));
      // The request this form showed to this session: never a code from the form, never another window's.
      const userCodeHash = requestOf(session, form['request']);
      const pending = await pendingRequest(ctx, userCodeHash);
      if (!pending || userCodeHash === null) return codeStep(ctx, session, '', GONE);
      if (decision === 'deny') {
        await ctx.stores.deviceCodes.decide(userCodeHash, { status: 'denied' });
        await forgetIfCurrent(session, userCodeHash);
        return page(200, 'message', { title: msg('device:denied.title'), message: msg('device:denied.message') });
      }
      // Approving is issuing: what the client requires is checked here too, not only on the page before.
      if (!assuranceMet(ctx, pending.client, session.record.amr)) return stepUp(ctx, session, { returnTo: PATHS.device }, pending.client.clientId, requester(req), pending.client.requirePhishingResistant === true);
      const { record } = pending;
      const grant = await recordConsent(ctx, session.user.id, record.clientId, record.scopes, requester(req));
      if (!grant) return codeStep(ctx, session, '', GONE);
      const decided = await ctx.stores.deviceCodes.decide(userCodeHash, { status: 'approved', userId: session.user.id, authTime: session.record.authTime, amr: session.record.amr, grantId: grant.grantId });
      await forgetIfCurrent(session, userCodeHash);
      if (!decided) return codeStep(ctx, session, '', GONE);
      return page(200, 'message', { title: msg('device:connected.title'), message: msg('device:connected.message') });
    },
  };
}
