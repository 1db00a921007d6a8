import type { FastifyReply, FastifyRequest } from 'fastify';
import { BearerError, bearerResponse } from './bearer-error.js';
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
      const answer = bearerResponse(e, guard.realm, guard.resourceMetadataUrl);
      await reply.code(answer.status).headers(answer.headers).send(answer.body);
    }
  };
}
