import { invalidRequest } from '../../../errors.js';
import { optional } from '../../../params.js';
import type { AuthorizeCheck, Prompt } from '../request.js';

const PROMPTS: readonly Prompt[] = ['none', 'login', 'consent', 'select_account'];

/** OpenID Connect Core §3.1.2.1: nonce, prompt, max_age, login_hint, acr_values. */
export const checkOidcParameters: AuthorizeCheck = ({ params, request }) => {
  const nonce = optional(params, 'nonce');
  if (nonce !== undefined) request.nonce = nonce;

  const prompt = optional(params, 'prompt');
  if (prompt !== undefined) {
    const values = prompt.split(' ').filter((v) => v !== '');
    for (const v of values) if (!PROMPTS.includes(v as Prompt)) throw invalidRequest(`prompt has a value that is not supported (supported: ${PROMPTS.join(', ')})`);
    if (values.includes('none') && values.length > 1) throw invalidRequest("prompt 'none' cannot be combined with other values");
    request.prompt = [...new Set(values)] as Prompt[];
  }

  const maxAge = optional(params, 'max_age');
  if (maxAge !== undefined) {
    if (!/^\d{1,10}$/.test(maxAge)) throw invalidRequest('max_age must be a non-negative whole number of seconds');
    request.maxAge = Number(maxAge);
  }

  const loginHint = optional(params, 'login_hint');
  if (loginHint !== undefined) request.loginHint = loginHint;

  // Voluntary (§5.5.1.1): values we do not know are ignored; what was done is told truthfully in `acr`.
  const acrValues = optional(params, 'acr_values');
  if (acrValues !== undefined) {
    const values = acrValues.split(' ').filter((v) => v !== '');
    if (values.length > 0) request.acrValues = values;
  }
};
