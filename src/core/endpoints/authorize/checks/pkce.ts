import { optional } from '../../../params.js';
import { checkCodeChallenge } from '../../../pkce.js';
import type { AuthorizeCheck } from '../request.js';

/** PKCE with S256 for every client (DESIGN.md §6, RFC 9700 §2.1.1). */
export const checkPkce: AuthorizeCheck = ({ params, request }) => {
  request.codeChallenge = checkCodeChallenge(optional(params, 'code_challenge'), optional(params, 'code_challenge_method'));
};
