import type { AuthorizeCheck } from '../request.js';

/** A BCP 47 tag as far as choosing a language needs: letters, then subtags of letters and digits. */
const TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;
const MAX_LENGTH = 256;
const MAX_TAGS = 10;

/**
 * `ui_locales` (OpenID Connect Core §3.1.2.1): the languages the client would like the pages in, in
 * order. It is a wish, not a requirement: a value too long or with malformed tags is ignored (never
 * an error), and only well-formed tags are kept with the request for its pages.
 */
export const checkUiLocales: AuthorizeCheck = ({ params, request }) => {
  const value = params['ui_locales'];
  if (value === undefined || value.length > MAX_LENGTH) return;
  const tags = value.split(' ').filter((tag) => TAG.test(tag)).slice(0, MAX_TAGS);
  if (tags.length > 0) request.uiLocales = tags.join(' ');
};
