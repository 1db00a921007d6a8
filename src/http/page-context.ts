import type { FastifyRequest } from 'fastify';
import { negotiateLocale } from '../core/locale.js';
import { translator } from '../ui/i18n/translator.js';
import { DEFAULT_BRAND, type PageContext } from '../ui/page-context.js';
import { lookOf } from './look.js';

/** The language and brand a page of this request is drawn in. */
export function pageContext(request: FastifyRequest, uiLocales?: string): PageContext {
  const acceptLanguage = request.headers['accept-language'];
  const locale = negotiateLocale({ uiLocales, acceptLanguage: typeof acceptLanguage === 'string' ? acceptLanguage : undefined });
  const served = lookOf(request);
  return { ...translator(locale), brand: served?.brand ?? DEFAULT_BRAND, ...(served ? { look: served.look } : {}) };
}
