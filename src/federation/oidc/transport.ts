import type { FetchBody } from 'openid-client';
import { UpstreamError } from '../../core/federation/ports.js';

/**
 * The one way this adapter reaches a provider: every request has a deadline, plain http is refused
 * except on loopback (tests), and a network failure becomes an UpstreamError that names the host
 * and the cause, never the request (which may carry a code, a secret or a token).
 */
export type Transport = (url: string, init: TransportRequest) => Promise<Response>;

/** What openid-client passes to a custom fetch (its CustomFetchOptions), and what the checks send. */
export interface TransportRequest {
  method?: string;
  headers: Record<string, string>;
  body?: FetchBody;
  signal?: AbortSignal;
}

export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Throws unless `url` is https, or http to a loopback host. */
export function requireSecure(url: URL, what: string): void {
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url))) return;
  throw new UpstreamError(`${what} (${url.origin}) must use https`, 'invalid_response');
}

export function parseUrl(value: string, what: string): URL {
  try {
    const url = new URL(value);
    requireSecure(url, what);
    return url;
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError(`${what} is not a URL`, 'invalid_response');
  }
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate is not issued by a trusted CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate is not issued by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its TLS certificate is not issued by a trusted CA',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
};

function networkCause(error: unknown, timeoutMs: number): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_CAUSES) return NETWORK_CAUSES[code]!;
  }
  return 'network error';
}

export function transport(timeoutMs: number): Transport {
  return async (url, { body, ...init }) => {
    const target = new URL(url);
    requireSecure(target, 'a provider endpoint');
    // The deadline covers the answer's body too: a provider that stalls mid-answer is cut off as well.
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await fetch(url, { ...init, ...(body === undefined ? {} : { body: body as Exclude<RequestInit['body'], undefined> }), signal, redirect: 'manual' });
    } catch (error) {
      throw new UpstreamError(`${target.host} could not be reached: ${networkCause(error, timeoutMs)}`, 'unavailable');
    }
  };
}

/** Whether an error from reading an answer is the deadline passing (the body of a stalled answer). */
export function isTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    const code = (e as { code?: unknown }).code;
    if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') return true;
  }
  return false;
}
