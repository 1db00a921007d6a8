import { createHash } from 'node:crypto';
import type { ProtocolRequest } from '../protocol.js';
import type { AdminContext } from '../admin/context.js';
import type { PasswordSetting } from '../admin/user-lifecycle.js';
import { ScimError } from './errors.js';
import { MAX_RESULTS } from './discovery.js';
import { parseFilter, type Filter } from './filter.js';

/** One authenticated SCIM request: the admin context (actor `client:<id>`), where resources live, the request. */
export interface ScimCall {
  admin: AdminContext;
  passwords: PasswordSetting;
  /** `<issuer>/scim/v2`, for `location` and `$ref`. */
  base: string;
  req: ProtocolRequest;
}

/** A query parameter given once (twice is refused). */
export function queryParam(req: ProtocolRequest, name: string): string | undefined {
  const key = Object.keys(req.query).find((k) => k.toLowerCase() === name.toLowerCase());
  const values = key === undefined ? undefined : req.query[key];
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw new ScimError(400, 'invalidValue', `${name} is given more than once`);
  return values[0];
}

/** The JSON body (application/scim+json or application/json). */
export function body(req: ProtocolRequest): unknown {
  if (req.contentType !== 'application/scim+json' && req.contentType !== 'application/json') {
    throw new ScimError(400, 'invalidSyntax', 'send the body as application/scim+json');
  }
  return req.json;
}

export interface Page {
  filter?: Filter;
  startIndex: number;
  count: number;
}

function whole(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^-?\d{1,9}$/.test(text)) throw new ScimError(400, 'invalidValue', `${name} must be a whole number`);
  return Number(text);
}

/** RFC 7644 §3.4.2.4: startIndex below 1 counts as 1, a negative count as 0; at most MAX_RESULTS at once. */
export function page(req: ProtocolRequest): Page {
  const text = queryParam(req, 'filter');
  const result: Page = {
    startIndex: Math.max(1, whole(queryParam(req, 'startIndex'), 'startIndex', 1)),
    count: Math.min(MAX_RESULTS, Math.max(0, whole(queryParam(req, 'count'), 'count', 100))),
  };
  if (text !== undefined) result.filter = parseFilter(text);
  return result;
}

/** A weak ETag over the resource as shown (RFC 7644 §3.14): any change to it changes the tag. */
export function etagOf(resource: Record<string, unknown>): string {
  return `W/"${createHash('sha256').update(JSON.stringify(resource)).digest('base64url').slice(0, 22)}"`;
}

/** The resource with meta.version set, and its ETag header. */
export function versioned(resource: Record<string, unknown>): { resource: Record<string, unknown>; etag: string } {
  const etag = etagOf(resource);
  return { resource: { ...resource, meta: { ...(resource['meta'] as object), version: etag } }, etag };
}

const strip = (tag: string) => tag.trim().replace(/^W\//, '');

/** If-Match: the change applies only to the version the client last saw; 412 otherwise. */
export function checkIfMatch(req: ProtocolRequest, current: string): void {
  const header = req.headers['if-match'];
  if (header === undefined || header.trim() === '*') return;
  if (!header.split(',').some((tag) => strip(tag) === strip(current))) {
    throw new ScimError(412, undefined, 'the resource changed since that version (If-Match does not match its ETag)');
  }
}

/** attributes / excludedAttributes (RFC 7644 §3.9), on top-level attributes; id and schemas always stay. */
export function project(resource: Record<string, unknown>, req: ProtocolRequest): Record<string, unknown> {
  const names = (param: string) =>
    queryParam(req, param)
      ?.split(',')
      .map((a) => a.trim().replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '').split('.')[0]!.toLowerCase())
      .filter((a) => a !== '');
  const only = names('attributes');
  const excluded = names('excludedAttributes');
  const keep = (key: string) => {
    const k = key.toLowerCase();
    if (k === 'id' || k === 'schemas') return true;
    if (only && only.length > 0) return only.includes(k);
    return !excluded?.includes(k);
  };
  return Object.fromEntries(Object.entries(resource).filter(([k]) => keep(k)));
}

/** Whether a filter names an attribute (to load members only when a filter needs them). */
export function filterNames(filter: Filter | undefined, attribute: string): boolean {
  if (!filter) return false;
  switch (filter.kind) {
    case 'and':
    case 'or':
      return filterNames(filter.left, attribute) || filterNames(filter.right, attribute);
    case 'not':
      return filterNames(filter.filter, attribute);
    default:
      return filter.path[0] === attribute;
  }
}
