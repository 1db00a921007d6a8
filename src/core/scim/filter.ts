import { ScimError } from './errors.js';

/**
 * SCIM filters (RFC 7644 §3.4.2.2): a tokenizer, a recursive-descent parser to a small tree, and
 * its evaluation against a resource as SCIM JSON. Precedence: `not` (with parentheses) binds
 * tightest, then `and`, then `or`. Attribute names are compared case-insensitively and may carry
 * their schema URN (`urn:ietf:params:scim:schemas:core:2.0:User:userName`). A malformed filter is
 * refused with 400 invalidFilter; an attribute the resource does not have matches nothing.
 */

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type Literal = string | number | boolean | null;

/** An attribute path, lower case, schema URN removed: ['emails', 'value'], ['name', 'givenname']. */
export type AttrPath = string[];

export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: Literal }
  /** `emails[type eq "work"]`: an element of a multi-valued attribute matches the inner filter. */
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const MAX_FILTER = 2000;
const MAX_DEPTH = 20;

type Token = { t: '(' | ')' | '[' | ']' } | { t: 'word'; v: string } | { t: 'string'; v: string };

const invalid = (detail: string) => new ScimError(400, 'invalidFilter', detail);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ t: c });
      i++;
    } else if (c === '"') {
      // A JSON string: escapes as JSON has them.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw invalid('a string is not closed');
      try {
        tokens.push({ t: 'string', v: JSON.parse(text.slice(i, j + 1)) as string });
      } catch {
        throw invalid('a string has a bad escape');
      }
      // No attribute holds U+0000 (PostgreSQL refuses it in text): such a value could only fail a lookup.
      if ((tokens[tokens.length - 1] as { v: string }).v.includes('\u0000')) throw invalid('a string value contains a NUL character');
      i = j + 1;
    } else {
      const match = /^[A-Za-z0-9_:.$+\-]+/.exec(text.slice(i));
      if (!match) throw invalid(`unexpected character '${c}'`);
      tokens.push({ t: 'word', v: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

const URN_PREFIX = /^urn:ietf:params:scim:schemas:(?:core:2\.0:(?:User|Group)|extension:[A-Za-z0-9]+:2\.0:User):/i;

/** `name.givenName` → ['name', 'givenname']; a schema URN in front is dropped. */
export function attrPath(word: string): AttrPath {
  const bare = word.replace(URN_PREFIX, '');
  if (!/^\$?[A-Za-z][A-Za-z0-9_$-]*(\.[A-Za-z][A-Za-z0-9_$-]*)?$/.test(bare)) throw invalid(`'${word}' is not an attribute path`);
  return bare.toLowerCase().split('.');
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  done(): boolean {
    return this.pos >= this.tokens.length;
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.t === 'word' && token.v.toLowerCase() === word;
  }

  or(): Filter {
    if (++this.depth > MAX_DEPTH) throw invalid('the filter nests too deeply');
    let left = this.and();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    this.depth--;
    return left;
  }

  private and(): Filter {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private expect(t: ')' | ']'): void {
    if (this.next()?.t !== t) throw invalid(`'${t}' expected`);
  }

  private unary(): Filter {
    const token = this.next();
    if (!token) throw invalid('the filter ends too early');
    if (this.isWord(token, 'not')) {
      if (this.next()?.t !== '(') throw invalid("'not' takes a filter in parentheses");
      const filter = this.or();
      this.expect(')');
      return { kind: 'not', filter };
    }
    if (token.t === '(') {
      const filter = this.or();
      this.expect(')');
      return filter;
    }
    if (token.t !== 'word') throw invalid('an attribute name was expected');
    const path = attrPath(token.v);
    if (this.peek()?.t === '[') {
      this.next();
      if (path.length > 1) throw invalid('a value filter applies to an attribute, not a sub-attribute');
      const filter = this.or();
      this.expect(']');
      return { kind: 'valuePath', path, filter };
    }
    const op = this.next();
    if (op?.t !== 'word') throw invalid(`an operator was expected after '${token.v}'`);
    const name = op.v.toLowerCase();
    if (name === 'pr') return { kind: 'present', path };
    if (!COMPARE_OPS.has(name)) throw invalid(`'${op.v}' is not an operator`);
    const value = this.literal();
    checkComparison(path, name as CompareOp, value);
    return { kind: 'compare', path, op: name as CompareOp, value };
  }

  private literal(): Literal {
    const token = this.next();
    if (token?.t === 'string') return token.v;
    if (token?.t !== 'word') throw invalid('a value was expected');
    const word = token.v.toLowerCase();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(token.v)) return Number(token.v);
    throw invalid(`'${token.v}' is not a value: strings are in double quotes`);
  }
}

/** Comparisons that can never make sense are malformed: refused when parsed, not when a resource is met. */
function checkComparison(path: AttrPath, op: CompareOp, value: Literal): void {
  if ((typeof value === 'boolean' || value === null) && op !== 'eq' && op !== 'ne') throw invalid(`'${op}' does not compare ${String(value)}`);
  if (DATES.has(path.join('.')) && value !== null) {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid(`${path.join('.')} compares with a date such as "2026-01-31T00:00:00Z"`);
    if (op === 'co' || op === 'sw' || op === 'ew') throw invalid(`'${op}' does not compare dates`);
  }
}

export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER) throw invalid(`the filter is longer than ${MAX_FILTER} characters`);
  const parser = new Parser(tokenize(text));
  if (parser.done()) throw invalid('the filter is empty');
  const filter = parser.or();
  if (!parser.done()) throw invalid('unexpected text after the filter');
  return filter;
}

/** Continues parsing after `attr[`: the value filter of a PATCH path, up to its `]`. */
export function parseValueFilter(tokens: Token[]): { filter: Filter; rest: Token[] } {
  const parser = new Parser(tokens);
  const filter = parser.or();
  const close = parser.next();
  if (close?.t !== ']') throw invalid("']' expected");
  const rest: Token[] = [];
  for (let token = parser.next(); token; token = parser.next()) rest.push(token);
  return { filter, rest };
}

export type { Token };

// ---- evaluation ----

type Json = unknown;

/** The key of `obj` named `name` in any case. */
export function keyOf(obj: Record<string, Json>, name: string): string | undefined {
  return Object.keys(obj).find((k) => k.toLowerCase() === name);
}

/** Every value at `path`, multi-valued attributes flattened. */
export function valuesAt(resource: Json, path: AttrPath): Json[] {
  let current: Json[] = [resource];
  for (const segment of path) {
    const next: Json[] = [];
    for (const value of current.flatMap((v) => (Array.isArray(v) ? v : [v]))) {
      if (typeof value !== 'object' || value === null) continue;
      const key = keyOf(value as Record<string, Json>, segment);
      if (key !== undefined) next.push((value as Record<string, Json>)[key]);
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== null && v !== undefined);
}

/** Attributes compared case-sensitively (RFC 7643: caseExact); all other strings ignore case. */
const CASE_EXACT: ReadonlySet<string> = new Set(['id', 'externalid', 'members.value', 'groups.value', 'password']);
const DATES: ReadonlySet<string> = new Set(['meta.created', 'meta.lastmodified']);

function compare(actual: Json, op: CompareOp, expected: Literal, path: AttrPath): boolean {
  const name = path.join('.');
  if (expected === null) {
    // `attr eq null` is "no value", handled by the caller; any other operator with null matches nothing.
    return false;
  }
  if (typeof expected === 'boolean') {
    if (op !== 'eq' && op !== 'ne') throw invalid(`'${op}' does not compare booleans`);
    return typeof actual === 'boolean' && (op === 'eq' ? actual === expected : actual !== expected);
  }
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return op === 'ne';
    return ordered(op, actual, expected);
  }
  if (typeof actual !== 'string') return op === 'ne';
  if (DATES.has(name)) {
    const [a, b] = [Date.parse(actual), Date.parse(expected)];
    if (Number.isNaN(b)) throw invalid(`'${expected}' is not a date`);
    if (op === 'co' || op === 'sw' || op === 'ew') throw invalid(`'${op}' does not compare dates`);
    return !Number.isNaN(a) && ordered(op, a, b);
  }
  const exact = CASE_EXACT.has(name);
  const [a, b] = exact ? [actual, expected] : [actual.toLowerCase(), expected.toLowerCase()];
  switch (op) {
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return ordered(op, a, b);
  }
}

function ordered<T extends string | number>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return false;
  }
}

function isPresent(v: Json): boolean {
  if (v === null || v === undefined || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Whether `resource` (SCIM JSON) matches `filter`. */
export function matches(resource: Json, filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
      return matches(resource, filter.left) && matches(resource, filter.right);
    case 'or':
      return matches(resource, filter.left) || matches(resource, filter.right);
    case 'not':
      return !matches(resource, filter.filter);
    case 'present':
      return valuesAt(resource, filter.path).some(isPresent);
    case 'valuePath':
      return valuesAt(resource, filter.path).some((element) => typeof element === 'object' && element !== null && matches(element, filter.filter));
    case 'compare': {
      const values = valuesAt(resource, filter.path);
      if (filter.value === null) {
        const absent = !values.some(isPresent);
        return filter.op === 'eq' ? absent : filter.op === 'ne' ? !absent : false;
      }
      // `ne` on a multi-valued attribute: no value equals (RFC 7644 leaves it open; this is the usual reading).
      if (filter.op === 'ne') return values.every((v) => compare(v, 'ne', filter.value, filter.path));
      return values.some((v) => compare(v, filter.op, filter.value, filter.path));
    }
  }
}
