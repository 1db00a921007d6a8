import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Params } from '../core/params.js';
import type { ProtocolRequest, ProtocolResponse } from '../core/protocol.js';
import { imageOrigins, renderPage } from '../ui/pages.js';
import { contentSecurityPolicy } from './security-headers.js';
import { lookOf } from './look.js';
import { usesPasskeyScript } from '../ui/passkeys.js';
import { parseCookies, serializeCookie } from './cookies.js';
import { noteError } from './request-log.js';
import { pageContext } from './page-context.js';

/** Turns a Fastify request into the plain request the core works on; `secureCookies` reads only `__Host-` cookies. */
export function toProtocolRequest(request: FastifyRequest, secureCookies: boolean): ProtocolRequest {
  const contentType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const req: ProtocolRequest = {
    method: request.method,
    query: request.query as Params,
    headers,
    cookies: parseCookies(request.headers.cookie, secureCookies),
    ip: request.ip,
  };
  const query = request.url.indexOf('?');
  if (query >= 0) req.rawQuery = request.url.slice(query + 1);
  if (contentType !== undefined) req.contentType = contentType;
  if (contentType === 'application/x-www-form-urlencoded' && request.body) req.form = request.body as Params;
  if (contentType === 'application/json' || contentType === 'application/scim+json') req.json = request.body;
  return req;
}

/** Sends a core answer as HTTP. Redirects after a POST use 303 so the browser follows with GET. */
export function sendProtocolResponse(reply: FastifyReply, answer: ProtocolResponse, secureCookies: boolean): FastifyReply {
  if (answer.kind === 'json') {
    if (answer.status >= 400) noteError(reply.request, answer.body, answer.headers);
    reply.code(answer.status);
    if (answer.headers) reply.headers(answer.headers);
    if (answer.body === undefined) return reply.send();
    // A face with its own media type (problem details, SCIM) names it; everything else is plain JSON.
    return reply.type(answer.headers?.['Content-Type'] ?? 'application/json; charset=utf-8').send(JSON.stringify(answer.body));
  }
  if (answer.kind === 'file') {
    // Only names the server made reach the header; anything else is replaced.
    const filename = answer.filename.replace(/[^A-Za-z0-9._-]/g, '_');
    return reply
      .code(answer.status)
      .header('Cache-Control', 'no-store')
      .header('Content-Disposition', `attachment; filename="${filename}"`)
      .type(answer.contentType)
      .send(answer.body);
  }
  if (answer.cookies && answer.cookies.length > 0) {
    reply.header('Set-Cookie', answer.cookies.map((c) => serializeCookie(c, secureCookies)));
  }
  reply.header('Cache-Control', 'no-store');
  if (answer.kind === 'redirect') {
    return reply.code(reply.request.method === 'POST' ? 303 : 302).header('Location', answer.location).send();
  }
  if (answer.headers) reply.headers(answer.headers);
  // An error page names the request, so that what a person reports leads to its log lines.
  const data = answer.page === 'error' ? { ...answer.data, reference: reply.request.id } : answer.data;
  if (answer.page === 'error') noteError(reply.request, answer.data);
  // A page showing an app's logo allows images from that origin, in this response only (besides the brand logo's, on every page).
  const images = imageOrigins(answer.page, data);
  const scripts = usesPasskeyScript(answer.page, data);
  const themeImages = lookOf(reply.request)?.imageOrigins ?? [];
  if (images.length > 0 || scripts) reply.header('Content-Security-Policy', contentSecurityPolicy([...themeImages, ...images], scripts));
  return reply.code(answer.status).type('text/html; charset=utf-8').send(renderPage(answer.page, data, pageContext(reply.request, secureCookies, answer.uiLocales, answer.status)));
}
