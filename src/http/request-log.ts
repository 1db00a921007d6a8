import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Params } from '../core/params.js';
import { ERROR_SCHEMA } from '../core/scim/errors.js';

/*
 * What ties a request's log lines, its answer and what a person reports together: the request id,
 * and on a refused request (4xx) the code it answered with (OAuth, SCIM or problem details) and the client it named.
 */

/** A request id we accept from a proxy: short, and nothing that could break a log line or a header. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's `genReqId`: a proxy we trust (`trustProxy` > 0) may name the request with `X-Request-Id`,
 * so one id follows the request through both; anyone else's id is replaced by a fresh UUID, or a
 * client could make its requests look like another's in the logs.
 */
export function requestIdGenerator(trustProxy: number): (raw: IncomingMessage) => string {
  return (raw) => {
    const given = trustProxy > 0 ? raw.headers['x-request-id'] : undefined;
    return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  };
}

/** The logger of the request being handled, so that what the core logs through the server (audit events) carries its id. */
const current = new AsyncLocalStorage<FastifyBaseLogger>();

/** Runs `next` (a hook's `done`) with `request`'s logger as the current one. */
export function withRequestLog(request: FastifyRequest, next: () => void): void {
  current.run(request.log, next);
}

/** The logger of the request this code runs for, if any. */
export function requestLog(): FastifyBaseLogger | undefined {
  return current.getStore();
}

/** The id of the request this code runs for (Fastify's `reqId`), if any: what event sinks send as `request_id`. */
export function currentRequestId(): string | undefined {
  const log = current.getStore() as { bindings?: () => Record<string, unknown> } | undefined;
  const id = log?.bindings?.()['reqId'];
  return typeof id === 'string' ? id : undefined;
}

/** The OAuth error code each refused request answered with, until its access-log line is written. */
const errors = new WeakMap<FastifyRequest, string>();

/** An HTTP status as a code word, for answers that name no code of their own. */
const STATUS_WORDS: Record<number, string> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed', 409: 'conflict',
  412: 'precondition_failed', 413: 'content_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests',
};
const statusWord = (status: unknown): string | undefined => {
  const n = Number(status);
  return Number.isInteger(n) && n >= 400 ? (STATUS_WORDS[n] ?? `http_${n}`) : undefined;
};
/** A problem's title as a code word: "Precondition Failed" → precondition_failed. */
const word = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

/**
 * The code a refusal names, whatever face answered: OAuth's `error` (RFC 6749 §5.2, RFC 6750 §3);
 * else the `error` of its bearer challenge (the admin API and SCIM refuse tokens so); else SCIM's
 * `scimType` (RFC 7644 §3.12), or its status as a word; else a problem's `type` (RFC 9457 §3.1.1)
 * when it is not about:blank, or its `title` as a word.
 */
export function refusalCode(body: unknown, headers: Record<string, string> = {}): string | undefined {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (typeof fields['error'] === 'string') return fields['error'];
  const challenge = headers['WWW-Authenticate'] ?? headers['www-authenticate'];
  const challenged = challenge === undefined ? undefined : /\berror="([^"]+)"/.exec(challenge)?.[1];
  if (challenged !== undefined) return challenged;
  if (Array.isArray(fields['schemas']) && fields['schemas'].includes(ERROR_SCHEMA)) {
    return typeof fields['scimType'] === 'string' ? fields['scimType'] : statusWord(fields['status']);
  }
  if (typeof fields['type'] === 'string' && fields['type'] !== 'about:blank') return fields['type'].split(/[/#:]/).filter((p) => p !== '').pop();
  if (typeof fields['title'] === 'string' && fields['status'] !== undefined) return word(fields['title']) || statusWord(fields['status']);
  return undefined;
}

/** Remembers the code a refusal names (see `refusalCode`), for the access-log line. */
export function noteError(request: FastifyRequest, body: unknown, headers?: Record<string, string>): void {
  const error = refusalCode(body, headers);
  if (error !== undefined) errors.set(request, error.slice(0, 64));
}

/** The OAuth error code a request was refused with, if one was noted (for the access log and metrics). */
export function notedError(request: FastifyRequest): string | undefined {
  return errors.get(request);
}

/** Requests to routes no OAuth client authenticates to (/metrics): whatever their credentials say is no client id. */
const clientless = new WeakSet<FastifyRequest>();

/**
 * Keeps `request`'s access-log line from naming a client: on a route where no client authenticates,
 * the user part of a Basic header (or a `client_id` parameter) may be a secret of another kind.
 */
export function nameNoClient(request: FastifyRequest): void {
  clientless.add(request);
}

/** A client id as a log field: what a client names is shown only when it looks like one. */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The client a request named, cheaply: `client_id` in the form or the query (as /authorize takes it),
 * else the user part of HTTP Basic (RFC 6749 §2.3.1, form-encoded). The password part is never kept.
 */
function namedClient(request: FastifyRequest): string | undefined {
  const form = request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded') ? (request.body as Params | undefined) : undefined;
  for (const params of [form, request.query as Params | undefined]) {
    const named = params?.['client_id'];
    if (named?.length === 1 && CLIENT_ID.test(named[0]!)) return named[0];
  }
  const auth = request.headers.authorization;
  if (!auth || !/^basic /i.test(auth)) return undefined;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    return CLIENT_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Fields a refused request's access-log line adds: the OAuth error code and the client, when known. */
export function refusalFields(request: FastifyRequest, status: number): { error?: string; client_id?: string } {
  if (status < 400 || status >= 500) return {};
  const error = errors.get(request);
  const clientId = clientless.has(request) ? undefined : namedClient(request);
  return { ...(error !== undefined ? { error } : {}), ...(clientId !== undefined ? { client_id: clientId } : {}) };
}
