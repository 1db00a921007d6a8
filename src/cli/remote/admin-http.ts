import { CliError } from '../output.js';
import type { AdminLogin } from './admin-config.js';

export const ADMIN_SCOPE = 'tessera:admin';
export const ADMIN_READ_SCOPE = 'tessera:admin:read';

/** An access token for the admin API, and when to stop using it. */
export interface AdminToken {
  accessToken: string;
  scope: string;
  /** Milliseconds since the epoch; a little before the server's expiry. */
  expiresAt: number;
}

type Query = Record<string, string | number | undefined>;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Most pages one listing follows (200 items each): a server that never stops paging is stopped. */
const MAX_PAGES = 10_000;

/** How long one request may take before the CLI gives up: 30 s, or `TESSERA_ADMIN_TIMEOUT_MS`. */
function requestTimeout(): number {
  const text = process.env['TESSERA_ADMIN_TIMEOUT_MS'];
  if (text === undefined || text === '') return 30_000;
  const ms = Number(text);
  if (!Number.isFinite(ms) || ms <= 0) throw new CliError(`TESSERA_ADMIN_TIMEOUT_MS must be a positive number of milliseconds; not '${text}'`);
  return ms;
}

async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (text === '') return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A network failure or a timeout as one clear line naming the server. */
function unreachable(e: unknown, server: string, ms: number): CliError {
  if ((e as Error).name === 'TimeoutError') return new CliError(`cannot reach ${server}: no answer in ${ms / 1000} s`);
  const cause = (e as { cause?: { message?: string; code?: string } }).cause;
  return new CliError(`cannot reach ${server}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
}

/**
 * A request to the server, read to its end: the status and the body as JSON ({} when it is not).
 * A server that never answers (or never finishes its answer) is given up after the timeout.
 */
async function reach(url: string, init: RequestInit, server: string): Promise<{ status: number; ok: boolean; body: Record<string, unknown> }> {
  const ms = requestTimeout();
  try {
    const response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(ms) });
    return { status: response.status, ok: response.ok, body: await jsonOf(response) };
  } catch (e) {
    throw unreachable(e, server, ms);
  }
}

/**
 * The token endpoint the server's discovery document names. The client secret goes there, so it
 * must be on the server's own origin (scheme, host and port), and the document must be the
 * server's: its issuer is the --url. Otherwise nothing is sent.
 */
async function tokenEndpoint(server: string): Promise<string> {
  const response = await reach(`${server}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } }, server);
  const document = response.ok ? response.body : {};
  const endpoint = document['token_endpoint'];
  if (typeof endpoint !== 'string') throw new CliError(`${server} is not a Tessera server: it has no OpenID discovery document with a token_endpoint`);
  const issuer = document['issuer'];
  if (typeof issuer !== 'string' || trimSlash(issuer) !== server) {
    throw new CliError(`${server} is not the issuer its discovery document names (${typeof issuer === 'string' ? issuer : 'none'}): log in with --url set to the server's issuer`);
  }
  let origin: string;
  try {
    origin = new URL(endpoint).origin;
  } catch {
    origin = '';
  }
  if (origin !== new URL(server).origin) {
    throw new CliError(`${server}'s discovery document names a token endpoint elsewhere (${endpoint}): the client secret is sent only to ${new URL(server).origin}`);
  }
  return endpoint;
}

/**
 * A client-credentials token for the admin API: `tessera:admin`, or `tessera:admin:read` when the
 * client may only read. Refused credentials are the operator's to fix, in one line.
 */
export async function obtainAdminToken(login: AdminLogin): Promise<AdminToken> {
  const server = trimSlash(login.url);
  const endpoint = await tokenEndpoint(server);
  // RFC 6749 §2.3.1: the id and secret are form-encoded before they go into Basic.
  const basic = Buffer.from(`${encodeURIComponent(login.client_id)}:${encodeURIComponent(login.client_secret)}`).toString('base64');
  let refusal = '';
  for (const scope of [ADMIN_SCOPE, ADMIN_READ_SCOPE]) {
    const response = await reach(endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    }, server);
    const body = response.body;
    if (response.ok && typeof body['access_token'] === 'string') {
      const lifetime = typeof body['expires_in'] === 'number' ? body['expires_in'] : 300;
      return { accessToken: body['access_token'], scope: typeof body['scope'] === 'string' ? body['scope'] : scope, expiresAt: Date.now() + Math.max(lifetime - 30, 5) * 1000 };
    }
    refusal = `${String(body['error'] ?? response.status)}${body['error_description'] ? `: ${String(body['error_description'])}` : ''}`;
    // Only a scope the client may not have is worth a second try; wrong credentials stay wrong.
    if (body['error'] !== 'invalid_scope') break;
  }
  throw new CliError(`${server} refused client '${login.client_id}' (${refusal}); it needs the client_credentials grant and the ${ADMIN_SCOPE} or ${ADMIN_READ_SCOPE} scope`);
}

/**
 * The admin API of a running server (/admin/v1), as the saved login. The access token lives in
 * memory only, and a new one is fetched when it runs out.
 */
export class AdminHttp {
  private token: AdminToken | undefined;
  readonly server: string;

  constructor(private readonly login: AdminLogin) {
    this.server = trimSlash(login.url);
  }

  private async accessToken(fresh: boolean): Promise<string> {
    if (fresh || !this.token || this.token.expiresAt <= Date.now()) this.token = await obtainAdminToken(this.login);
    return this.token.accessToken;
  }

  /** One call; a problem+json answer becomes `tessera: error: <detail>`. Undefined for 204. */
  async request(method: string, path: string, options: { query?: Query; body?: unknown; missing?: 'undefined' } = {}): Promise<unknown> {
    const url = new URL(`${this.server}/admin/v1${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    for (const fresh of [false, true]) {
      const headers: Record<string, string> = { authorization: `Bearer ${await this.accessToken(fresh)}`, accept: 'application/json' };
      const init: RequestInit = { method, headers };
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(options.body);
      }
      const response = await reach(url.toString(), init, this.server);
      // A token revoked or expired early: one new token, one more try.
      if (response.status === 401 && !fresh) continue;
      if (response.status === 204) return undefined;
      if (response.status === 404 && options.missing === 'undefined') return undefined;
      const body = response.body;
      if (response.ok) return body;
      const detail = typeof body['detail'] === 'string' ? body['detail'] : `the server answered ${response.status} to ${method} ${url.pathname}`;
      throw new CliError(detail);
    }
    throw new CliError(`${this.server} refused the admin login's token`);
  }

  get<T = Record<string, unknown>>(path: string, query?: Query): Promise<T> {
    return this.request('GET', path, query ? { query } : {}) as Promise<T>;
  }
  /** One resource, or undefined when the server has none there. */
  find<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
    return this.request('GET', path, { missing: 'undefined' }) as Promise<T | undefined>;
  }
  post<T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<T> {
    return this.request('POST', path, { body }) as Promise<T>;
  }
  patch<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.request('PATCH', path, { body }) as Promise<T>;
  }
  put<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T> {
    return this.request('PUT', path, body === undefined ? {} : { body }) as Promise<T>;
  }
  delete<T = Record<string, unknown>>(path: string): Promise<T> {
    return this.request('DELETE', path) as Promise<T>;
  }

  /**
   * Every item of a list, page after page. A server that hands back a cursor it gave before, or
   * pages without end, is stopped rather than followed forever.
   */
  async all<T = Record<string, unknown>>(path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      if (seen.size >= MAX_PAGES) throw new CliError(`${this.server} answered more than ${MAX_PAGES} pages for ${path}: stopped listing`);
      const page = await this.get<{ items: T[]; next_cursor: string | null }>(path, { ...query, limit: 200, cursor });
      items.push(...page.items);
      if (cursor !== undefined) seen.add(cursor);
      cursor = page.next_cursor ?? undefined;
      if (cursor !== undefined && seen.has(cursor)) throw new CliError(`${this.server} answered a page cursor it had given before for ${path}: stopped listing`);
    } while (cursor !== undefined);
    return items;
  }
}

/** A path segment from a name or id. */
export const seg = (value: string) => encodeURIComponent(value);
