import type { Context } from '../context.js';
import { requester } from '../audit.js';
import { sha256 } from '../crypto.js';
import { errorPage, page, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import type { DeviceCodeRecord } from '../../store/ports.js';
import { PATHS } from '../endpoints/discovery.js';
import { normalizeUserCode } from '../endpoints/device-authorization.js';
import { currentSession, type ActiveSession } from './session.js';
import { checkedForm, formToken } from './form-token.js';
import { SESSION_FORM } from './account.js';
import { signInPage } from './sign-in.js';
import { recordConsent } from './consent.js';

const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', 'The form was not valid. Reload the page and try again.');

function codeStep(ctx: Context, session: ActiveSession, userCode: string, error?: string, status = 200): ProtocolResponse {
  return page(status, 'device', {
    step: 'code',
    action: ctx.config.issuer + PATHS.device,
    csrfToken: formToken(ctx, SESSION_FORM, session.record.idHash),
    username: session.user.username,
    userCode,
    ...(error ? { error } : {}),
  });
}

/** The pending, unexpired request a typed code names; undefined for anything else. */
async function pendingRequest(ctx: Context, typed: string): Promise<{ record: DeviceCodeRecord; code: string } | undefined> {
  const code = normalizeUserCode(typed);
  if (!code) return undefined;
  const record = await ctx.stores.deviceCodes.findByUserCode(sha256(code));
  if (!record || record.status !== 'pending' || record.expiresAt <= ctx.now()) return undefined;
  return { record, code };
}

/**
 * The verification page of the device flow (RFC 8628 §3.3): the user signs in, types the code the
 * device shows, sees which app asks for what, and approves or denies. Wrong codes are limited per
 * session and per IP (§5.1: user codes are short, so guessing must be slow).
 */
export function deviceEndpoints(ctx: Context) {
  const limits = (req: ProtocolRequest, session: ActiveSession) =>
    [
      [ctx.limits.userCodesPerSession, session.record.idHash],
      [ctx.limits.userCodesPerIp, req.ip],
    ] as const;

  return {
    async show(req: ProtocolRequest): Promise<ProtocolResponse> {
      const typed = req.query['user_code']?.[0] ?? '';
      const session = await currentSession(ctx, req);
      if (!session) return signInPage(ctx, req, typed ? `${PATHS.device}?user_code=${encodeURIComponent(typed.slice(0, 20))}` : PATHS.device);
      return codeStep(ctx, session, typed.slice(0, 20));
    },

    async enterCode(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await currentSession(ctx, req);
      if (!session) return signInPage(ctx, req, PATHS.device);
      const form = checkedForm(ctx, req, SESSION_FORM, session.record.idHash);
      if (!form) return invalidForm();
      const typed = (form['user_code'] ?? '').slice(0, 40);
      const counted = limits(req, session);
      for (const [limiter, key] of counted) {
        const { allowed, retryAfter } = await limiter.check(key);
        if (!allowed) {
          await ctx.audit.record({ type: 'rate_limit.hit', outcome: 'failure', userId: session.user.id, ...requester(req), reason: 'device_user_code' });
          return codeStep(ctx, session, typed, `Too many wrong codes. Try again in ${Math.ceil(retryAfter / 60)} minutes.`, 429);
        }
      }
      const found = await pendingRequest(ctx, typed);
      if (!found) {
        for (const [limiter, key] of counted) await limiter.fail(key);
        return codeStep(ctx, session, typed, 'That code is not valid or has expired. Check the code on your device.');
      }
      const client = await ctx.stores.clients.find(found.record.clientId);
      if (!client || client.disabled) return codeStep(ctx, session, typed, 'That code is not valid or has expired. Check the code on your device.');
      return page(200, 'device', {
        step: 'confirm',
        action: ctx.config.issuer + PATHS.deviceDecision,
        csrfToken: formToken(ctx, SESSION_FORM, session.record.idHash),
        username: session.user.username,
        userCode: `${found.code.slice(0, 4)}-${found.code.slice(4)}`,
        clientName: client.name,
        scopes: found.record.scopes.map((name) => ({ name, description: ctx.config.scopeDescriptions[name] ?? name })),
      });
    },

    async decide(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await currentSession(ctx, req);
      if (!session) return signInPage(ctx, req, PATHS.device);
      const form = checkedForm(ctx, req, SESSION_FORM, session.record.idHash);
      if (!form) return invalidForm();
      const decision = form['decision'];
      if (decision !== 'allow' && decision !== 'deny') return errorPage(400, 'invalid_request', 'Choose Allow or Deny.');
      const found = await pendingRequest(ctx, form['user_code'] ?? '');
      if (!found) return codeStep(ctx, session, '', 'That request has expired or was already answered. Start again on your device.');
      const userCodeHash = sha256(found.code);
      if (decision === 'deny') {
        await ctx.stores.deviceCodes.decide(userCodeHash, { status: 'denied' });
        return page(200, 'message', { title: 'Request denied', message: 'The device was not given access. You can close this window.' });
      }
      const { record } = found;
      const grant = await recordConsent(ctx, session.user.id, record.clientId, record.scopes, requester(req));
      if (!grant) return codeStep(ctx, session, '', 'That request has expired or was already answered. Start again on your device.');
      const decided = await ctx.stores.deviceCodes.decide(userCodeHash, { status: 'approved', userId: session.user.id, authTime: session.record.authTime, amr: session.record.amr, grantId: grant.grantId });
      if (!decided) return codeStep(ctx, session, '', 'That request has expired or was already answered. Start again on your device.');
      return page(200, 'message', { title: 'Device connected', message: 'You can go back to your device now. You can close this window.' });
    },
  };
}
