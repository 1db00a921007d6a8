import { ScimError } from './errors.js';
import { attrPath, keyOf, matches, parseValueFilter, tokenize, type Filter } from './filter.js';

/**
 * SCIM PATCH (RFC 7644 §3.5.2) applied to a resource as SCIM JSON: the endpoint reads the
 * resource, applies the operations here, and saves the result as it would a PUT. So a PATCH can
 * never do what a PUT could not, and a refused operation leaves nothing half-written.
 *
 * Paths: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub` (what Entra ID sends, e.g.
 * `emails[type eq "work"].value`), schema URNs in front allowed. Without a path the value is an
 * object whose keys are paths (Okta's `{"op":"replace","value":{"active":false}}`). Operation
 * names ignore case (Entra sends `Replace`).
 */

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MAX_OPERATIONS = 200;

export interface PatchPath {
  attr: string;
  filter?: Filter;
  sub?: string;
}

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: PatchPath;
  value?: unknown;
}

type Doc = Record<string, unknown>;

const badPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
const badValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parsePatchPath(text: string): PatchPath {
  try {
    const tokens = tokenize(text);
    const first = tokens[0];
    if (first?.t !== 'word') throw badPath(`'${text}' is not a path`);
    const [attr, sub] = attrPath(first.v);
    if (tokens.length === 1) return sub === undefined ? { attr: attr! } : { attr: attr!, sub };
    if (tokens[1]?.t !== '[' || sub !== undefined) throw badPath(`'${text}' is not a path`);
    const { filter, rest } = parseValueFilter(tokens.slice(2));
    if (rest.length === 0) return { attr: attr!, filter };
    const tail = rest[0];
    if (rest.length > 1 || tail?.t !== 'word' || !/^\.[A-Za-z][A-Za-z0-9_$-]*$/.test(tail.v)) throw badPath(`'${text}' is not a path`);
    return { attr: attr!, filter, sub: tail.v.slice(1).toLowerCase() };
  } catch (e) {
    if (e instanceof ScimError && e.scimType === 'invalidFilter') throw badPath(`'${text}' is not a path: ${e.message}`);
    throw e;
  }
}

/** The body of a PATCH request: its schema and its operations, checked before any is applied. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'the body must be a PatchOp JSON object');
  const schemas = body['schemas'];
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(PATCH_SCHEMA))) throw new ScimError(400, 'invalidSyntax', `schemas must name ${PATCH_SCHEMA}`);
  const operations = body[keyOf(body, 'operations') ?? 'Operations'];
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'invalidSyntax', 'Operations must be a non-empty list');
  if (operations.length > MAX_OPERATIONS) throw new ScimError(400, 'invalidSyntax', `at most ${MAX_OPERATIONS} operations at once`);
  return operations.map((raw): PatchOperation => {
    if (!isObject(raw)) throw new ScimError(400, 'invalidSyntax', 'each operation must be an object');
    const opKey = keyOf(raw, 'op');
    const op = typeof raw[opKey ?? 'op'] === 'string' ? (raw[opKey ?? 'op'] as string).toLowerCase() : undefined;
    if (op !== 'add' && op !== 'remove' && op !== 'replace') throw new ScimError(400, 'invalidSyntax', "op must be 'add', 'remove' or 'replace'");
    const pathKey = keyOf(raw, 'path');
    const rawPath = pathKey === undefined ? undefined : raw[pathKey];
    if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') throw badPath('path must be a string');
    const valueKey = keyOf(raw, 'value');
    const operation: PatchOperation = { op };
    if (typeof rawPath === 'string' && rawPath !== '') operation.path = parsePatchPath(rawPath);
    if (valueKey !== undefined) operation.value = raw[valueKey];
    if (op === 'remove' && !operation.path) throw new ScimError(400, 'noTarget', 'remove needs a path');
    if (op !== 'remove' && operation.value === undefined) throw badValue(`${op} needs a value`);
    return operation;
  });
}

/** How a resource type names and guards its attributes. */
export interface PatchSchema {
  /** The attribute's name as the resource spells it, from its lower-case form (unknown names stay). */
  canonical(lower: string): string;
  /** Attributes a client never writes (id, meta …): named in a path, 400 mutability; in a value object, ignored. */
  readOnly: ReadonlySet<string>;
}

/** Element identity in a multi-valued attribute: its `value` sub-attribute, else the element itself. */
function sameElement(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b)) {
    const [ka, kb] = [keyOf(a, 'value'), keyOf(b, 'value')];
    if (ka !== undefined && kb !== undefined) return a[ka] === b[kb];
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function merge(target: Doc, value: Doc, schema: PatchSchema): Doc {
  const out = { ...target };
  for (const [k, v] of Object.entries(value)) out[keyOf(out, k.toLowerCase()) ?? schema.canonical(k.toLowerCase())] = v;
  return out;
}

/** The attribute values a filter like `type eq "work"` (or several joined by `and`) pins: what a new element gets. */
function pinned(filter: Filter): Doc | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.path.length === 1) return { [filter.path[0]!]: filter.value };
  if (filter.kind === 'and') {
    const [l, r] = [pinned(filter.left), pinned(filter.right)];
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

function applyOne(doc: Doc, operation: PatchOperation, schema: PatchSchema, fromValueObject: boolean): void {
  const { op, path, value } = operation;
  if (!path) {
    if (!isObject(value)) throw badValue(`${op} without a path takes an object of attributes`);
    for (const [key, v] of Object.entries(value)) {
      let keyPath: PatchPath;
      try {
        keyPath = parsePatchPath(key);
      } catch (e) {
        // An extension schema's object (e.g. Entra's enterprise User): not an attribute this server keeps.
        if (key.toLowerCase().startsWith('urn:')) continue;
        throw e;
      }
      applyOne(doc, { op, path: keyPath, value: v }, schema, true);
    }
    return;
  }
  if (schema.readOnly.has(path.attr)) {
    if (fromValueObject) return;
    throw new ScimError(400, 'mutability', `${schema.canonical(path.attr)} is read-only`);
  }
  const key = keyOf(doc, path.attr) ?? schema.canonical(path.attr);
  const current = doc[key];
  const subKey = (element: Doc, sub: string) => keyOf(element, sub) ?? schema.canonical(sub);

  if (path.filter) {
    const filter = path.filter;
    const elements = Array.isArray(current) ? [...(current as unknown[])] : [];
    const hit = (e: unknown) => isObject(e) && matches(e, filter);
    if (op === 'remove') {
      doc[key] = path.sub === undefined ? elements.filter((e) => !hit(e)) : elements.map((e) => (hit(e) ? Object.fromEntries(Object.entries(e as Doc).filter(([k]) => k.toLowerCase() !== path.sub)) : e));
      return;
    }
    if (!elements.some(hit)) {
      // Entra ID adds `emails[type eq "work"].value` to a user without a work address: a new element.
      const base = pinned(filter);
      if (!base) throw new ScimError(400, 'noTarget', `no value of ${key} matches the filter`);
      const created = path.sub === undefined ? (isObject(value) ? { ...base, ...value } : undefined) : { ...base, [path.sub]: value };
      if (!created) throw badValue(`${key} takes objects`);
      doc[key] = [...elements, merge({}, created, schema)];
      return;
    }
    doc[key] = elements.map((e) => {
      if (!hit(e)) return e;
      const element = e as Doc;
      if (path.sub !== undefined) return { ...element, [subKey(element, path.sub)]: value };
      if (!isObject(value)) throw badValue(`${key} takes objects`);
      return merge(element, value, schema);
    });
    return;
  }

  if (path.sub !== undefined) {
    const sub = path.sub;
    if (Array.isArray(current)) {
      // A sub-attribute of every value of a multi-valued attribute.
      doc[key] = current.map((e) => {
        if (!isObject(e)) return e;
        if (op === 'remove') return Object.fromEntries(Object.entries(e).filter(([k]) => k.toLowerCase() !== sub));
        return { ...e, [subKey(e, sub)]: value };
      });
      return;
    }
    const parent = isObject(current) ? { ...current } : {};
    if (op === 'remove') delete parent[keyOf(parent, sub) ?? sub];
    else parent[subKey(parent, sub)] = value;
    doc[key] = parent;
    return;
  }

  if (op === 'remove') {
    // Entra ID removes members by listing them: only those go.
    if (Array.isArray(current) && Array.isArray(value)) doc[key] = current.filter((e) => !value.some((v) => sameElement(e, v)));
    else delete doc[key];
    return;
  }
  if (Array.isArray(current) || Array.isArray(value)) {
    const incoming = Array.isArray(value) ? value : [value];
    const existing = Array.isArray(current) ? current : [];
    // RFC 7643 §2.4: one primary value at most; a new primary one takes the mark from the others.
    const newPrimary = incoming.some((v) => isObject(v) && v[keyOf(v, 'primary') ?? 'primary'] === true);
    const kept = newPrimary ? existing.map((e) => (isObject(e) && keyOf(e, 'primary') !== undefined ? { ...e, [keyOf(e, 'primary')!]: false } : e)) : existing;
    if (op === 'replace') doc[key] = incoming;
    else doc[key] = [...kept.filter((e) => !incoming.some((v) => sameElement(e, v))), ...incoming.filter((v, i) => incoming.findIndex((w) => sameElement(w, v)) === i)];
    return;
  }
  // A complex attribute: the sub-attributes given replace theirs, the others stay (RFC 7644 §3.5.2.1, §3.5.2.3).
  doc[key] = isObject(current) && isObject(value) ? merge(current, value, schema) : value;
}

/** The resource after the operations, in order; the input is not changed. */
export function applyPatch(resource: Doc, operations: PatchOperation[], schema: PatchSchema): Doc {
  const doc = structuredClone(resource);
  for (const operation of operations) applyOne(doc, operation, schema, false);
  return doc;
}
