import { randomUUID } from 'node:crypto';
import type { Context } from '../context.js';
import { randomToken, sha256 } from '../crypto.js';
import type { CookieToSet, ProtocolResponse } from '../protocol.js';
import { redirectWith, type AuthorizationRequest } from '../endpoints/authorize/request.js';
import type { Authentication } from '../tokens/id-token.js';

/** Issues an authorization code bound to the request, user and grant, and sends the browser back (RFC 6749 §4.1.2). */
export async function issueCode(
  ctx: Context,
  request: AuthorizationRequest,
  userId: string,
  auth: Authentication,
  grantId: string,
  cookies: CookieToSet[] = [],
): Promise<ProtocolResponse> {
  const code = randomToken(32);
  const now = ctx.now();
  await ctx.stores.codes.save({
    codeHash: sha256(code),
    clientId: request.clientId,
    userId,
    redirectUri: request.redirectUri,
    redirectUriInRequest: request.redirectUriInRequest,
    codeChallenge: request.codeChallenge,
    scopes: request.scopes,
    nonce: request.nonce ?? null,
    authTime: auth.time,
    amr: auth.amr,
    grantId,
    familyId: randomUUID(),
    resources: request.resources ?? [],
    createdAt: now,
    expiresAt: now + ctx.config.ttl.authorizationCode,
  });
  const location = redirectWith(request.redirectUri, { code, state: request.state, iss: ctx.config.issuer });
  return { kind: 'redirect', location, cookies };
}
