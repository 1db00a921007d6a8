import { OAuthError, invalidRequest } from '../errors.js';
import { keyedHash, safeEqual } from '../crypto.js';
import type { Context } from '../context.js';
import type { Client, ClientAuthMethod } from './client.js';
import type { Requester } from '../audit.js';
import { addressCounters, failedAttempt, takeAttempt } from '../limits.js';

interface PresentedCredentials {
  method: ClientAuthMethod;
  clientId: string;
  secret?: string;
}

/** RFC 6749 §2.3.1: client_id and secret are form-encoded before they go into the Basic header. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function parseBasic(header: string): { clientId: string; secret: string } {
  const match = /^basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(header);
  if (!match?.[1]) throw invalidClient('malformed Basic authorization header', true);
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('malformed Basic authorization header', true);
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient('malformed Basic authorization header', true);
  }
}

/** RFC 6749 §5.2: a client that tried the Authorization header gets 401 with WWW-Authenticate. */
function invalidClient(description: string, viaHeader: boolean): OAuthError {
  return new OAuthError('invalid_client', description, {
    status: 401,
    ...(viaHeader ? { headers: { 'WWW-Authenticate': 'Basic realm="tessera", charset="UTF-8"' } } : {}),
  });
}

/** Works out which authentication method a request used; more than one is `invalid_request` (RFC 6749 §2.3). */
function presented(params: Record<string, string>, authorization: string | undefined): PresentedCredentials {
  const bodyId = params['client_id'];
  const bodySecret = params['client_secret'];
  if (authorization !== undefined && /^basic\b/i.test(authorization)) {
    if (bodySecret !== undefined) throw invalidRequest('more than one client authentication method used');
    const basic = parseBasic(authorization);
    if (bodyId !== undefined && bodyId !== basic.clientId) throw invalidRequest('client_id in the body does not match the Authorization header');
    return { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.secret };
  }
  if (authorization !== undefined && authorization !== '') {
    throw invalidClient('unsupported authorization scheme for client authentication', true);
  }
  if (bodyId === undefined || bodyId === '') throw invalidClient('client authentication is required', false);
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  return { method: 'none', clientId: bodyId };
}

/**
 * A public client's id in the Basic header with an empty password, as Go's x/oauth2 (when it
 * guesses the method) and oidc-agent send it: it proves nothing more than `client_id` in the body
 * (RFC 6749 §2.3.1 defines Basic for clients that have a password), so it counts as `none`. Only for
 * a client registered with `none`: a confidential client's empty password stays a wrong secret, and
 * a public client that sends any password is refused, as before.
 */
function publicClientInBasic(creds: PresentedCredentials, client: Client | undefined): boolean {
  return creds.method === 'client_secret_basic' && creds.secret === '' && client?.tokenEndpointAuthMethod === 'none';
}

/**
 * Authenticates the client of a token, revocation or introspection request. The method used must
 * be the one the client registered; secrets are compared as keyed hashes in constant time.
 * A client that authenticates is always served: its secret is 256-bit random, so failures are
 * counted per client and address and per address only, and no stranger can lock a client out.
 */
export async function authenticateClient(ctx: Context, params: Record<string, string>, authorization: string | undefined, from: Requester): Promise<Client> {
  const creds = presented(params, authorization);
  const viaHeader = creds.method === 'client_secret_basic';
  const client = await ctx.stores.clients.find(creds.clientId);
  const method = publicClientInBasic(creds, client) ? 'none' : creds.method;
  const presentedHash = creds.secret === undefined ? '' : keyedHash(ctx.pepper, creds.secret);
  const ok =
    client !== undefined &&
    !client.disabled &&
    client.tokenEndpointAuthMethod === method &&
    (method === 'none' || (client.secretHash !== null && safeEqual(presentedHash, client.secretHash)));
  if (!ok) throw await failedCredential(ctx, creds.clientId, from, 'invalid_client', invalidClient('client authentication failed', viaHeader));
  return client;
}

/**
 * Counts a wrong high-entropy credential (client secret, registration or initial access token)
 * per subject and address and per address, atomically. Returns the error to answer with: the
 * usual `refusal`, or 429 with Retry-After once the address has failed too often (guessing a
 * 256-bit value never pays, but a flood of failures is noise worth slowing).
 */
export async function failedCredential(ctx: Context, subject: string, from: Requester, error: 'invalid_client' | 'invalid_token', refusal: OAuthError): Promise<OAuthError> {
  const attempt = await takeAttempt(addressCounters(ctx.limits.clientAuth, subject, from.ip));
  if (attempt.allowed) {
    await failedAttempt(attempt);
    return refusal;
  }
  await ctx.audit.record({ type: 'rate_limit.hit', outcome: 'failure', clientId: subject || null, ip: from.ip, userAgent: from.userAgent, reason: 'client_authentication' });
  return new OAuthError(error, `too many failed attempts; retry after ${attempt.retryAfter} seconds`, { status: 429, headers: { 'Retry-After': String(attempt.retryAfter) } });
}
