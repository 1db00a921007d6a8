import type { Grant } from './grant.js';
import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import type { CodeRecord } from '../../store/ports.js';
import { OAuthError } from '../errors.js';
import { sha256 } from '../crypto.js';
import { optional, required } from '../params.js';
import { verifyCodeVerifier } from '../pkce.js';
import { activeUser, issueFirstTokens } from './user-tokens.js';
import { familyMarkUntil, revokeFamily } from '../lifecycle/revoke.js';
import { grantedApi } from '../apis/resources.js';
import type { Requester } from '../audit.js';

const invalidGrant = (why: string) => new OAuthError('invalid_grant', why);

/**
 * What in the token request fails to repeat the authorization request (RFC 6749 §4.1.3, RFC 7636
 * §4.6): the audit reason and the error to answer; undefined when everything matches.
 */
function bindingMismatch(record: CodeRecord, client: Client, params: Record<string, string>): { reason: string; error: OAuthError } | undefined {
  if (record.clientId !== client.clientId) return { reason: 'other_client', error: invalidGrant('the code was issued to another client') };
  const redirectUri = optional(params, 'redirect_uri');
  if (record.redirectUriInRequest && redirectUri === undefined) return { reason: 'redirect_uri_missing', error: new OAuthError('invalid_request', 'redirect_uri is required') };
  if (redirectUri !== undefined && redirectUri !== record.redirectUri) return { reason: 'redirect_uri_mismatch', error: invalidGrant('redirect_uri does not match the authorization request') };
  try {
    verifyCodeVerifier(optional(params, 'code_verifier'), record.codeChallenge);
  } catch (e) {
    if (e instanceof OAuthError) return { reason: 'code_verifier_mismatch', error: e };
    throw e;
  }
  return undefined;
}

/**
 * RFC 6749 §4.1.3 with PKCE; a code works once, and replaying it revokes what it issued (RFC 6749
 * §4.1.2). The binding is checked before the code is consumed: a request that cannot be the
 * rightful client's (another client, a wrong redirect_uri or verifier) is misuse. It neither
 * spends the code nor revokes anything, so it cannot make the rightful redemption look like a replay.
 */
export const authorizationCodeGrant: Grant = {
  grantType: 'authorization_code',
  async handle(ctx: Context, client: Client, params: Record<string, string>, from: Requester) {
    const codeHash = sha256(required(params, 'code'));
    const now = ctx.now();
    const found = await ctx.stores.codes.find(codeHash);
    if (!found) throw invalidGrant('the code is invalid');
    const mismatch = bindingMismatch(found, client, params);
    if (mismatch) {
      await ctx.audit.record({ type: 'code.misuse', outcome: 'failure', userId: found.userId, clientId: client.clientId, ...from, reason: mismatch.reason });
      throw mismatch.error;
    }
    // RFC 8707 §2.2: the token request may name one of the granted APIs, not another; checked before the code is spent.
    const api = await grantedApi(ctx, found.resources, optional(params, 'resource'), found.createdAt);
    const result = await ctx.stores.codes.consume(codeHash, now);
    if (result.status === 'unknown') throw invalidGrant('the code is invalid');
    if (result.status === 'consumed') {
      // The request is otherwise valid, so it comes from the code's rightful client: a true replay.
      await revokeFamily(ctx.stores, result.record.familyId, now, familyMarkUntil(ctx.config, now, client));
      await ctx.audit.record({ type: 'code.replay', outcome: 'failure', userId: result.record.userId, clientId: client.clientId, ...from, reason: 'family_revoked' });
      throw invalidGrant('the code was already used; tokens issued from it are revoked');
    }
    const record = result.record;
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
      resources: record.resources,
      api,
    };
    return issueFirstTokens(ctx, client, grant, now);
  },
};
