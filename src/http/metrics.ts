import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { nameNoClient, notedError, noteError } from './request-log.js';

/** The metrics as Prometheus reads them. */
export type RenderMetrics = () => Promise<{ contentType: string; body: string }>;

/** How `/metrics` is served: `token`, when set, must come as `Authorization: Bearer <token>`. */
export interface MetricsAccess {
  token?: string;
  render: RenderMetrics;
}

/** What the shell reports of each finished request. */
export type RequestObserver = (request: { route: string; method: string; status: number; seconds: number; error: string | undefined }) => void;

export const METRICS_PATH = '/metrics';

/** Reports every answered request: its route pattern (bounded, unlike the URL), status, time and OAuth error code. */
export function observeRequests(app: FastifyInstance, observe: RequestObserver): void {
  app.addHook('onResponse', (request, reply, done) => {
    observe({ route: request.routeOptions.url ?? 'unmatched', method: request.method, status: reply.statusCode, seconds: reply.elapsedTime / 1000, error: notedError(request) });
    done();
  });
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares in constant time: both sides are hashed first, so neither the content nor the length leaks. */
function bearerMatches(header: string | undefined, token: Buffer): boolean {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), token);
}

/** Adds GET /metrics to `app`. */
export function metricsRoute(app: FastifyInstance, access: MetricsAccess): void {
  const token = access.token === undefined ? undefined : digest(access.token);
  app.get(METRICS_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('Cache-Control', 'no-store');
    if (token && !bearerMatches(request.headers.authorization, token)) {
      const refusal = { error: 'invalid_token', error_description: 'the metrics need the bearer token from --metrics-token-file' };
      noteError(request, refusal);
      // A scraper set up with basic_auth may carry the token as its user name: not a client id to log.
      nameNoClient(request);
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="metrics"')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(refusal));
    }
    const { contentType, body } = await access.render();
    return reply.type(contentType).send(body);
  });
}

/** A listener of its own for /metrics (`--metrics-port`), answering nothing else. */
export function metricsApp(access: MetricsAccess): FastifyInstance {
  const app = Fastify({ logger: false });
  metricsRoute(app, access);
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'not_found', error_description: `only ${METRICS_PATH} is served here` })));
  return app;
}
