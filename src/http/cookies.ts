import type { CookieToSet } from '../core/protocol.js';

/** Parses a Cookie header; malformed pairs are skipped, the first of repeated names wins. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
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

/** Every Tessera cookie is HttpOnly and SameSite=Lax, and Secure when the issuer is https. */
export function serializeCookie(cookie: CookieToSet, secure: boolean): string {
  const parts = [`${cookie.name}=${cookie.value === undefined ? '' : encodeURIComponent(cookie.value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  if (cookie.value === undefined) parts.push('Max-Age=0');
  else if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  return parts.join('; ');
}
