import { optional } from '../../../params.js';
import { parseScope, requireAllowedScopes } from '../../../scopes.js';
import type { AuthorizeCheck } from '../request.js';

/** Requested scopes must be within the client's (RFC 6749 §3.3); no scope means none. */
export const checkScope: AuthorizeCheck = ({ params, client, request }) => {
  const scopes = parseScope(optional(params, 'scope'));
  requireAllowedScopes(scopes, client.scopes);
  request.scopes = scopes;
};
