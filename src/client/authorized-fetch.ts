/** fetch's own signature, for the wrappers this library hands out. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Where the wrapper gets its access tokens. */
export interface AccessTokenSource {
  /** A token that is not due for renewal. */
  accessToken(): Promise<string>;
  /** A token other than `stale`, which an API refused. */
  replaceAccessToken(stale: string): Promise<string>;
}

/**
 * fetch with the access token in the Authorization header (RFC 6750 §2.1). When the API answers
 * 401 (the token was revoked, or the clocks disagree about its expiry), it gets a new token once
 * and sends the request once more; a second 401 goes back to the caller as it is.
 *
 * Only call your own APIs with it: every request it sends carries the token.
 */
export function authorizedFetch(source: AccessTokenSource, send: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const token = await source.accessToken();
    // A clone, so the body can be sent again.
    const first = await send(withBearer(request.clone(), token));
    if (first.status !== 401) return first;
    await first.body?.cancel();
    return send(withBearer(request, await source.replaceAccessToken(token)));
  };
}

function withBearer(request: Request, token: string): Request {
  request.headers.set('authorization', `Bearer ${token}`);
  return request;
}
