import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BearerError, bearerResponse, createGuard, type GuardOptions } from '../../src/resource-server/index.js';

/** A request as the API saw it: the token it carried, its body and the status it got. */
export interface ApiCall {
  token: string | undefined;
  body: string;
  status: number;
}

export interface BearerApi {
  url: string;
  calls: ApiCall[];
  close(): Promise<void>;
}

/**
 * A tiny API behind Tessera's resource-server guard: answers 200 `{ sub, body }` (the request body
 * echoed) to a valid token and RFC 6750 errors otherwise, and records every call. No clock
 * leeway, so an expired token is a 401.
 */
export async function startBearerApi(issuer: string, options: Partial<GuardOptions> = {}): Promise<BearerApi> {
  const guard = createGuard({ issuer, audience: issuer, clockToleranceSeconds: 0, ...options });
  const calls: ApiCall[] = [];
  const server: Server = createServer(async (request, response) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    let body = '';
    for await (const chunk of request) body += String(chunk);
    try {
      const verified = await guard.verifyAccessToken(request);
      calls.push({ token, body, status: 200 });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: verified.sub, body }));
    } catch (e) {
      const error = e instanceof BearerError ? e : new BearerError('temporarily_unavailable', String(e));
      const refusal = bearerResponse(error, 'test');
      calls.push({ token, body, status: refusal.status });
      response.writeHead(refusal.status, { ...refusal.headers, 'content-type': 'application/json' }).end(JSON.stringify(refusal.body));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
