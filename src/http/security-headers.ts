import type { FastifyInstance } from 'fastify';

/**
 * Headers on every response. No `form-action` in the CSP: browsers apply it to the redirect that
 * follows a form post, which here goes to the client's redirect URI by design.
 */
export function addSecurityHeaders(app: FastifyInstance, https: boolean): void {
  const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Content-Security-Policy', csp);
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
