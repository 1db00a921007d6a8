import { isLoopbackHost } from '../hosts.js';

/** A host name that can stand as it is in a CSP source expression: ASCII labels (URL parsing has mapped IDNs to punycode). */
const PLAIN_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;

/**
 * The logo a page may show for a client: its `logo_uri` when it is https, or http on a loopback
 * host while the issuer itself is an http loopback one (development). Registration already keeps
 * logos to public https URLs; this holds for anything stored before. Pages that show it allow
 * exactly its origin for images (src/http/security-headers.ts), so a host name that could not be
 * named there (an IP literal in brackets, odd characters) is not shown either.
 */
export function showableLogo(logoUri: string | undefined, issuer: string): string | undefined {
  if (logoUri === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(logoUri);
  } catch {
    return undefined;
  }
  if (url.username || url.password || !PLAIN_HOST.test(url.hostname)) return undefined;
  if (url.protocol === 'https:') return url.href;
  const devIssuer = new URL(issuer);
  if (url.protocol === 'http:' && devIssuer.protocol === 'http:' && isLoopbackHost(devIssuer.hostname) && isLoopbackHost(url.hostname)) return url.href;
  return undefined;
}

/**
 * Where a redirect URI sends the browser, as people read it: its host (with a port other than the
 * scheme's), or for a native app's private-use scheme (`com.example.app:/cb`) the scheme.
 */
export function redirectDestination(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.host !== '' ? url.host : url.protocol.replace(/:$/, '');
}
