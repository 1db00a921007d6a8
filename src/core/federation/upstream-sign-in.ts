import type { Context } from '../context.js';
import { msg, type Message } from '../message.js';
import { requester } from '../audit.js';
import { randomToken, safeEqual, seal, sha256, unseal } from '../crypto.js';
import { errorPage, page, type CookieToSet, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { PATHS } from '../endpoints/discovery.js';
import { BROWSER_COOKIE, browserBinding } from '../interaction/session.js';
import { safeReturnPath } from '../interaction/sign-in.js';
import { afterPassword, type NextStep, type Requirement } from '../interaction/second-factor.js';
import { load, requirementOf } from '../interaction/endpoints.js';
import { checkedForm, formToken } from '../interaction/form-token.js';
import { secondFactorRequired } from '../interaction/assurance.js';
import { checkCredentials, refusedSignIn, signInRefusal } from '../accounts/sign-in.js';
import { DEVICE_COOKIE } from '../accounts/device-cookie.js';
import { loginRisk } from '../accounts/risk.js';
import type { User } from '../../store/ports.js';
import { callbackUrl } from './providers.js';
import { UpstreamError, type UpstreamClaims } from './ports.js';
import { linkIdentity, upstreamAccount, type ProvidedIdentity } from './accounts.js';
import type { UpstreamProvider } from './registry.js';

const LINK_FORM = 'federation-link';
/**
 * RFC 8176 values an upstream provider may assert, carried into Tessera's session and ID tokens.
 * Not `hwk`/`swk`: here they say a passkey of this server was used, which `acr` phr and a client's
 * phishing-resistant level stand on; a provider's key says nothing of a sign-in at Tessera's origin
 * (its `mfa` still counts as the second factor).
 */
const KNOWN_AMR = ['pwd', 'otp', 'mfa', 'pin', 'fpt', 'face', 'sms', 'kba', 'user', 'pop', 'sc', 'rba', 'geo', 'iris', 'retina', 'vbm', 'wia', 'tel', 'mca'];

const encodeNext = (next: NextStep): string => ('interactionId' in next ? `interaction:${next.interactionId}` : next.returnTo);
const decodeNext = (value: string): NextStep => (value.startsWith('interaction:') ? { interactionId: value.slice('interaction:'.length) } : { returnTo: safeReturnPath(value) });

const unknownProvider = (): ProtocolResponse => errorPage(404, 'invalid_request', msg('errors:unknownProvider'));
const expired = (): ProtocolResponse => errorPage(400, 'invalid_request', msg('errors:upstreamExpired'));

/** Where a sign-in started at /federation/NAME/start continues: a live interaction of this browser, or one of Tessera's pages. */
async function nextOf(ctx: Context, req: ProtocolRequest): Promise<NextStep | undefined> {
  const interaction = req.query['interaction']?.[0];
  if (interaction !== undefined) return (await load(ctx, req, interaction)) ? { interactionId: interaction } : undefined;
  return { returnTo: safeReturnPath(req.query['return_to']?.[0]) };
}

/** What the sign-in must prove: the interaction's client and request, or the server's policy for Tessera's own pages. */
async function requirementFor(ctx: Context, req: ProtocolRequest, next: NextStep): Promise<Requirement | undefined> {
  if (!('interactionId' in next)) return { secondFactor: secondFactorRequired(ctx, null), clientId: null };
  const live = await load(ctx, req, next.interactionId);
  return live ? requirementOf(ctx, live) : undefined;
}

async function upstreamProvider(ctx: Context, name: string): Promise<UpstreamProvider | undefined> {
  const provider = await ctx.federation.byName(name);
  return provider && provider.kind !== 'ldap' ? provider : undefined;
}

const identityOf = (claims: UpstreamClaims): ProvidedIdentity => ({ subject: claims.subject, username: claims.username, email: claims.email, emailVerified: claims.emailVerified, name: claims.name, groups: claims.groups });

/** Signs the user in after the provider vouched for them: the second factor policy applies as to a password sign-in. */
async function signIn(ctx: Context, req: ProtocolRequest, user: User, next: NextStep, amr: string[], cookies: CookieToSet[] = []): Promise<ProtocolResponse> {
  const requirement = await requirementFor(ctx, req, next);
  if (!requirement) return expired();
  const risk = await loginRisk(ctx, user.id, requester(req));
  return afterPassword(ctx, req, user, requirement, risk, next, cookies, amr);
}

/** A pending link, waiting for the user to prove the local account (or choose a new one): server-side, for this browser. */
async function pendingLinkPage(ctx: Context, req: ProtocolRequest, provider: UpstreamProvider, claims: UpstreamClaims, next: NextStep, error?: Message, status = 200): Promise<ProtocolResponse> {
  const browser = browserBinding(req);
  const token = randomToken(32);
  const now = ctx.now();
  await ctx.stores.federationStates.create({
    stateHash: sha256(`link:${token}`),
    providerId: provider.id,
    browserHash: sha256(browser.value),
    nonce: '',
    verifierSealed: seal(ctx.pepper, JSON.stringify(claims), 'pkce_verifier'),
    next: encodeNext(next),
    createdAt: now,
    expiresAt: now + ctx.config.ttl.interaction,
  });
  return page(
    status,
    'link-account',
    {
      action: ctx.config.issuer + PATHS.federationLink,
      csrfToken: formToken(ctx, LINK_FORM, browser.value),
      hidden: { link: token },
      providerName: provider.displayName,
      email: claims.email ?? '',
      username: '',
      ...(error ? { error } : {}),
    },
    browser.cookies,
  );
}

/** The sign-in at an upstream provider: /federation/NAME/start, /federation/NAME/callback, and /federation/link. */
export function upstreamSignInEndpoints(ctx: Context) {
  return {
    async start(req: ProtocolRequest, name: string): Promise<ProtocolResponse> {
      const provider = await upstreamProvider(ctx, name);
      if (!provider) return unknownProvider();
      const next = await nextOf(ctx, req);
      if (!next) return expired();
      const browser = browserBinding(req);
      const state = randomToken(32);
      const nonce = randomToken(32);
      // RFC 7636 §4.1: 43 characters from the unreserved set.
      const codeVerifier = randomToken(32);
      const now = ctx.now();
      let location: string;
      try {
        location = await ctx.federation.upstream(provider).authorizationUrl({ redirectUri: callbackUrl(ctx.config.issuer, provider), state, nonce, codeVerifier });
      } catch (e) {
        const message = e instanceof UpstreamError ? e.message : 'it did not answer';
        return errorPage(503, 'temporarily_unavailable', msg('errors:upstreamUnreachable', { provider: provider.displayName, detail: message }));
      }
      await ctx.stores.federationStates.create({
        stateHash: sha256(state),
        providerId: provider.id,
        browserHash: sha256(browser.value),
        nonce,
        verifierSealed: seal(ctx.pepper, codeVerifier, 'pkce_verifier'),
        next: encodeNext(next),
        createdAt: now,
        expiresAt: now + ctx.config.ttl.interaction,
      });
      return { kind: 'redirect', location, cookies: browser.cookies };
    },

    async callback(req: ProtocolRequest, name: string): Promise<ProtocolResponse> {
      const callbackQuery = req.rawQuery ?? '';
      const provider = await upstreamProvider(ctx, name);
      if (!provider) return unknownProvider();
      const from = requester(req);
      const about = { ...from, reason: null as string | null };
      const fail = async (reason: string, response: ProtocolResponse) => {
        await ctx.audit.record({ type: 'login.failure', ...about, reason: `${reason}:${provider.name}` });
        return response;
      };
      const state = req.query['state'];
      if (!state || state.length !== 1 || !state[0]) return fail('state_mismatch', expired());
      // Single use: the record is taken out whatever happens next.
      const record = await ctx.stores.federationStates.consume(sha256(state[0]), ctx.now());
      const browser = req.cookies[BROWSER_COOKIE];
      if (!record || record.providerId !== provider.id || !browser || !safeEqual(sha256(browser), record.browserHash)) return fail('state_mismatch', expired());
      const codeVerifier = unseal(ctx.pepper, record.verifierSealed, 'pkce_verifier');
      if (codeVerifier === undefined) return fail('state_mismatch', expired());
      const next = decodeNext(record.next);
      let claims: UpstreamClaims;
      try {
        claims = await ctx.federation.upstream(provider).finish(`${callbackUrl(ctx.config.issuer, provider)}?${callbackQuery}`, {
          redirectUri: callbackUrl(ctx.config.issuer, provider),
          state: state[0],
          nonce: record.nonce,
          codeVerifier,
        });
      } catch (e) {
        if (!(e instanceof UpstreamError)) throw e;
        const status = e.reason === 'unavailable' ? 503 : 400;
        return fail(e.reason, errorPage(status, e.reason === 'unavailable' ? 'temporarily_unavailable' : 'access_denied', msg('errors:upstreamFailed', { provider: provider.displayName, detail: e.message })));
      }
      const amr = claims.amr.filter((v) => KNOWN_AMR.includes(v));
      const account = await upstreamAccount(ctx, provider, identityOf(claims));
      if (account.status === 'disabled') return fail('disabled', errorPage(403, 'access_denied', msg('errors:accountDisabled')));
      if (account.status === 'username_taken' || account.status === 'link_needed') {
        await ctx.audit.record({ type: 'login.failure', ...from, reason: `link_needed:${provider.name}` });
        return pendingLinkPage(ctx, req, provider, claims, next);
      }
      await ctx.stores.users.recordSignIn(account.user.id, ctx.now());
      await ctx.audit.record({ type: 'login.success', ...from, userId: account.user.id, username: account.user.username, reason: `${provider.kind}:${provider.name}` });
      return signIn(ctx, req, account.user, next, amr);
    },

    /** The user proves the local account to link (its password), or asks for a separate new account. */
    async link(req: ProtocolRequest): Promise<ProtocolResponse> {
      const browser = req.cookies[BROWSER_COOKIE];
      const form = checkedForm(ctx, req, LINK_FORM, browser);
      if (!form || !browser) return errorPage(403, 'invalid_request', msg('errors:formReload'));
      const record = await ctx.stores.federationStates.consume(sha256(`link:${form['link'] ?? ''}`), ctx.now());
      if (!record || !safeEqual(sha256(browser), record.browserHash)) return expired();
      const provider = await ctx.federation.byId(record.providerId);
      const opened = unseal(ctx.pepper, record.verifierSealed, 'pkce_verifier');
      if (!provider || provider.kind === 'ldap' || !provider.enabled || opened === undefined) return expired();
      const claims = JSON.parse(opened) as UpstreamClaims;
      const next = decodeNext(record.next);
      const from = requester(req);
      const amr = claims.amr.filter((v) => KNOWN_AMR.includes(v));

      if (form['decision'] === 'new') {
        const account = await upstreamAccount(ctx, { ...provider, trustEmail: false }, { ...identityOf(claims), email: null });
        if (account.status !== 'ok') return expired();
        if (claims.email !== null) await ctx.stores.users.update(account.user.id, { email: claims.email, emailVerified: claims.emailVerified }, ctx.now());
        await ctx.stores.users.recordSignIn(account.user.id, ctx.now());
        await ctx.audit.record({ type: 'identity.linked', ...from, userId: account.user.id, reason: `new_account:${provider.name}` });
        return signIn(ctx, req, account.user, next, amr);
      }
      const username = (form['username'] ?? '').trim();
      const password = form['password'] ?? '';
      if (username === '' || password === '') return pendingLinkPage(ctx, req, provider, claims, next, msg('login:error.enterLink'));
      // The local password proves the account: counted and limited like any sign-in.
      const result = await checkCredentials(ctx, from, username, password, { browser: { deviceCookie: req.cookies[DEVICE_COOKIE] } });
      if (!result.ok) return refusedSignIn(await pendingLinkPage(ctx, req, provider, claims, next, signInRefusal(result), 200), result);
      if (!(await linkIdentity(ctx, provider, identityOf(claims), result.user))) return expired();
      await ctx.audit.record({ type: 'identity.linked', ...from, userId: result.user.id, reason: `${provider.kind}:${provider.name}` });
      return signIn(ctx, req, result.user, next, [...new Set(['pwd', ...amr])], result.cookies);
    },
  };
}
