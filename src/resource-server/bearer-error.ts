/**
 * What a resource server answers when a request's token will not do (RFC 6750 §3): the status,
 * the error code for WWW-Authenticate, and for insufficient_scope the scope that is needed.
 */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

const STATUS: Record<BearerErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
};

export class BearerError extends Error {
  override name = 'BearerError';
  readonly status: number;

  /** `error` undefined: the request had no credentials at all (RFC 6750 §3.1 says then send no error code). */
  constructor(
    readonly error: BearerErrorCode | undefined,
    readonly description: string,
    readonly scope?: string,
  ) {
    super(description);
    this.status = error === undefined ? 401 : STATUS[error];
  }
}

/** Quotes a value for an auth-param (RFC 9110 §11.2): backslash-escapes `"` and `\`, drops control characters. */
function quoted(value: string): string {
  return `"${value.replace(/[\u0000-\u001f\u007f]/g, '').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The WWW-Authenticate header for a refusal (RFC 6750 §3), pointing to the API's metadata when it has some (RFC 9728 §5.1). */
export function wwwAuthenticate(e: BearerError, realm?: string, resourceMetadata?: string): string {
  const params: string[] = [];
  if (realm !== undefined) params.push(`realm=${quoted(realm)}`);
  if (resourceMetadata !== undefined && e.status === 401) params.push(`resource_metadata=${quoted(resourceMetadata)}`);
  if (e.error !== undefined && e.error !== 'temporarily_unavailable') {
    params.push(`error=${quoted(e.error)}`, `error_description=${quoted(e.description)}`);
    if (e.scope !== undefined) params.push(`scope=${quoted(e.scope)}`);
  }
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/** The status, headers and JSON body of a refusal, for any HTTP framework. */
export function bearerResponse(e: BearerError, realm?: string, resourceMetadata?: string): { status: number; headers: Record<string, string>; body: Record<string, string> } {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (e.status === 401 || e.status === 403 || e.status === 400) headers['WWW-Authenticate'] = wwwAuthenticate(e, realm, resourceMetadata);
  const body: Record<string, string> = { error: e.error ?? 'invalid_token', error_description: e.description };
  if (e.scope !== undefined) body['scope'] = e.scope;
  return { status: e.status, headers, body };
}
