import type { Context } from '../context.js';
import { keyedHash, safeEqual } from '../crypto.js';
import { singleValued } from '../params.js';
import type { ProtocolRequest } from '../protocol.js';

/**
 * CSRF tokens for forms that have no interaction record: a keyed hash of what the form is for and
 * of a secret the browser holds in an HttpOnly cookie (its session, or its browser binding).
 * Another site can make the browser send the cookie, but cannot read the page to learn the token.
 */
export function formToken(ctx: Context, purpose: string, binding: string): string {
  return keyedHash(ctx.pepper, `form:${purpose}:${binding}`);
}

/** The single-valued fields of a page's form POST whose `csrf` field equals `expected`; undefined otherwise. */
export function formWithCsrf(req: ProtocolRequest, expected: string): Record<string, string> | undefined {
  if (req.method !== 'POST' || req.contentType !== 'application/x-www-form-urlencoded' || !req.form) return undefined;
  let form: Record<string, string>;
  try {
    form = singleValued(req.form);
  } catch {
    return undefined;
  }
  const csrf = form['csrf'];
  return csrf !== undefined && safeEqual(csrf, expected) ? form : undefined;
}

/** The fields of a form POST carrying the form token for `purpose` and `binding`; undefined otherwise. */
export function checkedForm(ctx: Context, req: ProtocolRequest, purpose: string, binding: string | undefined): Record<string, string> | undefined {
  return binding === undefined ? undefined : formWithCsrf(req, formToken(ctx, purpose, binding));
}
