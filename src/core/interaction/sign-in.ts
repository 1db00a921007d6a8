import type { Context } from '../context.js';
import { msg, type Message } from '../message.js';
import { errorPage, page, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { checkCredentials, refusedSignIn, signInRefusal } from '../accounts/sign-in.js';
import { DEVICE_COOKIE } from '../accounts/device-cookie.js';
import { homeRealm, loginChoices, startUrl } from '../federation/choices.js';
import { secondFactorRequired } from './assurance.js';
import { requester } from '../audit.js';
import { PATHS } from '../endpoints/discovery.js';
import { BROWSER_COOKIE, browserBinding } from './session.js';
import { afterPassword } from './second-factor.js';
import { checkedForm, formToken } from './form-token.js';
import { isAdminConsolePath } from '../admin-console/paths.js';
import { ACCOUNT_SECURITY_PATHS } from './account-security/page-data.js';
import { mustVerifyFirst, unverifiedPage } from './signup/verification.js';
import { passkeySignInPrompt } from './passkey-sign-in.js';

export const SIGN_IN_FORM = 'sign-in';

/** Where a sign-in may send the browser back to: Tessera's own pages only, never another site. */
const RETURN_PATHS: string[] = [PATHS.account, PATHS.device, PATHS.console, ACCOUNT_SECURITY_PATHS.show];

export function safeReturnPath(value: string | undefined): string {
  // Control characters never belong in a URL we send back (a CR LF would try to start a header).
  if (value === undefined || !value.startsWith('/') || value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f\u007f]/.test(value)) return PATHS.account;
  const path = value.split('?')[0] ?? '';
  if (RETURN_PATHS.includes(path)) return value;
  // The admin console's pages (never the JSON faces under /admin/v1 and /admin/audit).
  return isAdminConsolePath(path) && /^[A-Za-z0-9/_.~%-]*$/.test(path) ? path : PATHS.account;
}

/** The sign-in form for Tessera's own pages (account, device verification); returns to `returnTo` afterwards. */
export async function signInPage(ctx: Context, req: ProtocolRequest, returnTo: string, username = '', error?: Message): Promise<ProtocolResponse> {
  const browser = browserBinding(req);
  return page(
    200,
    'login',
    {
      action: ctx.config.issuer + PATHS.signIn,
      csrfToken: formToken(ctx, SIGN_IN_FORM, browser.value),
      username,
      hidden: { return_to: safeReturnPath(returnTo) },
      ...(await loginChoices(ctx, { returnTo: safeReturnPath(returnTo) })),
      ...(error ? { error } : {}),
      passkey: await passkeySignInPrompt(ctx, browser.value, { returnTo: safeReturnPath(returnTo) }, formToken(ctx, SIGN_IN_FORM, browser.value)),
    },
    browser.cookies,
  );
}

/** POST /login: checks the credentials, starts the SSO session and goes back to the page that asked. */
export function signInEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    const form = checkedForm(ctx, req, SIGN_IN_FORM, req.cookies[BROWSER_COOKIE]);
    if (!form) return errorPage(403, 'invalid_request', msg('errors:formReload'));
    const returnTo = safeReturnPath(form['return_to']);
    const username = (form['username'] ?? '').trim();
    const password = form['password'] ?? '';
    const home = await homeRealm(ctx, username, password);
    if (home) return { kind: 'redirect', location: startUrl(ctx, home.name, { returnTo }) };
    if (username === '' || password === '') return signInPage(ctx, req, returnTo, username, msg('login:error.enterBoth'));
    const result = await checkCredentials(ctx, requester(req), username, password, { browser: { deviceCookie: req.cookies[DEVICE_COOKIE] } });
    if (!result.ok) return refusedSignIn(await signInPage(ctx, req, returnTo, username, signInRefusal(result)), result);
    // --require-verified-email: the password was right, but the sign-in ends here until the address is confirmed.
    if (mustVerifyFirst(ctx, result.user)) return unverifiedPage(ctx, req, result.user);
    // Tessera's own pages need what the server's policy needs; a device's client is checked when it is approved.
    return afterPassword(ctx, req, result.user, { secondFactor: secondFactorRequired(ctx, null), clientId: null }, result.risk, { returnTo }, result.cookies);
  };
}
