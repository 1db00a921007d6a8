import type { Context } from '../context.js';
import { errorPage, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { singleValued } from '../params.js';
import { isLocale, LANGUAGE_COOKIE } from '../locale.js';
import { msg } from '../message.js';
import { currentSession } from './session.js';

/** The person's choice is kept for a year; choosing again replaces it. */
const CHOICE_SECONDS = 365 * 24 * 3600;
const MAX_RETURN_LENGTH = 2048;

/**
 * Where the switch may send the browser back to: a path on this server, nothing else. An absolute URL,
 * a scheme-relative `//host`, a backslash (read as a slash by browsers) or a control character would
 * make this an open redirect; anything like that goes to the home page instead.
 */
export function safeReturnPath(issuer: string, value: string | undefined): string {
  if (value === undefined || value.length > MAX_RETURN_LENGTH || !value.startsWith('/') || value.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(value)) return '/';
  const base = new URL(issuer);
  const target = new URL(value, base.origin);
  if (target.origin !== base.origin) return '/';
  return target.pathname + target.search;
}

/**
 * A post from a page of another site is refused: browsers name the page's origin (`Origin`,
 * `Sec-Fetch-Site`) on a form post. Changing someone's language is harmless, but it is theirs to do.
 */
function crossSite(ctx: Context, req: ProtocolRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers['origin'];
  return origin !== undefined && origin !== 'null' && origin !== new URL(ctx.config.issuer).origin;
}

/**
 * The language switch on every page (POST /language with `lang` and `return`): remembers the choice in a
 * cookie, and as the signed-in user's own language (for their emails), then goes back to the page.
 */
export function languageEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    const form = req.method === 'POST' && req.form ? singleValuedOrUndefined(req.form) : undefined;
    if (!form || crossSite(ctx, req)) return errorPage(403, 'invalid_request', msg('errors:formReload'));
    const lang = form['lang'] ?? '';
    const back = ctx.config.issuer.replace(/\/$/, '') + safeReturnPath(ctx.config.issuer, form['return']);
    if (!isLocale(lang)) return { kind: 'redirect', location: back };
    const session = await currentSession(ctx, req);
    if (session && session.user.locale !== lang) await ctx.stores.users.update(session.user.id, { locale: lang }, ctx.now());
    return { kind: 'redirect', location: back, cookies: [{ name: LANGUAGE_COOKIE, value: lang, maxAge: CHOICE_SECONDS }] };
  };
}

function singleValuedOrUndefined(form: NonNullable<ProtocolRequest['form']>): Record<string, string> | undefined {
  try {
    return singleValued(form);
  } catch {
    return undefined;
  }
}
