import { msg, type Message } from '../message.js';
import type { Context } from '../context.js';
import { sha256 } from '../crypto.js';
import { errorPage, type PasskeyPrompt, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { requester } from '../audit.js';
import { PATHS } from '../endpoints/discovery.js';
import { assertionOptions, passkeyAmr, verifyAssertion } from '../accounts/passkeys.js';
import { BROWSER_COOKIE, startSession } from './session.js';
import { passkeyRefusal, proceed, type NextStep } from './second-factor.js';
import { formToken, formWithCsrf } from './form-token.js';
import { load, loginPage } from './endpoints.js';
import { safeReturnPath, SIGN_IN_FORM, signInPage } from './sign-in.js';
import { mustVerifyFirst, unverifiedPage } from './signup/verification.js';

/**
 * "Sign in with a passkey" on a login page: a challenge bound to this browser (its binding cookie),
 * offered both to the button and to the username field's autofill (conditional mediation). `next`
 * is where the sign-in goes on: an authorization request, or one of the server's own pages.
 */
export async function passkeySignInPrompt(ctx: Context, browser: string, next: NextStep, csrfToken: string): Promise<PasskeyPrompt> {
  return {
    action: ctx.config.issuer + PATHS.passkeySignIn,
    csrfToken,
    hidden: { next: 'interactionId' in next ? `interaction:${next.interactionId}` : next.returnTo },
    options: JSON.stringify(await assertionOptions(ctx, 'sign-in', sha256(browser), null)),
  };
}

const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', msg('errors:formReload'));

/**
 * POST /login/passkey: a passwordless sign-in. The assertion answers the challenge this browser was
 * given; its user handle names the account. With user verification it is the first factor and a
 * second at once (amr hwk|swk + mfa), and phishing-resistant (acr phr).
 */
export function passkeySignInEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    const browser = req.cookies[BROWSER_COOKIE];
    const nextField = req.form?.['next']?.[0];
    if (browser === undefined || nextField === undefined) return invalidForm();
    // The form of an authorization request carries its interaction's token; Tessera's own login form, the sign-in token.
    let next: NextStep;
    let form: Record<string, string> | undefined;
    let again: (error: Message) => Promise<ProtocolResponse>;
    if (nextField.startsWith('interaction:')) {
      const live = await load(ctx, req, nextField.slice('interaction:'.length));
      if (!live) return errorPage(400, 'invalid_request', msg('errors:interactionExpired'));
      form = formWithCsrf(req, live.record.csrfToken);
      next = { interactionId: live.record.id };
      // The interaction's login page, drawn afresh with a new challenge and the error.
      again = async (error) => ({ ...(await loginPage(ctx, req, live, '', error)), status: 400 });
    } else {
      form = formWithCsrf(req, formToken(ctx, SIGN_IN_FORM, browser));
      const returnTo = safeReturnPath(nextField);
      next = { returnTo };
      again = async (error) => ({ ...(await signInPage(ctx, req, returnTo, '', error)), status: 400 });
    }
    if (!form) return invalidForm();
    const from = requester(req);
    const result = await verifyAssertion(ctx, 'sign-in', sha256(browser), form['credential']);
    if (!result.ok) {
      await ctx.audit.record({ type: 'login.failure', userId: result.userId ?? null, ...from, reason: `passkey:${result.reason}` });
      if (result.reason === 'counter') await ctx.audit.record({ type: 'passkey.clone_suspected', outcome: 'failure', userId: result.userId ?? null, ...from, reason: 'sign_in' });
      return again(passkeyRefusal(result.reason));
    }
    const { user, passkey } = result;
    // --require-verified-email: a passkey is a way to sign in like the password, and ends here the same way until the address is confirmed.
    if (mustVerifyFirst(ctx, user)) return unverifiedPage(ctx, req, user);
    await ctx.stores.users.recordSignIn(user.id, ctx.now());
    await ctx.audit.record({ type: 'login.success', userId: user.id, username: user.username, ...from, reason: 'passkey' });
    const session = await startSession(ctx, req, user.id, null, passkeyAmr(passkey, false));
    return proceed(ctx, req, next, user.id, session.auth, session.cookies, { idHash: session.idHash, fresh: true });
  };
}
