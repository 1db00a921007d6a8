import type { Grant } from './grant.js';
import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import type { CodeRecord } from '../../store/ports.js';
import { OAuthError } from '../errors.js';
import { sha256 } from '../crypto.js';
import { optional, required } from '../params.js';
import { verifyCodeVerifier } from '../pkce.js';
import { activeUser, issueFirstTokens } from './user-tokens.js';
import { revokeFamily } from '../lifecycle/revoke.js';
import type { Requester } from '../audit.js';

const invalidGrant = (why: string) => new OAuthError('invalid_grant', why);

/** Everything the token request must repeat from the authorization request (RFC 6749 §4.1.3, RFC 7636 §4.6). */
function checkBinding(record: CodeRecord, client: Client, params: Record<string, string>): void {
  if (record.clientId !== client.clientId) throw invalidGrant('the code was issued to another client');
  const redirectUri = optional(params, 'redirect_uri');
  if (record.redirectUriInRequest && redirectUri === undefined) throw new OAuthError('invalid_request', 'redirect_uri is required');
  if (redirectUri !== undefined && redirectUri !== record.redirectUri) throw invalidGrant('redirect_uri does not match the authorization request');
  verifyCodeVerifier(optional(params, 'code_verifier'), record.codeChallenge);
}

/** RFC 6749 §4.1.3 with PKCE; a code works once, and replaying it revokes what it issued (RFC 6749 §4.1.2). */
export const authorizationCodeGrant: Grant = {
  grantType: 'authorization_code',
  async handle(ctx: Context, client: Client, params: Record<string, string>, from: Requester) {
    const code = required(params, 'code');
    const now = ctx.now();
    const result = await ctx.stores.codes.consume(sha256(code), now);
    if (result.status === 'unknown') throw invalidGrant('the code is invalid');
    if (result.status === 'consumed') {
      // Only an otherwise valid request proves it comes from the code's rightful client.
      checkBinding(result.record, client, params);
      await revokeFamily(ctx.stores, result.record.familyId, now);
      await ctx.audit.record({ type: 'code.replay', outcome: 'failure', userId: result.record.userId, clientId: client.clientId, ...from, reason: 'family_revoked' });
      throw invalidGrant('the code was already used; tokens issued from it are revoked');
    }
    const record = result.record;
    checkBinding(record, client, params);
    if (record.expiresAt <= now) throw invalidGrant('the code has expired');
    await activeUser(ctx, record.userId);

    const grant = {
      userId: record.userId,
      scopes: record.scopes,
      authTime: record.authTime,
      amr: record.amr,
      nonce: record.nonce,
      familyId: record.familyId,
      grantId: record.grantId,
    };
    return issueFirstTokens(ctx, client, grant, now);
  },
};
