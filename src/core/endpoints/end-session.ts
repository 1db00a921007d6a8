import type { Context } from '../context.js';
import { msg } from '../message.js';
import { OAuthError } from '../errors.js';
import { singleValued } from '../params.js';
import { frontChannelParams } from './form.js';
import { errorPage, page, type CookieToSet, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { decodeHeader, verifyOwnJwtIgnoringExpiry } from '../tokens/jwt.js';
import { redirectWith } from './authorize/request.js';
import { currentSession, endSession } from '../interaction/session.js';
import { checkedForm, formToken } from '../interaction/form-token.js';
import { SESSION_FORM } from '../interaction/account.js';
import { PATHS } from './discovery.js';

/** Where a logout goes afterwards, worked out from the request and never from unchecked input. */
interface LogoutTarget {
  clientId?: string;
  clientName?: string;
  /** Set only when registered for the client (RP-Initiated Logout 1.0 §3). */
  redirectUri?: string;
  state?: string;
  /** The `sub` of a valid id_token_hint. */
  hintSubject?: string;
}

class LogoutRequestError extends Error {}

/**
 * The ID token named by id_token_hint: ours, an ID token, possibly expired (RP-Initiated Logout
 * 1.0 §2). One signed by a key that was pruned since cannot be checked any more; it is treated as
 * if no hint had been given (the user confirms), rather than failing a sign-out.
 */
async function readHint(ctx: Context, hint: string): Promise<{ sub: string; aud: string } | undefined> {
  let kid: unknown;
  try {
    kid = decodeHeader(hint)['kid'];
  } catch {
    throw new LogoutRequestError('The id_token_hint is not an ID token issued by this server.');
  }
  if (typeof kid === 'string' && !(await ctx.keys.freshVerificationKey(kid))) return undefined;
  try {
    const { payload } = await verifyOwnJwtIgnoringExpiry(ctx.keys, hint, 'JWT', ctx.config.issuer);
    const aud = Array.isArray(payload.aud) ? (payload.aud.length === 1 ? payload.aud[0] : undefined) : payload.aud;
    if (typeof payload.sub !== 'string' || typeof aud !== 'string') throw new Error('not an ID token');
    return { sub: payload.sub, aud };
  } catch {
    throw new LogoutRequestError('The id_token_hint is not an ID token issued by this server.');
  }
}

async function resolveTarget(ctx: Context, params: Record<string, string>): Promise<LogoutTarget> {
  const target: LogoutTarget = {};
  const hint = params['id_token_hint'] ? await readHint(ctx, params['id_token_hint']) : undefined;
  const clientId = params['client_id'] || hint?.aud;
  if (hint && params['client_id'] && params['client_id'] !== hint.aud) throw new LogoutRequestError('client_id does not match the id_token_hint.');
  if (hint) target.hintSubject = hint.sub;
  const client = clientId ? await ctx.stores.clients.find(clientId) : undefined;
  if (!client || client.disabled) return target;
  target.clientId = client.clientId;
  target.clientName = client.name;
  const uri = params['post_logout_redirect_uri'];
  if (uri !== undefined && client.postLogoutRedirectUris.includes(uri)) {
    target.redirectUri = uri;
    if (params['state']) target.state = params['state'];
  }
  return target;
}

const SIGNED_OUT = { title: msg('logout:signedOut.title'), message: msg('logout:signedOut.message') };

function finish(target: LogoutTarget, cookies: CookieToSet[]): ProtocolResponse {
  if (target.redirectUri) return { kind: 'redirect', location: redirectWith(target.redirectUri, { state: target.state }), cookies };
  return page(200, 'message', SIGNED_OUT, cookies);
}

/**
 * Nothing to sign out and nothing vouching for the request: anyone can craft this link, so it must
 * not bounce the browser on to the app's URI (an open redirect, RFC 9700 §4.11.2). The page names
 * the app and lets the user go there if they choose.
 */
function signedOutPage(target: LogoutTarget): ProtocolResponse {
  if (!target.redirectUri || !target.clientName) return page(200, 'message', SIGNED_OUT);
  const href = redirectWith(target.redirectUri, { state: target.state });
  const host = new URL(href).host;
  const label = host ? msg('logout:returnToHost', { client: target.clientName, host }) : msg('logout:returnTo', { client: target.clientName });
  return page(200, 'message', { ...SIGNED_OUT, message: msg('logout:notSignedIn'), link: { href, label } });
}

/**
 * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0). A valid id_token_hint for
 * the signed-in user ends the session at once; otherwise the user confirms on a page (a forged
 * link must not sign people out). Afterwards the browser goes to the client's registered
 * post_logout_redirect_uri with `state`, or sees a "signed out" page. Without a session, only a
 * valid id_token_hint sends the browser on at once; otherwise the user is offered a link.
 */
export function endSessionEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    const raw = frontChannelParams(req);
    if (!raw) return errorPage(400, 'invalid_request', 'Use GET, or POST with a form body.');
    let params: Record<string, string>;
    let target: LogoutTarget;
    try {
      params = singleValued(raw);
      target = await resolveTarget(ctx, params);
    } catch (e) {
      if (e instanceof LogoutRequestError || e instanceof OAuthError) return errorPage(400, 'invalid_request', e.message);
      throw e;
    }
    // A POST carrying our CSRF field is the user's confirmation, from our own page.
    const confirming = req.method === 'POST' && params['csrf'] !== undefined;
    if (req.method === 'POST' && !confirming) {
      // An app's form POST is cross-site, so the browser leaves out our SameSite=Lax session cookie:
      // continue as a top-level GET, which carries it, so the session really ends.
      return { kind: 'redirect', location: `${ctx.config.issuer}${PATHS.endSession}?${new URLSearchParams(params).toString()}` };
    }
    const session = await currentSession(ctx, req);
    if (!session) return target.hintSubject !== undefined ? finish(target, []) : signedOutPage(target);

    if (confirming && !checkedForm(ctx, req, SESSION_FORM, session.record.idHash)) {
      return errorPage(403, 'invalid_request', msg('errors:formReload'));
    }
    if (confirming || target.hintSubject === session.user.id) return finish(target, await endSession(ctx, session));

    const hidden: Record<string, string> = {};
    if (target.clientId) hidden['client_id'] = target.clientId;
    if (target.redirectUri) hidden['post_logout_redirect_uri'] = target.redirectUri;
    if (target.state) hidden['state'] = target.state;
    return page(200, 'logout', {
      action: ctx.config.issuer + PATHS.endSession,
      csrfToken: formToken(ctx, SESSION_FORM, session.record.idHash),
      hidden,
      ...(target.clientName ? { clientName: target.clientName } : {}),
    });
  };
}
