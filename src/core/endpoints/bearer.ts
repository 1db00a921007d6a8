import { OAuthError, safeDescription, type OAuthErrorCode } from '../errors.js';
import type { ProtocolRequest } from '../protocol.js';

/** RFC 6750 §3: the challenge that tells a client why its bearer token was not accepted. */
export function bearerError(error: OAuthErrorCode | undefined, description: string, extra: Record<string, string> = {}): OAuthError {
  const parts = ['realm="tessera"'];
  if (error) parts.push(`error="${error}"`, `error_description="${safeDescription(description)}"`);
  for (const [k, v] of Object.entries(extra)) parts.push(`${k}="${v}"`);
  const status = error === 'insufficient_scope' ? 403 : error === 'invalid_request' ? 400 : 401;
  return new OAuthError(error ?? 'invalid_token', description, { status, headers: { 'WWW-Authenticate': `Bearer ${parts.join(', ')}` } });
}

/** RFC 6750 §2.1: the b64token syntax of a bearer token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The bearer token of a request: from the Authorization header (RFC 6750 §2.1), or, where the
 * endpoint allows it (`formBody`, /userinfo), from the `access_token` parameter of a form-encoded
 * POST body (§2.2; `form` exists only for application/x-www-form-urlencoded). Tokens in the URL
 * leak into logs and history (§5.3), so they are refused; so is a token sent two ways at once
 * (§2: "MUST NOT use more than one method").
 */
export function bearerToken(req: ProtocolRequest, options: { formBody?: boolean } = {}): string {
  const where = options.formBody ? 'the Authorization header or the form body' : 'the Authorization header';
  if (req.query['access_token'] !== undefined) throw bearerError('invalid_request', `send the access token in ${where}, not the URL`);
  const header = req.headers['authorization'];
  const inBody = req.form?.['access_token'];
  if (inBody !== undefined) {
    if (!options.formBody || req.method !== 'POST') throw bearerError('invalid_request', `send the access token in ${where}`);
    if (header !== undefined && header !== '') throw bearerError('invalid_request', 'send the access token one way only: the Authorization header or the form body');
    if (inBody.length !== 1) throw bearerError('invalid_request', "parameter 'access_token' is included more than once");
    const token = inBody[0] ?? '';
    if (!B64TOKEN.test(token)) throw bearerError('invalid_token', 'the access_token parameter is not a bearer token');
    return token;
  }
  if (header === undefined || header === '') throw bearerError(undefined, 'an access token is required');
  const match = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw bearerError('invalid_token', 'the Authorization header is not a Bearer token');
  return match[1];
}
