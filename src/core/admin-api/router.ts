import { createHash } from 'node:crypto';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { Context } from '../context.js';
import type { AdminContext } from '../admin/context.js';
import type { PasswordSetting } from '../admin/user-lifecycle.js';
import { json, NO_STORE, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { requester } from '../audit.js';
import { adminCaller } from './auth.js';
import { serializedBy } from '../serialized.js';
import { Problem, problemOf, problemResponse, type InvalidParam } from './problem.js';
import type { AdminCall, AdminRoute } from './route.js';

export const ADMIN_API_BASE = '/admin/v1';

interface CompiledRoute {
  route: AdminRoute;
  pattern: RegExp;
  query: TypeCheck<TSchema> | undefined;
  body: TypeCheck<TSchema> | undefined;
}

/** `/groups/{id}/members/{user}` → a pattern whose named groups are the parameters (one path segment each). */
function pathPattern(path: string): RegExp {
  const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)');
  return new RegExp(`^${source}$`);
}

function invalid(check: TypeCheck<TSchema>, value: unknown, where: 'body' | 'query'): InvalidParam[] {
  return [...check.Errors(value)].slice(0, 10).map((e) => ({ pointer: where === 'body' ? e.path || '/' : e.path.replace(/^\//, ''), detail: e.message }));
}

const WHOLE_NUMBER = /^[0-9]{1,15}$/;

/**
 * Query values arrive as lists of strings: one value each, the names the route declares only, and
 * whole numbers written plainly where the schema wants an integer (no 1e2, 0x10 or 1.5).
 */
function checkedQuery(compiled: CompiledRoute, raw: Record<string, string[]>): Record<string, unknown> {
  const declared = (compiled.route.query?.properties ?? {}) as Record<string, { type?: string }>;
  const checked: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, values] of Object.entries(raw)) {
    if (!Object.hasOwn(declared, name)) throw new Problem(400, `unknown query parameter '${name}'`, {}, [{ pointer: name, detail: 'not a parameter of this operation' }]);
    if (values.length !== 1) throw new Problem(400, `the query parameter '${name}' is repeated`, {}, [{ pointer: name, detail: 'repeated' }]);
    const value = values[0]!;
    if (declared[name]!.type === 'integer') {
      if (!WHOLE_NUMBER.test(value)) throw new Problem(400, `the query parameter '${name}' must be a whole number`, {}, [{ pointer: name, detail: 'not a whole number' }]);
      checked[name] = Number(value);
    } else checked[name] = value;
  }
  const query = { ...checked };
  if (compiled.query && !compiled.query.Check(query)) throw new Problem(400, 'the query parameters are not valid', {}, invalid(compiled.query, query, 'query'));
  return query;
}

function checkedBody(compiled: CompiledRoute, req: ProtocolRequest): unknown {
  if (!compiled.body) return undefined;
  if (req.contentType !== 'application/json') throw new Problem(415, 'send the body as application/json');
  if (!compiled.body.Check(req.json)) throw new Problem(400, 'the body is not valid for this operation', {}, invalid(compiled.body, req.json, 'body'));
  return req.json;
}

/** The path as sent (still percent-encoded): each parameter is decoded exactly once, below. */
function decodedParams(match: RegExpExecArray): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(match.groups ?? {})) {
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      throw new Problem(400, `the path parameter '${name}' is not valid percent-encoding`);
    }
  }
  return params;
}

/** A strong validator of a representation (RFC 9110 §8.8.3): the same JSON, the same tag. */
export function etagOf(representation: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(representation)).digest('base64url').slice(0, 27)}"`;
}

/** What names a resource whatever spelling the path used: its id, sub, client id or (canonical) name. */
function identityOf(representation: unknown): string | undefined {
  const r = representation as Record<string, unknown> | undefined;
  for (const field of ['id', 'sub', 'client_id', 'name']) if (typeof r?.[field] === 'string') return r[field] as string;
  return undefined;
}

/** RFC 9110 §13.1.1: `*` or a list of tags, compared strongly; a weak tag never matches. */
function ifMatchHolds(header: string, current: string | undefined): boolean {
  const tags = header.split(',').map((t) => t.trim());
  if (tags.includes('*')) return current !== undefined;
  return current !== undefined && tags.includes(current);
}

/**
 * The admin API (/admin/v1): routes the request to its operation, authenticates the caller,
 * validates path, query and body against the route's schemas, honours If-Match, and answers in
 * JSON, or with RFC 9457 problem details. Every change runs as `client:<id>` in the audit log.
 */
export function adminApiEndpoint(ctx: Context, routes: readonly AdminRoute[], passwords: PasswordSetting) {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    route,
    pattern: pathPattern(route.path),
    query: route.query ? TypeCompiler.Compile(route.query) : undefined,
    body: route.body ? TypeCompiler.Compile(route.body) : undefined,
  }));
  // An If-Match check and the write after it are one step on this node: of writes based on one read, one wins.
  const serialized = serializedBy();
  return async (req: ProtocolRequest, path: string): Promise<ProtocolResponse> => {
    const instance = `${ADMIN_API_BASE}/${path}`;
    try {
      const atPath = compiled.map((c) => ({ c, match: c.pattern.exec(`/${path}`) })).filter((m) => m.match !== null);
      if (atPath.length === 0) throw new Problem(404, 'no such resource in the admin API');
      const found = atPath.find((m) => m.c.route.method === req.method);
      if (!found) throw new Problem(405, `use ${atPath.map((m) => m.c.route.method).join(', ')}`, { Allow: atPath.map((m) => m.c.route.method).join(', ') });
      const { c: route, match } = found;
      const caller = await adminCaller(ctx, req, route.route.write);
      const actor = `client:${caller.clientId}`;
      const from = requester(req);
      const admin: AdminContext = { stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor, audit: (e) => ctx.audit.record({ ...from, ...e, actor }) };
      const call: AdminCall = { ctx, admin, passwords, params: decodedParams(match!), query: checkedQuery(route, req.query), body: checkedBody(route, req) };
      const ifMatch = req.headers['if-match'];
      const conditional = ifMatch !== undefined ? route.route.current : undefined;
      if (ifMatch !== undefined && !conditional) throw new Problem(400, 'this operation takes no If-Match: it is not a change of one resource that has an ETag');
      const answer = !conditional
        ? await route.route.handle(call)
        : await serialized(`${route.route.tag}:${identityOf(await conditional(call)) ?? instance}`, async () => {
            // Checked against the state read just before the write; see docs/admin.md.
            const current = await conditional(call);
            if (!ifMatchHolds(ifMatch!, current === undefined ? undefined : etagOf(current))) {
              throw new Problem(412, 'the resource changed since it was read (If-Match does not hold); read it again and retry');
            }
            // Where the resource has a version, the write is made only over the one just checked (across nodes too).
            const version = (current as { version?: unknown } | undefined)?.version;
            return route.route.handle(typeof version === 'number' ? { ...call, expectedVersion: version } : call);
          });
      const status = route.route.status ?? 200;
      const headers: Record<string, string> = { ...NO_STORE };
      if (answer.location) headers['Location'] = `${ADMIN_API_BASE}${answer.location}`;
      if (status === 204) return json(204, undefined, headers);
      if ((route.route.etag || route.route.current) && answer.body !== undefined) headers['ETag'] = etagOf(answer.body);
      return json(status, answer.body, headers);
    } catch (e) {
      const problem = problemOf(e);
      if (!problem) throw e;
      return problemResponse(problem, instance);
    }
  };
}
