import type { FastifyInstance } from 'fastify';

/** An origin as a CSP source expression can name it: scheme, plain host name, port. Nothing else gets in. */
const ORIGIN_SOURCE = /^https?:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

/**
 * The CSP of a response. Images come from this server (and `data:` QR codes); a page that shows an
 * app's logo names that one origin too, for that response only. No `form-action`: browsers apply it
 * to the redirect that follows a form post, which here goes to the client's redirect URI by design.
 */
export function contentSecurityPolicy(imageOrigins: readonly string[] = [], scripts = false): string {
  const images = ["'self'", 'data:', ...new Set(imageOrigins.filter((o) => ORIGIN_SOURCE.test(o)))];
  // Only pages offering passkeys run a script, and only this server's file (/assets/passkeys.js).
  const script = scripts ? " script-src 'self';" : '';
  return `default-src 'none';${script} style-src 'self'; img-src ${images.join(' ')}; frame-ancestors 'none'; base-uri 'none'`;
}

/**
 * Headers on every response; a response that set its own CSP (contentSecurityPolicy) keeps it.
 * `imageOrigins`: where every page may load images from besides itself (an https --brand-logo).
 */
export function addSecurityHeaders(app: FastifyInstance, https: boolean, imageOrigins: readonly string[] = []): void {
  const csp = contentSecurityPolicy(imageOrigins);
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('Content-Security-Policy')) reply.header('Content-Security-Policy', csp);
    reply.header('X-Frame-Options', 'DENY');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    if (https) reply.header('Strict-Transport-Security', 'max-age=31536000');
    return payload;
  });
}

/**
 * CORS for the endpoints that browser apps call with explicit credentials (token, userinfo,
 * metadata, keys). Never for the authorization endpoint or the pages, which rely on cookies.
 */
export function corsHeaders(method: string): Record<string, string> {
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': '*' };
  if (method === 'OPTIONS') {
    headers['Access-Control-Allow-Methods'] = 'GET, POST';
    headers['Access-Control-Allow-Headers'] = 'Authorization, Content-Type, DPoP';
    headers['Access-Control-Max-Age'] = '600';
  }
  return headers;
}
