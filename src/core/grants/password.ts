import { randomUUID } from 'node:crypto';
import type { Grant } from './grant.js';
import { OAuthError } from '../errors.js';
import { optional, required } from '../params.js';
import { parseScope, requireAllowedScopes } from '../scopes.js';
import { checkCredentials } from '../accounts/sign-in.js';
import { issueFirstTokens } from './user-tokens.js';

/**
 * The resource owner password credentials grant (RFC 6749 §4.3), for legacy first-party apps only.
 * RFC 9700 §2.4 says it MUST NOT be used: the app sees the password, and no MFA or phishing-resistant
 * sign-in can happen. So it works only for confidential clients an operator allowed explicitly, and
 * it checks credentials exactly as the login page does.
 */
export const passwordGrant: Grant = {
  grantType: 'password',
  async handle(ctx, client, params) {
    if (client.type !== 'confidential') throw new OAuthError('unauthorized_client', 'the password grant needs a confidential client');
    const username = required(params, 'username');
    const password = required(params, 'password');
    const scopes = parseScope(optional(params, 'scope'));
    requireAllowedScopes(scopes, client.scopes);
    const user = await checkCredentials(ctx, username, password);
    if (!user) throw new OAuthError('invalid_grant', 'the username or password is wrong');

    const now = ctx.now();
    // A first-party app: consent is implied, but recorded so the user can see and revoke it on /account.
    const existing = await ctx.stores.grants.find(user.id, client.clientId);
    const consent = await ctx.stores.grants.upsert(user.id, client.clientId, [...new Set([...(existing?.scopes ?? []), ...scopes])], now);
    const grant = { userId: user.id, scopes, authTime: now, nonce: null, familyId: randomUUID(), grantId: consent.grantId };
    return issueFirstTokens(ctx, client, grant, now);
  },
};
