import { AccountError } from './users.js';
import { attributeNameProblem } from '../access/claims.js';

/**
 * Custom attributes of a user: what an organization keeps about people beyond the standard
 * profile (department, employee number, cost centre …), released as claims to the clients an
 * operator names (`client update --claim`).
 */
export const MAX_ATTRIBUTES = 32;
export const MAX_ATTRIBUTE_VALUE = 256;

/** Refuses a name that is malformed or reserved for a claim Tessera sets, saying which and why. */
export function checkAttributeKey(key: string): void {
  const problem = attributeNameProblem(key);
  if (problem) throw new AccountError(problem);
}

export function checkAttributeValue(key: string, value: string): void {
  if (value.length > MAX_ATTRIBUTE_VALUE) throw new AccountError(`attribute '${key}' is longer than ${MAX_ATTRIBUTE_VALUE} characters`);
}

/** `attributes` with the changes applied (null removes a key); refuses a result with too many. */
export function applyAttributeChanges(attributes: Record<string, string>, changes: Record<string, string | null>): Record<string, string> {
  const next = { ...attributes };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > MAX_ATTRIBUTES) throw new AccountError(`a user can have at most ${MAX_ATTRIBUTES} attributes`);
  return next;
}

/** Parses one `key=value` (empty value: remove the key) as the CLI and the admin API receive it. */
export function parseAttributeAssignment(text: string): [string, string | null] {
  const at = text.indexOf('=');
  if (at < 0) throw new AccountError(`attribute '${text}' must be key=value (key= removes it)`);
  const key = text.slice(0, at);
  const value = text.slice(at + 1);
  checkAttributeKey(key);
  if (value !== '') checkAttributeValue(key, value);
  return [key, value === '' ? null : value];
}
