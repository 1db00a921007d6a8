import { BearerError } from './bearer-error.js';

/** Why the guard could not use the issuer: each names what an operator checks first. */
export type IssuerProblem =
  /** Discovery got no answer: connection refused, a name that does not resolve, a timeout. */
  | 'metadata_unreachable'
  /** Discovery answered with an HTTP error status. */
  | 'metadata_http_error'
  /** Discovery answered with something that is not a JSON object. */
  | 'metadata_not_json'
  /** The metadata names another issuer than the guard's (RFC 8414 §3.3: it must be identical). */
  | 'issuer_mismatch'
  /** The metadata has no `jwks_uri`. */
  | 'metadata_incomplete'
  /** The issuer's keys (JWKS) could not be fetched or read. */
  | 'jwks_unavailable';

/** What the caller of the API is told: no URL, no host, no cause (RFC 6750 answers carry no internals). */
const FOR_THE_CALLER = 'the issuer could not be reached';

/**
 * The issuer could not be used. The API's caller gets a plain 503 `temporarily_unavailable`
 * (`description`); the application that catches or logs this error gets `message` naming the
 * cause and the URLs involved, `problem` to branch on, `urls`, and the underlying error as `cause`.
 */
export class IssuerUnavailableError extends BearerError {
  override name = 'IssuerUnavailableError';

  constructor(
    readonly problem: IssuerProblem,
    readonly urls: { issuer: string; metadata: string; jwks?: string },
    detail: string,
    cause?: unknown,
  ) {
    super('temporarily_unavailable', FOR_THE_CALLER);
    this.message = detail;
    if (cause !== undefined) this.cause = cause;
  }
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection failed',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate is not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
};

/** Why a fetch got no answer, in words: fetch() wraps the system error as `cause` of "fetch failed". */
export function networkFailure(e: unknown, timeoutSeconds: number): string {
  const error = e as { name?: string; message?: string; cause?: { code?: string; name?: string; message?: string } } | undefined;
  if (error?.name === 'TimeoutError' || error?.cause?.name === 'TimeoutError') return `no answer in ${timeoutSeconds} s`;
  const code = error?.cause?.code;
  if (code !== undefined) return `${NETWORK_CODES[code] ?? error?.cause?.message ?? 'the connection failed'} (${code})`;
  return error?.cause?.message ?? error?.message ?? String(e);
}

/** How a configured issuer differs from the one the metadata names, when it is a near miss. */
export function issuerDifference(configured: string, named: string): string {
  if (configured.replace(/\/$/, '') === named.replace(/\/$/, '')) return ' (they differ only in a trailing slash)';
  if (configured.toLowerCase() === named.toLowerCase()) return ' (they differ only in letter case)';
  if (configured.replace(/^https?:/, '') === named.replace(/^https?:/, '')) return ' (they differ in the scheme, http or https)';
  return '';
}
