import { OAuthError, invalidRequest } from '../../../errors.js';
import { required } from '../../../params.js';
import type { AuthorizeCheck } from '../request.js';

/** Only the authorization code flow (DESIGN.md §6); implicit and hybrid are refused (RFC 9700 §2.1.2). */
export const checkResponseType: AuthorizeCheck = ({ params }) => {
  const responseType = required(params, 'response_type');
  if (responseType !== 'code') throw new OAuthError('unsupported_response_type', "the response_type is not supported; use 'code'");
  const mode = params['response_mode'];
  if (mode !== undefined && mode !== 'query') throw invalidRequest("the response_mode is not supported; use 'query'");
};
