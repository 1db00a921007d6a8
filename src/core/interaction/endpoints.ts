import type { Context } from '../context.js';
import { msg, type Message } from '../message.js';
import { inLanguageOf } from './language.js';
import type { Client } from '../clients/client.js';
import { OAuthError } from '../errors.js';
import { safeEqual, sha256 } from '../crypto.js';
import { errorPage, type CookieToSet, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { errorRedirect, type AuthorizationRequest } from '../endpoints/authorize/request.js';
import type { InteractionRecord } from '../../store/ports.js';
import { BROWSER_COOKIE, currentSession, type ActiveSession } from './session.js';
import { afterPassword, stepUp, type Requirement } from './second-factor.js';
import type { Authentication } from '../tokens/id-token.js';
import { consentToIssueUnder } from './decide.js';
import { issueCode } from './issue-code.js';
import { checkCredentials, refusedSignIn, signInRefusal } from '../accounts/sign-in.js';
import { DEVICE_COOKIE } from '../accounts/device-cookie.js';
import { describeScopes } from '../apis/scope-descriptions.js';
import { homeRealm, loginChoices, providerForAddress, startUrl } from '../federation/choices.js';
import { assuranceMet, phishingResistantRequired, secondFactorRequired } from './assurance.js';
import { requester, type Requester } from '../audit.js';
import { recordConsent } from './consent.js';
import { formWithCsrf } from './form-token.js';
import { redirectDestination, showableLogo } from '../clients/logo.js';
import { mustVerifyFirst, unverifiedPage } from './signup/verification.js';
import { passkeySignInPrompt } from './passkey-sign-in.js';

export interface LiveInteraction {
  record: InteractionRecord;
  request: AuthorizationRequest;
  client: Client;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const expired = (): ProtocolResponse =>
  errorPage(400, 'invalid_request', msg('errors:interactionExpired'));

/** Finds an interaction that is live, belongs to this browser, and whose client is still enabled. */
export async function load(ctx: Context, req: ProtocolRequest, id: string): Promise<LiveInteraction | undefined> {
  if (!UUID.test(id)) return undefined;
  const record = await ctx.stores.interactions.find(id);
  if (!record || record.expiresAt <= ctx.now()) return undefined;
  const browser = req.cookies[BROWSER_COOKIE];
  if (!browser || !safeEqual(sha256(browser), record.browserHash)) return undefined;
  const client = await ctx.stores.clients.find(record.clientId);
  if (!client || client.disabled) return undefined;
  return { record, request: JSON.parse(record.request) as AuthorizationRequest, client };
}

/** The browser's session, if it is the one that signed this interaction's user in. */
async function signedInSession(ctx: Context, req: ProtocolRequest, live: LiveInteraction): Promise<ActiveSession | undefined> {
  const session = await currentSession(ctx, req);
  if (!session || live.record.sessionHash === null || !safeEqual(session.record.idHash, live.record.sessionHash) || session.user.id !== live.record.userId) return undefined;
  return session;
}

/** The form of a page POST, with its CSRF token checked; undefined when it is not a valid post of this interaction. */
function postedForm(req: ProtocolRequest, live: LiveInteraction): Record<string, string> | undefined {
  return formWithCsrf(req, live.record.csrfToken);
}

/** What this authorization request requires of the sign-in. */
export function requirementOf(ctx: Context, live: LiveInteraction): Requirement {
  return {
    secondFactor: secondFactorRequired(ctx, live.client, live.request.acrValues),
    clientId: live.client.clientId,
    phishingResistant: phishingResistantRequired(live.client, live.request.acrValues),
  };
}

/** Whether the authentication recorded for this interaction meets what its client and request require. */
const assured = (ctx: Context, live: LiveInteraction) => assuranceMet(ctx, live.client, live.record.amr, live.request.acrValues);

export async function loginPage(ctx: Context, req: ProtocolRequest, live: LiveInteraction, username: string, error?: Message): Promise<ProtocolResponse> {
  const browser = req.cookies[BROWSER_COOKIE];
  const passkey = browser === undefined ? undefined : await passkeySignInPrompt(ctx, browser, { interactionId: live.record.id }, live.record.csrfToken);
  return {
    kind: 'page',
    status: 200,
    page: 'login',
    data: {
      action: `${ctx.config.issuer}/interaction/${live.record.id}/login`,
      csrfToken: live.record.csrfToken,
      clientName: live.client.name,
      username,
      ...(await loginChoices(ctx, { interactionId: live.record.id })),
      ...(error ? { error } : {}),
      ...(passkey ? { passkey } : {}),
    },
  };
}

/**
 * The provider this request asks for (`idp=NAME`), or whose domain its `login_hint` names
 * (home-realm discovery): the sign-in goes straight there.
 */
async function requestedProvider(ctx: Context, live: LiveInteraction): Promise<string | undefined> {
  const named = live.request.idp === undefined ? undefined : await ctx.federation.byName(live.request.idp);
  if (named && named.kind !== 'ldap') return named.name;
  return live.request.loginHint ? (await providerForAddress(ctx, live.request.loginHint))?.name : undefined;
}

async function consentPage(ctx: Context, live: LiveInteraction): Promise<ProtocolResponse> {
  const user = live.record.userId ? await ctx.stores.users.findById(live.record.userId) : undefined;
  if (!user) return expired();
  const logo = showableLogo(live.client.extras.logo_uri, ctx.config.issuer);
  const description = live.client.extras.description;
  return {
    kind: 'page',
    status: 200,
    page: 'consent',
    data: {
      action: `${ctx.config.issuer}/interaction/${live.record.id}/consent`,
      csrfToken: live.record.csrfToken,
      clientName: live.client.name,
      username: user.username,
      unverified: live.client.origin !== 'operator',
      scopes: await describeScopes(ctx, live.request.scopes),
      ...(logo ? { logoUri: logo } : {}),
      ...(description ? { description } : {}),
      redirectTo: redirectDestination(live.request.redirectUri),
    },
  };
}

/**
 * Finishes with a code when consent already covers the request (or is implied: a first-party app),
 * else shows the consent page. When the authentication falls short of what the client requires,
 * the interaction page asks for more.
 */
export async function afterLogin(ctx: Context, live: LiveInteraction, userId: string, auth: Authentication, cookies: CookieToSet[], from: Requester): Promise<ProtocolResponse> {
  const grantId = assuranceMet(ctx, live.client, auth.amr, live.request.acrValues) ? await consentToIssueUnder(ctx, live.client, live.request, userId, from) : undefined;
  if (grantId === undefined) {
    return { kind: 'redirect', location: `${ctx.config.issuer}/interaction/${live.record.id}`, cookies };
  }
  await ctx.stores.interactions.delete(live.record.id);
  return issueCode(ctx, live.request, userId, auth, grantId, cookies);
}

/** The login and consent steps of an authorization request (DESIGN.md §7 describes the forms). */
export function interactionEndpoints(ctx: Context) {
  const steps = {
    async show(req: ProtocolRequest, live: LiveInteraction): Promise<ProtocolResponse> {
      if (live.record.userId === null || live.record.authTime === null) {
        const provider = await requestedProvider(ctx, live);
        if (provider) return { kind: 'redirect', location: startUrl(ctx, provider, { interactionId: live.record.id }) };
        return loginPage(ctx, req, live, live.request.loginHint ?? '');
      }
      // Only the session that signed this request in may go on with it: not one signed in later, nor none.
      const session = await signedInSession(ctx, req, live);
      if (!session) return expired();
      if (!assured(ctx, live)) {
        // Signed in without the second factor this client requires: step up in this session.
        if (!assuranceMet(ctx, live.client, session.record.amr, live.request.acrValues)) return stepUp(ctx, session, { interactionId: live.record.id }, live.client.clientId, requester(req), phishingResistantRequired(live.client, live.request.acrValues));
        // Proved meanwhile (another tab): take the session's stronger authentication.
        await ctx.stores.interactions.setUser(live.record.id, session.user.id, live.record.authTime, session.record.amr, session.record.idHash);
        live.record.amr = session.record.amr;
      }
      // Signed in, and consent may already cover the request (after setting up a second factor), or be implied.
      const grantId = await consentToIssueUnder(ctx, live.client, live.request, live.record.userId, requester(req));
      if (grantId === undefined) return consentPage(ctx, live);
      await ctx.stores.interactions.delete(live.record.id);
      return issueCode(ctx, live.request, live.record.userId, { time: live.record.authTime, amr: live.record.amr }, grantId);
    },

    async login(req: ProtocolRequest, live: LiveInteraction): Promise<ProtocolResponse> {
      const form = postedForm(req, live);
      if (!form) return errorPage(403, 'invalid_request', msg('errors:formBack'));
      const username = (form['username'] ?? '').trim();
      const password = form['password'] ?? '';
      // An address whose domain a provider claims signs in there; its password is never looked at here.
      const home = await homeRealm(ctx, username, password);
      if (home) return { kind: 'redirect', location: startUrl(ctx, home.name, { interactionId: live.record.id }) };
      if (username === '' || password === '') return loginPage(ctx, req, live, username, msg('login:error.enterBoth'));

      const result = await checkCredentials(ctx, requester(req), username, password, { clientId: live.client.clientId, browser: { deviceCookie: req.cookies[DEVICE_COOKIE] } });
      if (!result.ok) return refusedSignIn(await loginPage(ctx, req, live, username, signInRefusal(result)), result);
      // --require-verified-email: the password was right, but the sign-in ends here until the address is confirmed.
      if (mustVerifyFirst(ctx, result.user)) return unverifiedPage(ctx, req, result.user);
      return afterPassword(ctx, req, result.user, requirementOf(ctx, live), result.risk, { interactionId: live.record.id }, result.cookies);
    },

    async consent(req: ProtocolRequest, live: LiveInteraction): Promise<ProtocolResponse> {
      const form = postedForm(req, live);
      if (!form) return errorPage(403, 'invalid_request', msg('errors:formBack'));
      const session = await signedInSession(ctx, req, live);
      const userId = live.record.userId;
      if (!userId || !session || live.record.authTime === null) return expired();
      // Consent is never the way around a second factor the client requires: back to the step-up.
      if (!assured(ctx, live)) return { kind: 'redirect', location: `${ctx.config.issuer}/interaction/${live.record.id}` };

      const decision = form['decision'];
      if (decision !== 'allow' && decision !== 'deny') return errorPage(400, 'invalid_request', msg('errors:chooseDecision'));
      await ctx.stores.interactions.delete(live.record.id);
      if (decision === 'deny') {
        const e = new OAuthError('access_denied', 'the user denied the request');
        return { kind: 'redirect', location: errorRedirect(ctx.config.issuer, live.request.redirectUri, live.request.state, e) };
      }
      const grant = await recordConsent(ctx, userId, live.client.clientId, live.request.scopes, requester(req));
      if (!grant) return expired();
      return issueCode(ctx, live.request, userId, { time: live.record.authTime, amr: live.record.amr }, grant.grantId);
    },
  };
  /** Each step of a live interaction, whose pages speak the language its client asked for (`ui_locales`). */
  const step =
    (run: (req: ProtocolRequest, live: LiveInteraction) => Promise<ProtocolResponse>) =>
    async (req: ProtocolRequest, id: string): Promise<ProtocolResponse> => {
      const live = await load(ctx, req, id);
      if (!live) return expired();
      return inLanguageOf(live.request, await run(req, live));
    };
  return { show: step(steps.show), login: step(steps.login), consent: step(steps.consent) };
}
