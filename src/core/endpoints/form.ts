import { OAuthError, invalidRequest } from '../errors.js';
import { singleValued, type Params } from '../params.js';
import { NO_STORE, json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';

/**
 * The parameters of a back-channel POST (token, revocation, introspection): POST only, an
 * application/x-www-form-urlencoded body (RFC 6749 §3.2), nothing in the query, no repeats.
 */
export function backChannelParams(req: ProtocolRequest, repeatable: readonly string[] = []): Record<string, string> {
  if (req.method !== 'POST') throw new OAuthError('invalid_request', 'this endpoint accepts POST only', { status: 405, headers: { Allow: 'POST' } });
  if (req.contentType !== 'application/x-www-form-urlencoded' || req.form === undefined) {
    throw invalidRequest('the body must be application/x-www-form-urlencoded');
  }
  if (Object.keys(req.query).length > 0) throw invalidRequest('parameters must be sent in the request body, not the URL');
  return singleValued(req.form, repeatable);
}

/** The parameters of a request a browser brings: the query of a GET, or the form body of a POST (OpenID Connect Core §3.1.2.1). */
export function frontChannelParams(req: ProtocolRequest): Params | undefined {
  if (req.method === 'GET') return req.query;
  if (req.method === 'POST' && req.contentType === 'application/x-www-form-urlencoded' && req.form) return req.form;
  return undefined;
}

/** RFC 6749 §5.2 error body, never cached. Errors that are not protocol errors go on up (a real fault). */
export function errorJson(e: unknown): ProtocolResponse {
  if (!(e instanceof OAuthError)) throw e;
  return json(e.status, e.toJSON(), { ...NO_STORE, ...e.headers });
}
