import { BearerError, bearerResponse } from './bearer-error.js';
import type { Guard, RequestLike, VerifiedToken } from './guard.js';

/** The parts of Express's request and response the middleware uses (no dependency on Express itself). */
interface ExpressRequest extends RequestLike {
  accessToken?: VerifiedToken;
}
interface ExpressResponse {
  status(code: number): ExpressResponse;
  set(headers: Record<string, string>): ExpressResponse;
  json(body: unknown): unknown;
}

/**
 * Express middleware that lets a request through only with a valid access token holding every one
 * of `scopes`: `app.get('/photos', requireScope(guard, 'photos:read'), …)`; the token is `req.accessToken`.
 */
export function requireScope(guard: Guard, ...scopes: string[]) {
  return (req: ExpressRequest, res: ExpressResponse, next: (err?: unknown) => void): void => {
    guard.verifyAccessToken(req, scopes).then(
      (token) => {
        req.accessToken = token;
        next();
      },
      (e: unknown) => {
        if (!(e instanceof BearerError)) return next(e);
        const answer = bearerResponse(e, guard.realm, guard.resourceMetadataUrl);
        res.status(answer.status).set(answer.headers).json(answer.body);
      },
    );
  };
}
