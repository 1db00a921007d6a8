import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { PASSKEY_SCRIPT, PASSKEY_SCRIPT_PATH } from '../ui/passkey-script.js';
import type { ProtocolRequest, ProtocolResponse } from '../core/protocol.js';
import { PATHS } from '../core/endpoints/discovery.js';
import { RESET_PATHS } from '../core/interaction/reset-paths.js';
import { SIGNUP_PATHS } from '../core/interaction/signup/page-data.js';
import { DependencyUnavailableError } from '../core/errors.js';
import { parseForm } from '../core/params.js';
import { safeDescription } from '../core/errors.js';
import { renderPage } from '../ui/pages.js';
import { pageContext } from './page-context.js';
import { serveLook, servedLook, type ServedLook } from './look.js';
import { toProtocolRequest, sendProtocolResponse } from './translate.js';
import { addSecurityHeaders, corsHeaders } from './security-headers.js';
import { ADMIN_API_BASE } from '../core/admin-api/router.js';
import { PROBLEM_MEDIA_TYPE } from '../core/admin-api/problem.js';
import { SCIM_PREFIX } from '../core/scim/endpoints.js';
import { SCIM_CONTENT_TYPE, scimErrorBody } from '../core/scim/errors.js';
import { ADMIN_CONSOLE_PATH, isAdminConsolePath } from '../core/admin-console/paths.js';
import { ACCOUNT_SECURITY_PATHS } from '../core/interaction/account-security/page-data.js';
import { noteError, refusalFields, requestIdGenerator, withRequestLog } from './request-log.js';
import { metricsRoute, observeRequests, type MetricsAccess, type RequestObserver } from './metrics.js';

type Handler = (req: ProtocolRequest) => Promise<ProtocolResponse>;
type InteractionHandler = (req: ProtocolRequest, id: string) => Promise<ProtocolResponse>;
/** A handler for a subtree of paths: `path` is what follows the prefix. */
type SubtreeHandler = (req: ProtocolRequest, path: string) => Promise<ProtocolResponse>;

export interface Endpoints {
  authorize: Handler;
  token: Handler;
  revocation: Handler;
  introspection: Handler;
  endSession: Handler;
  account: { show: Handler; revoke: Handler; unlink: Handler; secondFactor: { start: Handler; confirm: Handler } };
  /** /account/security and its forms: one handler per ACCOUNT_SECURITY_PATHS entry. */
  accountSecurity: Record<keyof typeof ACCOUNT_SECURITY_PATHS, Handler>;
  federation: { start: InteractionHandler; callback: InteractionHandler; link: Handler };
  secondFactor: Handler;
  signIn: Handler;
  /** A passwordless sign-in with a passkey (the login page's "Sign in with a passkey"). */
  passkeySignIn: Handler;
  /** "Forgot password?": the form asking for a link, and the form the link opens. */
  /** The language switch of every page (POST /language). */
  language: Handler;
  passwordReset: { showForgot: Handler; requestLink: Handler; showReset: Handler; reset: Handler };
  /** /signup, and the confirmation link's pages. */
  signup: { show: Handler; submit: Handler };
  verification: { show: Handler; confirm: Handler; resend: Handler };
  deviceAuthorization: Handler;
  registration: { register: Handler; manage: InteractionHandler };
  developerConsole: {
    show: Handler;
    create: Handler;
    showApp: InteractionHandler;
    changeRedirectUris: InteractionHandler;
    rotateSecret: InteractionHandler;
    delete: InteractionHandler;
  };
  device: { show: Handler; enterCode: Handler; decide: Handler };
  userinfo: Handler;
  adminAudit: Handler;
  /** /admin/v1/…, given the path below it. */
  adminApi: InteractionHandler;
  /** SCIM 2.0 under /scim/v2 (core/scim). */
  scim: SubtreeHandler;
  /** The admin console: /admin and its pages (not /admin/audit nor /admin/v1/…), given the path below /admin/ ('' for /admin). */
  adminConsole: InteractionHandler;
  discovery: Handler;
  /** GET /: the landing page. */
  home: Handler;
  jwks: Handler;
  health: Handler;
  ready: Handler;
  interaction: { show: InteractionHandler; login: InteractionHandler; consent: InteractionHandler };
}

/** Where and how much to log; `stream` lets tests (or operators) send logs elsewhere than stdout, one JSON record per write. */
export interface LoggerOptions {
  level?: string;
  stream?: { write(line: string): unknown };
}

/** Log times as ISO 8601 (what pino.stdTimeFunctions.isoTime writes), which people and log stores read alike. */
const isoTime = () => `,"time":"${new Date().toISOString()}"`;

export interface HttpOptions {
  secureCookies: boolean;
  https: boolean;
  logger?: boolean | LoggerOptions;
  /**
   * How many proxies in front of the node to believe: the client address is the one the outermost
   * of them saw. Never more, or a client could write its own address into X-Forwarded-For.
   */
  trustProxy?: number;
  /** Each answered request is reported here (metrics). */
  observeRequest?: RequestObserver;
  /** Serve /metrics on this app (behind its bearer token). */
  metrics?: MetricsAccess;
  /** The brand and look of the pages (servedLook); the built-in one when absent. */
  look?: ServedLook;
}

/** Largest request body accepted anywhere; protocol requests are small. */
export const BODY_LIMIT = 64 * 1024;

const PAGE_PREFIXES = ['/', '/authorize', '/interaction', '/logout', '/account', '/login', '/device', '/console', '/federation', '/language'];

/**
 * One access-log line per request ("request completed", which names the request too) instead of
 * Fastify's two: log lines are a visible share of the cost of a token request. A refused request's
 * line names the OAuth error and the client, so "why does this client fail" is one search.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime, ...refusalFields(request, reply.statusCode) }, 'request completed');
  }
}

/** Logs carry the path only: query strings can hold codes, state or (wrongly sent) tokens. */
const requestSerializer = (req: FastifyRequest) => ({ method: req.method, path: req.url.split('?')[0], remoteAddress: req.ip });

function sendError(request: FastifyRequest, reply: FastifyReply, status: number, error: string, description: string, secureCookies: boolean): FastifyReply {
  const path = request.url.split('?')[0] ?? '';
  reply.code(status).header('Cache-Control', 'no-store');
  if (path.startsWith(`${ADMIN_API_BASE}/`)) {
    // The admin API answers in RFC 9457 problem details, even when the request never reached it.
    const titles: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 413: 'Content Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable' };
    const body = { type: 'about:blank', title: titles[status] ?? error, status, detail: safeDescription(description), instance: path };
    noteError(request, body);
    return reply.type(`${PROBLEM_MEDIA_TYPE}; charset=utf-8`).send(JSON.stringify(body));
  }
  if (path === SCIM_PREFIX || path.startsWith(SCIM_PREFIX + '/')) {
    // SCIM clients read errors in SCIM's own format (RFC 7644 §3.12), also for a body that is not JSON.
    const scimType = status === 400 ? 'invalidSyntax' : undefined;
    const detail = status >= 500 ? 'the server could not complete the request' : status === 404 ? 'no such endpoint' : description;
    const body = scimErrorBody(status, safeDescription(detail), scimType);
    noteError(request, body);
    return reply.type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
  }
  if (PAGE_PREFIXES.some((p) => path === p || path.startsWith(p + '/')) || isAdminConsolePath(path)) {
    noteError(request, { error });
    return reply.type('text/html; charset=utf-8').send(renderPage('error', { error, description, reference: request.id }, pageContext(request, secureCookies, undefined, status)));
  }
  noteError(request, { error });
  return reply.type('application/json; charset=utf-8').send(JSON.stringify({ error, error_description: safeDescription(description) }));
}

/** The part of a request's raw URL after `prefix`, without the query string. */
const rawPathBelow = (url: string, prefix: string) => (url.split('?')[0] ?? '').slice(prefix.length);

/** Builds the HTTP shell: parsing rules, headers, routes. Every protocol decision is made by the endpoints. */
export function buildHttpApp(endpoints: Endpoints, options: HttpOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ? { level: 'info', ...(typeof options.logger === 'object' ? options.logger : {}), timestamp: isoTime, serializers: { req: requestSerializer } } : false,
    // Every request has an id (reqId in its log lines, X-Request-Id on its answer); only a trusted proxy may choose it.
    requestIdHeader: false,
    genReqId: requestIdGenerator(options.trustProxy ?? 0),
    bodyLimit: BODY_LIMIT,
    logController: new OneLinePerRequest(),
    // proxy-addr walks from the socket outwards: hop 0 is the nearest proxy; only the first N are believed.
    trustProxy: options.trustProxy ? (_address: string, hop: number) => hop < (options.trustProxy ?? 0) : false,
    // Keep every value of repeated parameters, so the core can refuse them (RFC 6749 §3.1).
    routerOptions: { querystringParser: (q: string) => parseForm(q), ignoreTrailingSlash: false },
    frameworkErrors: (error, request, reply) => {
      sendError(request, reply, 400, 'invalid_request', 'the request could not be parsed', options.secureCookies);
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseForm(body as string));
  });
  app.addContentTypeParser(['application/json', 'application/scim+json'], { parseAs: 'string' }, (req, body, done) => {
    // A SCIM DELETE may name its media type and send nothing.
    if (body === '' && req.url.startsWith(SCIM_PREFIX + '/')) return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      const err = Object.assign(new Error('the body is not valid JSON'), { statusCode: 400 });
      done(err, undefined);
    }
  });
  // Anything else is read (within the size limit) and left for the endpoint to refuse in its own format.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, _body, done) => done(null, undefined));

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof DependencyUnavailableError) {
      request.log.warn({ err: error }, 'a dependency did not answer');
      reply.header('Retry-After', String(error.retryAfter));
      return sendError(request, reply, 503, 'temporarily_unavailable', 'the server cannot complete the request right now; try again shortly', options.secureCookies);
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendError(request, reply, 500, 'server_error', 'the server could not complete the request', options.secureCookies);
    }
    const description = status === 413 ? 'the request body is too large' : status === 400 ? error.message : 'the request could not be processed';
    return sendError(request, reply, status, 'invalid_request', description, options.secureCookies);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, 'not_found', 'no such endpoint', options.secureCookies));

  const look = options.look ?? servedLook();
  addSecurityHeaders(app, options.https, look.imageOrigins);
  if (options.observeRequest) observeRequests(app, options.observeRequest);
  // On every answer, errors and redirects included: what a person quotes to find the request's log lines.
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Request-Id', request.id);
    return payload;
  });
  // What the core logs through the server while a request is handled (audit events) carries the request's id.
  app.addHook('preHandler', (request, _reply, done) => withRequestLog(request, done));

  const run = (handler: Handler, cors = false) => async (request: FastifyRequest, reply: FastifyReply) => {
    if (cors) reply.headers(corsHeaders(request.method));
    if (request.method === 'OPTIONS') return reply.code(204).send();
    return sendProtocolResponse(reply, await handler(toProtocolRequest(request, options.secureCookies)), options.secureCookies);
  };
  const runInteraction = (handler: InteractionHandler) => async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) =>
    sendProtocolResponse(reply, await handler(toProtocolRequest(request, options.secureCookies), request.params.id), options.secureCookies);

  const ANY = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  app.route({ method: ['GET', 'POST'], url: PATHS.authorization, handler: run(endpoints.authorize) });
  app.route({ method: [...ANY, 'OPTIONS'], url: PATHS.token, handler: run(endpoints.token, true) });
  // Browser apps (public clients) revoke their own tokens; introspection is for servers, so no CORS.
  app.route({ method: [...ANY, 'OPTIONS'], url: PATHS.revocation, handler: run(endpoints.revocation, true) });
  app.route({ method: [...ANY], url: PATHS.introspection, handler: run(endpoints.introspection) });
  app.route({ method: ['GET', 'POST'], url: PATHS.endSession, handler: run(endpoints.endSession) });
  app.get(PATHS.account, run(endpoints.account.show));
  app.post(PATHS.signIn, run(endpoints.signIn));
  app.post(PATHS.language, run(endpoints.language));
  app.get(RESET_PATHS.forgot, run(endpoints.passwordReset.showForgot));
  app.post(RESET_PATHS.forgot, run(endpoints.passwordReset.requestLink));
  app.get(RESET_PATHS.reset, run(endpoints.passwordReset.showReset));
  app.post(RESET_PATHS.reset, run(endpoints.passwordReset.reset));
  app.get(SIGNUP_PATHS.signup, run(endpoints.signup.show));
  app.post(SIGNUP_PATHS.signup, run(endpoints.signup.submit));
  app.get(SIGNUP_PATHS.verify, run(endpoints.verification.show));
  app.post(SIGNUP_PATHS.verify, run(endpoints.verification.confirm));
  app.post(SIGNUP_PATHS.resend, run(endpoints.verification.resend));
  app.route({ method: [...ANY], url: PATHS.deviceAuthorization, handler: run(endpoints.deviceAuthorization) });
  app.route({ method: [...ANY], url: PATHS.registration, handler: run(endpoints.registration.register) });
  app.route({ method: [...ANY], url: `${PATHS.registration}/:id`, handler: runInteraction(endpoints.registration.manage) });
  app.get(PATHS.console, run(endpoints.developerConsole.show));
  app.post(`${PATHS.console}/apps`, run(endpoints.developerConsole.create));
  app.get(`${PATHS.console}/apps/:id`, runInteraction(endpoints.developerConsole.showApp));
  app.post(`${PATHS.console}/apps/:id/redirect-uris`, runInteraction(endpoints.developerConsole.changeRedirectUris));
  app.post(`${PATHS.console}/apps/:id/secret`, runInteraction(endpoints.developerConsole.rotateSecret));
  app.post(`${PATHS.console}/apps/:id/delete`, runInteraction(endpoints.developerConsole.delete));
  app.get(PATHS.device, run(endpoints.device.show));
  app.post(PATHS.device, run(endpoints.device.enterCode));
  app.post(PATHS.deviceDecision, run(endpoints.device.decide));
  app.post(PATHS.accountRevoke, run(endpoints.account.revoke));
  app.post(PATHS.accountUnlink, run(endpoints.account.unlink));
  app.get('/federation/:id/start', runInteraction(endpoints.federation.start));
  app.get('/federation/:id/callback', runInteraction(endpoints.federation.callback));
  app.post(PATHS.federationLink, run(endpoints.federation.link));
  app.post(PATHS.accountSecondFactor, run(endpoints.account.secondFactor.start));
  app.post(PATHS.accountSecondFactorConfirm, run(endpoints.account.secondFactor.confirm));
  for (const [name, path] of Object.entries(ACCOUNT_SECURITY_PATHS) as [keyof typeof ACCOUNT_SECURITY_PATHS, string][]) {
    if (name === 'show') app.get(path, run(endpoints.accountSecurity.show));
    else app.post(path, run(endpoints.accountSecurity[name]));
  }
  app.post(PATHS.secondFactor, run(endpoints.secondFactor));
  app.post(PATHS.passkeySignIn, run(endpoints.passkeySignIn));
  app.route({ method: ['GET', 'POST', 'OPTIONS'], url: PATHS.userinfo, handler: run(endpoints.userinfo, true) });
  app.route({ method: ['GET', 'OPTIONS'], url: PATHS.openidConfiguration, handler: run(endpoints.discovery, true) });
  app.route({ method: ['GET', 'OPTIONS'], url: PATHS.oauthMetadata, handler: run(endpoints.discovery, true) });
  app.route({ method: ['GET', 'OPTIONS'], url: PATHS.jwks, handler: run(endpoints.jwks, true) });
  app.route({ method: [...ANY], url: PATHS.adminAudit, handler: run(endpoints.adminAudit) });
  app.route({
    method: [...ANY],
    url: `${ADMIN_API_BASE}/*`,
    handler: async (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) =>
      // The raw (still percent-encoded) path: the admin API decodes each parameter once itself.
      sendProtocolResponse(reply, await endpoints.adminApi(toProtocolRequest(request, options.secureCookies), rawPathBelow(request.url, `${ADMIN_API_BASE}/`)), options.secureCookies),
  });
  // SCIM 2.0: one block; the core routes within it (Users, Groups, discovery).
  const runScim = async (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) =>
    sendProtocolResponse(reply, await endpoints.scim(toProtocolRequest(request, options.secureCookies), request.params['*']), options.secureCookies);
  app.route({ method: [...ANY], url: `${SCIM_PREFIX}/*`, handler: runScim });
  // The console's pages; the static /admin/audit and the /admin/v1/* block above take precedence in the router.
  const adminConsole = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) =>
    sendProtocolResponse(reply, await endpoints.adminConsole(toProtocolRequest(request, options.secureCookies), request.params['*'] ?? ''), options.secureCookies);
  app.route({ method: ['GET', 'POST'], url: ADMIN_CONSOLE_PATH, handler: adminConsole });
  app.route({ method: ['GET', 'POST'], url: `${ADMIN_CONSOLE_PATH}/*`, handler: adminConsole });
  app.get('/interaction/:id', runInteraction(endpoints.interaction.show));
  app.post('/interaction/:id/login', runInteraction(endpoints.interaction.login));
  app.post('/interaction/:id/consent', runInteraction(endpoints.interaction.consent));
  // The stylesheet (with the configured accent), a theme's stylesheet, the logo file.
  serveLook(app, look);
  app.get(PASSKEY_SCRIPT_PATH, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(PASSKEY_SCRIPT));
  app.get('/', run(endpoints.home));
  app.get('/health', run(endpoints.health));
  app.get('/ready', run(endpoints.ready));
  if (options.metrics) metricsRoute(app, options.metrics);
  return app;
}
