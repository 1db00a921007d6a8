import type { CookieToSet } from '../core/protocol.js';

/**
 * The prefix of every cookie when the issuer is https (RFC 6265bis §4.1.3.2): the browser keeps a
 * `__Host-` cookie only if it is Secure, has Path=/ and no Domain, so neither a sibling subdomain
 * nor a plain-http page can plant or overwrite it. The core knows its cookies by their names without it.
 */
const HOST_PREFIX = '__Host-';

/**
 * Parses a Cookie header; malformed pairs are skipped, the first of repeated names wins. With
 * `hostPrefixed`, only `__Host-` cookies count, under their names without the prefix: an
 * unprefixed one could have been set by another host.
 */
export function parseCookies(header: string | undefined, hostPrefixed = false): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    let name = part.slice(0, eq).trim();
    if (hostPrefixed) {
      if (!name.startsWith(HOST_PREFIX)) continue;
      name = name.slice(HOST_PREFIX.length);
    }
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !(name in out)) {
      try {
        out[name] = decodeURIComponent(value);
      } catch {
        // A cookie we cannot decode is not one of ours.
      }
    }
  }
  return out;
}

/** Every Tessera cookie is HttpOnly, SameSite=Lax, Path=/ without Domain, and Secure and `__Host-` when the issuer is https. */
export function serializeCookie(cookie: CookieToSet, secure: boolean): string {
  const name = secure ? HOST_PREFIX + cookie.name : cookie.name;
  const parts = [`${name}=${cookie.value === undefined ? '' : encodeURIComponent(cookie.value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  if (cookie.value === undefined) parts.push('Max-Age=0');
  else if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  return parts.join('; ');
}
