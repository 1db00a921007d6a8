/**
 * One error family for every protocol answer, named by the spec's error codes
 * (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, OpenID Connect Core §3.1.2.6).
 * The list is also the bounded set of values a metric's `error` label takes.
 */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'unsupported_response_type',
  'invalid_scope',
  'invalid_target',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
  'invalid_token',
  'authorization_pending',
  'slow_down',
  'expired_token',
  'insufficient_scope',
  'login_required',
  'consent_required',
  'interaction_required',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
  'invalid_redirect_uri',
  'invalid_client_metadata',
  'not_found',
  'method_not_allowed',
] as const;

export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

const defaultStatus: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  not_found: 404,
  method_not_allowed: 405,
};

export interface OAuthErrorOptions {
  status?: number;
  /** Extra response headers, e.g. WWW-Authenticate for 401 answers. */
  headers?: Record<string, string>;
}

/** RFC 6749 §5.2: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ) */
const OUTSIDE_DESCRIPTION = /[^\x20-\x21\x23-\x5B\x5D-\x7E]/g;

/**
 * A description as RFC 6749 §5.2 allows it: any other character becomes `?`. Messages name the
 * parameter rather than echo its value; this is the last line of defense for every error
 * rendered (JSON body, error redirect, WWW-Authenticate).
 */
export function safeDescription(text: string): string {
  return text.replace(/§ ?/g, 'section ').replace(OUTSIDE_DESCRIPTION, '?');
}

/** A value quoted for a message (`'value'`) when it is short and needs no replacing, else undefined. */
export function printable(value: string, max = 100): string | undefined {
  return value.length > 0 && value.length <= max && value === safeDescription(value) ? `'${value}'` : undefined;
}

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(error: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(safeDescription(description));
    this.name = 'OAuthError';
    this.error = error;
    this.status = options.status ?? defaultStatus[error] ?? 400;
    this.headers = options.headers ?? {};
  }

  get description(): string {
    return this.message;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

export const invalidRequest = (description: string): OAuthError => new OAuthError('invalid_request', description);

/**
 * Something the server depends on (the database) did not answer in time or at all. Adapters throw
 * it; the HTTP shell answers 503 with Retry-After, in the endpoint's format, instead of hanging or a 500.
 */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  readonly retryAfter = 5;
}
