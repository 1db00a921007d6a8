import { randomUUID } from 'node:crypto';
import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import { OAuthError } from '../errors.js';
import { randomToken, sha256 } from '../crypto.js';
import { isSubset } from '../scopes.js';
import type { ProtocolRequest, ProtocolResponse } from '../protocol.js';
import { errorRedirect, type AuthorizationRequest } from '../endpoints/authorize/request.js';
import { browserBinding, currentSession } from './session.js';
import { issueCode } from './issue-code.js';
import { assuranceMet } from './assurance.js';
import { recordConsent } from './consent.js';
import { requester, type Requester } from '../audit.js';

/** True when the user must (re-)authenticate for this request (OpenID Connect Core §3.1.2.1). */
export function needsLogin(request: AuthorizationRequest, authTime: number | undefined, now: number): boolean {
  if (authTime === undefined) return true;
  if (request.prompt.includes('login') || request.prompt.includes('select_account')) return true;
  if (request.maxAge === undefined) return false;
  // max_age=0 is prompt=login, even within the second of the last login.
  return request.maxAge === 0 || now - authTime > request.maxAge;
}

/** The consent that covers this request, or undefined when the user must be asked. */
export async function coveringGrant(ctx: Context, request: AuthorizationRequest, userId: string): Promise<string | undefined> {
  if (request.prompt.includes('consent')) return undefined;
  const grant = await ctx.stores.grants.find(userId, request.clientId);
  return grant && isSubset(request.scopes, grant.scopes) ? grant.grantId : undefined;
}

/**
 * Whether users of this client give their consent without being asked: an app the operator marked
 * first-party (never one that registered itself), unless the request asks for the page with
 * prompt=consent (OpenID Connect Core §3.1.2.1).
 */
export function consentImplied(client: Client, request: AuthorizationRequest): boolean {
  return client.firstParty && client.origin === 'operator' && !request.prompt.includes('consent');
}

/**
 * The consent to issue a code under, once the user is signed in well enough: the remembered one
 * that covers the request, else for a first-party app one recorded now, as a grant like any other
 * (listed and revocable on /account) and audited as given automatically. Undefined: ask the user.
 */
export async function consentToIssueUnder(ctx: Context, client: Client, request: AuthorizationRequest, userId: string, from: Requester): Promise<string | undefined> {
  const covering = await coveringGrant(ctx, request, userId);
  if (covering !== undefined || !consentImplied(client, request)) return covering;
  return (await recordConsent(ctx, userId, client.clientId, request.scopes, from, 'automatic'))?.grantId;
}

/**
 * After a valid authorization request: answer at once when the SSO session and a remembered
 * consent allow it, fail for prompt=none when they do not, and otherwise start an interaction
 * (login and/or consent pages).
 */
export async function continueAuthorization(ctx: Context, req: ProtocolRequest, client: Client, request: AuthorizationRequest): Promise<ProtocolResponse> {
  const now = ctx.now();
  const session = await currentSession(ctx, req);
  const loginNeeded = needsLogin(request, session?.record.authTime, now);
  // An SSO session counts only with the second factor this client, the policy or acr_values require.
  const assured = session !== undefined && assuranceMet(ctx, client, session.record.amr, request.acrValues);
  const grantId = session && !loginNeeded && assured ? await consentToIssueUnder(ctx, client, request, session.user.id, requester(req)) : undefined;

  if (session && !loginNeeded && grantId !== undefined) {
    return issueCode(ctx, request, session.user.id, { time: session.record.authTime, amr: session.record.amr }, grantId);
  }
  if (request.prompt.includes('none')) {
    const e = loginNeeded
      ? new OAuthError('login_required', 'the user is not signed in')
      : !assured
        ? new OAuthError('interaction_required', 'the user must complete two-step verification')
        : new OAuthError('consent_required', 'the user has not consented to this request');
    return { kind: 'redirect', location: errorRedirect(ctx.config.issuer, request.redirectUri, request.state, e) };
  }

  const browser = browserBinding(req);
  const id = randomUUID();
  await ctx.stores.interactions.create({
    id,
    browserHash: sha256(browser.value),
    csrfToken: randomToken(32),
    clientId: client.clientId,
    request: JSON.stringify(request),
    userId: session && !loginNeeded ? session.user.id : null,
    authTime: session && !loginNeeded ? session.record.authTime : null,
    amr: session && !loginNeeded ? session.record.amr : [],
    sessionHash: session && !loginNeeded ? session.record.idHash : null,
    createdAt: now,
    expiresAt: now + ctx.config.ttl.interaction,
  });
  return { kind: 'redirect', location: `${ctx.config.issuer}/interaction/${id}`, cookies: browser.cookies };
}
