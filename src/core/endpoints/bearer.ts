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

/**
 * The bearer token of a request, from the Authorization header only (RFC 6750 §2.1). Tokens in
 * the URL leak into logs and history (RFC 6750 §5.3), so they are refused.
 */
export function bearerToken(req: ProtocolRequest): string {
  if (req.query['access_token'] !== undefined || req.form?.['access_token'] !== undefined) {
    throw bearerError('invalid_request', 'send the access token in the Authorization header');
  }
  const header = req.headers['authorization'];
  if (header === undefined || header === '') throw bearerError(undefined, 'an access token is required');
  const match = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw bearerError('invalid_token', 'the Authorization header is not a Bearer token');
  return match[1];
}
