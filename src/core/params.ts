import { invalidRequest, printable } from './errors.js';

/** Request parameters as they arrived: every name with all of its values, in order. */
export type Params = Record<string, string[]>;

/** Longest value accepted for any single parameter; longer input is refused, not truncated. */
export const MAX_PARAM_LENGTH = 4096;

/**
 * Collapses parameters to one value each. RFC 6749 §3.1 and §3.2: "Request and response
 * parameters MUST NOT be included more than once." Those an extension lets repeat (`repeatable`)
 * are left out, for the caller to read from `params`.
 */
export function singleValued(params: Params, repeatable: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(params)) {
    if (repeatable.includes(name)) {
      if (values.some((v) => v.length > MAX_PARAM_LENGTH)) throw invalidRequest(`parameter '${name}' is too long`);
      continue;
    }
    // The name came with the request too: shown only when it is plain text.
    const parameter = printable(name, 64) ? `parameter '${name}'` : 'a parameter';
    if (values.length > 1) throw invalidRequest(`${parameter} is included more than once`);
    const value = values[0];
    if (value === undefined) continue;
    if (value.length > MAX_PARAM_LENGTH) throw invalidRequest(`${parameter} is too long`);
    out[name] = value;
  }
  return out;
}

/** Parses an application/x-www-form-urlencoded string keeping repeated names. */
export function parseForm(body: string): Params {
  const out: Params = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    (out[name] ??= []).push(value);
  }
  return out;
}

/** Reads a parameter that must be present and non-empty (RFC 6749 §3.1: empty means omitted). */
export function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw invalidRequest(`missing required parameter '${name}'`);
  return value;
}

/** Reads an optional parameter; an empty value counts as omitted. */
export function optional(params: Record<string, string>, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value === '' ? undefined : value;
}
