/**
 * Putting typed text into LDAP search filters (RFC 4515) without letting it change the filter.
 *
 * RFC 4515 §3: in an assertion value the octets of `*`, `(`, `)`, `\` and NUL must be written as `\`
 * and two hex digits; other octets may be. We also escape the other ASCII control characters, so a
 * filter stays readable in a log. Non-ASCII characters stay as they are (UTF-8 is valid there, §3
 * `UTFMB`): ldapts parses each `\xx` into one UTF-16 unit and re-encodes the value as UTF-8, so an
 * escaped multi-byte character would reach the server as different octets.
 */
export function escapeFilterValue(value: string): string {
  if (/\p{Cs}/u.test(value)) throw new FilterValueError('the value is not valid Unicode (a lone surrogate)');
  return value.replace(/[*()\\\u0000-\u001f\u007f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export class FilterValueError extends Error {
  override name = 'FilterValueError';
}

/** Replaces every `placeholder` in an operator's filter with the escaped value. */
export function fillFilter(template: string, placeholder: '{username}' | '{dn}', value: string): string {
  const escaped = escapeFilterValue(value);
  // A replacer function, not a string: in a replacement string `$&` or `$'` would pull in parts of the template.
  return template.replaceAll(placeholder, () => escaped);
}
