import { invalidRequest } from '../../../errors.js';
import { optional } from '../../../params.js';
import type { AuthorizeCheck } from '../request.js';

/** `idp=NAME`: the app names the identity provider to sign in with (a name that is not offered is ignored at sign-in). */
export const checkIdentityProviderHint: AuthorizeCheck = ({ params, request }) => {
  const idp = optional(params, 'idp');
  if (idp === undefined) return;
  if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(idp)) throw invalidRequest('idp must name an identity provider');
  request.idp = idp;
};
