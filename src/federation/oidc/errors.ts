import { AuthorizationResponseError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { UpstreamError } from '../../core/federation/ports.js';
import { isTimeout } from './transport.js';

/**
 * Turns whatever openid-client or the network threw into an UpstreamError whose message is safe to
 * show: built here from error codes and claim names only, never from a library's message, a
 * response body or a stack, which may hold a code, a token or the provider's HTML.
 */

/** Which exchange failed, as the messages name it. */
export type Step = 'metadata' | 'token endpoint' | 'userinfo endpoint' | 'user endpoint' | 'authorization response';

/** RFC 6749 §5.2 error codes are printable ASCII; anything else (HTML, a script) is not repeated. */
export function safeCode(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(value) ? value : 'unrecognized error';
}

const CLAIM_PROBLEMS: Record<string, string> = {
  nonce: 'the ID token is not for this sign-in (nonce mismatch)',
  iss: 'the ID token was issued by another issuer',
  aud: 'the ID token is meant for another client',
  azp: 'the ID token is meant for another client',
  c_hash: 'the ID token does not match the code',
};

interface Coded {
  code?: unknown;
  cause?: unknown;
}

/** The innermost error that carries an oauth4webapi code (`OAUTH_…`), and its details. */
function oauthCause(error: unknown): { code: string; detail: Record<string, unknown> } | undefined {
  let found: { code: string; detail: Record<string, unknown> } | undefined;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, cause } = e as Coded;
    if (typeof code === 'string' && code.startsWith('OAUTH_')) {
      found = { code, detail: typeof cause === 'object' && cause !== null ? (cause as Record<string, unknown>) : {} };
    }
  }
  return found;
}

function inChain(error: unknown): UpstreamError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof UpstreamError) return e;
  }
  return undefined;
}

function httpStatus(detail: Record<string, unknown>): number | undefined {
  const status = detail['status'];
  return typeof status === 'number' ? status : undefined;
}

export function toUpstreamError(error: unknown, step: Step): UpstreamError {
  const upstream = inChain(error);
  if (upstream) return upstream;
  if (isTimeout(error)) return new UpstreamError(`the provider's ${step} did not answer in time`, 'unavailable');
  if (error instanceof AuthorizationResponseError) {
    return new UpstreamError(`the provider refused the sign-in (${safeCode(error.error)})`, 'provider_error');
  }
  if (error instanceof ResponseBodyError) {
    const reason = error.status >= 500 ? 'unavailable' : 'invalid_response';
    return new UpstreamError(`the provider's ${step} refused the request (${safeCode(error.error)}, HTTP ${error.status})`, reason);
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    return new UpstreamError(`the provider's ${step} refused the access token (HTTP ${error.status})`, 'invalid_response');
  }
  const cause = oauthCause(error);
  switch (cause?.code) {
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM': {
      const status = httpStatus(cause.detail);
      if (status !== undefined && status >= 500) return new UpstreamError(`the provider's ${step} failed (HTTP ${status})`, 'unavailable');
      return new UpstreamError(`the provider's ${step} answered HTTP ${status ?? 'with an unexpected status'}`, 'invalid_response');
    }
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return new UpstreamError(`the provider's ${step} did not answer with JSON`, 'invalid_response');
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED': {
      const claim = cause.detail['claim'];
      const problem = typeof claim === 'string' ? CLAIM_PROBLEMS[claim] : undefined;
      return new UpstreamError(problem ?? `the ID token's ${safeCode(claim)} claim is wrong`, 'invalid_response');
    }
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      return new UpstreamError('the ID token has expired or is not valid yet (check the clocks)', 'invalid_response');
    case 'OAUTH_KEY_SELECTION_FAILED':
      return new UpstreamError("no key in the provider's JWKS fits the ID token's signature", 'invalid_response');
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
      return new UpstreamError(issuerMismatch(cause.detail), 'invalid_response');
    case 'OAUTH_UNSUPPORTED_OPERATION':
      return new UpstreamError(`the provider's ${step} uses an algorithm or feature Tessera does not accept`, 'invalid_response');
    case 'OAUTH_INVALID_RESPONSE':
      // A failed signature check carries the key and signature it compared (oauth4webapi validateJwsSignature).
      if ('signature' in cause.detail && 'key' in cause.detail) {
        return new UpstreamError("the ID token's signature does not verify with the provider's keys", 'invalid_response');
      }
      // Some providers (GitHub) answer a refused code with HTTP 200 and an `error` member.
      if (bodyError(cause.detail) !== undefined) {
        return new UpstreamError(`the provider's ${step} refused the request (${safeCode(bodyError(cause.detail))})`, 'invalid_response');
      }
      return new UpstreamError(`the provider's ${step} is not a valid answer`, 'invalid_response');
    default:
      return new UpstreamError(`the provider's ${step} could not be used`, 'invalid_response');
  }
}

function bodyError(detail: Record<string, unknown>): unknown {
  const body = detail['body'];
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['error'] : undefined;
}

/** Discovery found metadata for another issuer: say which, so the operator can fix the URL. */
function issuerMismatch(detail: Record<string, unknown>): string {
  const body = detail['body'];
  const named = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['issuer'] : undefined;
  if (typeof named === 'string' && /^https?:\/\/[\x21-\x7e]{1,200}$/.test(named)) {
    return `the provider's metadata names the issuer ${named}; configure exactly that issuer URL`;
  }
  return "the provider's metadata names another issuer than the one configured";
}

/** Whether fresher metadata might fix this failure: the provider moved an endpoint, or rotated its keys. */
export function mayBeStale(error: unknown): boolean {
  return isTimeout(error) || inChain(error)?.reason === 'unavailable' || oauthCause(error)?.code === 'OAUTH_KEY_SELECTION_FAILED';
}
