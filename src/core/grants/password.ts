import { randomUUID } from 'node:crypto';
import type { Grant } from './grant.js';
import { OAuthError } from '../errors.js';
import { optional, required } from '../params.js';
import { parseScope, requireAllowedScopes } from '../scopes.js';
import { checkCredentials } from '../accounts/sign-in.js';
import { mustVerifyFirst } from '../interaction/signup/verification.js';
import { issueFirstTokens } from './user-tokens.js';
import { recordConsent } from '../interaction/consent.js';
import { requestedApi } from '../apis/resources.js';
import { hasSecondFactor } from '../accounts/mfa.js';
import { hasPasskey } from '../accounts/passkeys.js';

/**
 * The resource owner password credentials grant (RFC 6749 §4.3), for legacy first-party apps only.
 * RFC 9700 §2.4 says it MUST NOT be used: the app sees the password, and no MFA or phishing-resistant
 * sign-in can happen. So it works only for confidential clients an operator allowed explicitly, and
 * it checks credentials exactly as the login page does.
 */
export const passwordGrant: Grant = {
  grantType: 'password',
  async handle(ctx, client, params, from) {
    if (client.type !== 'confidential') throw new OAuthError('unauthorized_client', 'the password grant needs a confidential client');
    const username = required(params, 'username');
    const password = required(params, 'password');
    const scopes = parseScope(optional(params, 'scope'));
    requireAllowedScopes(scopes, client.scopes);
    const result = await checkCredentials(ctx, from, username, password, { clientId: client.clientId, viaApp: client.clientId });
    if (!result.ok && result.busy) {
      throw new OAuthError('temporarily_unavailable', 'too many sign-ins are being checked; try again shortly', { status: 503, headers: { 'Retry-After': String(result.retryAfter ?? 1) } });
    }
    if (!result.ok && result.retryAfter !== undefined) {
      // The same lock as the login page; 429 tells the app to stop, Retry-After for how long.
      throw new OAuthError('invalid_grant', 'too many failed sign-ins; try again later', { status: 429, headers: { 'Retry-After': String(result.retryAfter) } });
    }
    if (!result.ok && result.refusal === 'directory_unavailable') {
      throw new OAuthError('temporarily_unavailable', 'the directory that holds this account does not answer; try again later', { status: 503, headers: { 'Retry-After': '30' } });
    }
    if (!result.ok) throw new OAuthError('invalid_grant', result.refusal ? 'this account cannot sign in here' : 'the username or password is wrong');
    // --require-verified-email holds on every way a password signs in.
    if (mustVerifyFirst(ctx, result.user)) throw new OAuthError('invalid_grant', 'the email address of this account is not confirmed yet');
    const { user } = result;
    // The password grant has no second step: an account or client that needs one must use the browser.
    // A passkey is a second factor as an authenticator app is: the browser sign-in asks for it, so this grant cannot skip it.
    if (ctx.config.mfa.policy === 'required' || client.requireMfa || (await hasSecondFactor(ctx, user.id)) || (await hasPasskey(ctx, user.id))) {
      throw new OAuthError('invalid_grant', 'this sign-in needs two-step verification, which the password grant cannot do');
    }

    const now = ctx.now();
    // A first-party app: consent is implied, but recorded so the user can see and revoke it on /account.
    const consent = await recordConsent(ctx, user.id, client.clientId, scopes, from);
    if (!consent) throw new OAuthError('invalid_grant', 'the user or the client is no longer active');
    const api = await requestedApi(ctx, client, optional(params, 'resource'));
    const resources = api ? [api.identifier] : [];
    const grant = { userId: user.id, scopes, authTime: now, amr: ['pwd'], nonce: null, familyId: randomUUID(), grantId: consent.grantId, resources, api };
    return issueFirstTokens(ctx, client, grant, now);
  },
};
