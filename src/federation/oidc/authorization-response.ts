import { UpstreamError, type UpstreamSignIn } from '../../core/federation/ports.js';
import { safeCode } from './errors.js';

/**
 * The first checks of a callback, before anything is sent to the provider, in the order RFC 9207
 * §2.4 asks: the issuer that answered, then the state this browser's sign-in expects, then an error.
 * openid-client repeats them; doing them here gives each failure its own reason.
 */
export function checkAuthorizationResponse(
  callbackUrl: string,
  signIn: UpstreamSignIn,
  issuer: { value: string; required: boolean } | null,
): URL {
  let callback: URL;
  try {
    callback = new URL(callbackUrl);
  } catch {
    throw new UpstreamError('the callback URL is not a URL', 'invalid_response');
  }
  const params = callback.searchParams;
  for (const name of ['iss', 'state', 'code', 'error']) {
    if (params.getAll(name).length > 1) throw new UpstreamError(`the authorization response repeats "${name}"`, 'invalid_response');
  }
  const iss = params.get('iss');
  if (issuer !== null && (iss === null ? issuer.required : iss !== issuer.value)) {
    // A response that names another issuer (or none, when this one always names itself) may come from a mix-up attack.
    throw new UpstreamError(iss === null ? 'the authorization response does not name its issuer' : 'the authorization response names another issuer', 'invalid_response');
  }
  if (params.get('state') !== signIn.state) {
    throw new UpstreamError('the authorization response is not for this sign-in (state mismatch)', 'state_mismatch');
  }
  if (params.has('error')) {
    throw new UpstreamError(`the provider refused the sign-in (${safeCode(params.get('error'))})`, 'provider_error');
  }
  if (!params.get('code')) throw new UpstreamError('the authorization response carries no code', 'invalid_response');
  // The code is redeemed with the redirect_uri sent in the request, whatever URL the callback was reached under (a proxy).
  const current = new URL(signIn.redirectUri);
  current.search = callback.search;
  return current;
}
