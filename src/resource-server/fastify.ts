import type { FastifyReply, FastifyRequest } from 'fastify';
import { BearerError, bearerResponse } from './bearer-error.js';
import { IssuerUnavailableError } from './issuer-error.js';
import type { Guard, VerifiedToken } from './guard.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireScope: the verified access token of the request. */
    accessToken?: VerifiedToken;
  }
}

/**
 * A Fastify preHandler that lets a request through only with a valid access token holding every
 * one of `scopes`: `app.get('/photos', { preHandler: requireScope(guard, 'photos:read') }, …)`.
 */
export function requireScope(guard: Guard, ...scopes: string[]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      request.accessToken = await guard.verifyAccessToken(request, scopes);
    } catch (e) {
      if (!(e instanceof BearerError)) throw e;
      // The caller gets a bare 503; the cause (which URL, what failed) goes to the application's log.
      if (e instanceof IssuerUnavailableError) request.log.error({ err: e, problem: e.problem, urls: e.urls }, e.message);
      const answer = bearerResponse(e, guard.realm, guard.resourceMetadataUrl);
      await reply.code(answer.status).headers(answer.headers).send(answer.body);
    }
  };
}
