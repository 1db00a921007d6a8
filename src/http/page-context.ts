import type { FastifyRequest } from 'fastify';
import { LANGUAGE_COOKIE, negotiateLocale } from '../core/locale.js';
import { translator } from '../ui/i18n/translator.js';
import { DEFAULT_BRAND, type PageContext } from '../ui/page-context.js';
import { parseCookies } from './cookies.js';
import { lookOf } from './look.js';

/**
 * The language and brand a page of this request is drawn in: the person's own choice (the switch's
 * cookie), then the client's `ui_locales`, then Accept-Language. `path` is where the switch brings the
 * browser back to: the page itself when it was a GET that succeeded, else the home page (a POST is not
 * repeated, and an error page does not echo the address it was asked for).
 */
export function pageContext(request: FastifyRequest, secureCookies: boolean, uiLocales?: string, status = 200): PageContext {
  const acceptLanguage = request.headers['accept-language'];
  const chosen = parseCookies(request.headers.cookie, secureCookies)[LANGUAGE_COOKIE];
  const locale = negotiateLocale({ chosen, uiLocales, acceptLanguage: typeof acceptLanguage === 'string' ? acceptLanguage : undefined });
  const path = request.method === 'GET' && status < 400 ? request.url : '/';
  const served = lookOf(request);
  return { ...translator(locale), brand: served?.brand ?? DEFAULT_BRAND, path, ...(served ? { look: served.look } : {}) };
}
