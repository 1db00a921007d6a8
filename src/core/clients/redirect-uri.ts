import { isLoopbackHost } from '../hosts.js';
import type { ApplicationType } from './client.js';

/**
 * A loopback redirect URI split around its port: RFC 8252 §7.3 lets a native app pick any
 * port at run time, so the rest of the string must match exactly and only the port may vary.
 */
const LOOPBACK_IP_URI = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d+))?([/?].*)?$/;

/** A TCP port as a URI may name one: 1–65535, no leading zeros (port 0 or 65536 would reach no app, or another one). */
const isPortNumber = (port: string): boolean => /^[1-9]\d{0,4}$/.test(port) && Number(port) <= 65535;

function withoutPort(uri: string): string | undefined {
  const m = LOOPBACK_IP_URI.exec(uri);
  if (!m || (m[2] !== undefined && !isPortNumber(m[2]))) return undefined;
  return `http://${m[1]}${m[3] ?? ''}`;
}

/** The port written in an http(s) URI, as written (URL parsing would drop leading zeros); undefined when there is none. */
function writtenPort(uri: string): string | undefined {
  return /^https?:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#[\]]*):([^/?#]*)/i.exec(uri)?.[1];
}

/**
 * Finds the registered redirect URI that a requested one matches: exact string comparison
 * (RFC 9700 §4.1.3), except that for native clients a loopback IP URI may differ in port.
 */
export function matchRedirectUri(
  requested: string,
  registered: readonly string[],
  applicationType: ApplicationType,
): string | undefined {
  if (registered.includes(requested)) return requested;
  if (applicationType !== 'native') return undefined;
  const requestedBase = withoutPort(requested);
  if (requestedBase === undefined) return undefined;
  return registered.find((r) => withoutPort(r) === requestedBase);
}

const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'about:', 'blob:', 'ftp:', 'ws:', 'wss:']);

/**
 * Checks one redirect URI at registration; returns why it is refused, or undefined when it is fine.
 * https is required except on loopback; private-use schemes only for native apps and with a dot
 * (RFC 8252 §7.1: reverse domain name); no fragments (RFC 6749 §3.1.2) and no wildcards.
 */
export function redirectUriProblem(uri: string, applicationType: ApplicationType): string | undefined {
  if (uri.includes('*')) return 'must not contain wildcards';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (uri.includes('#')) return 'must not contain a fragment';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  if (url.username || url.password) return 'must not contain credentials';
  const port = writtenPort(uri);
  if (port !== undefined && !isPortNumber(port)) return 'must name a port from 1 to 65535, without leading zeros';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname) ? undefined : 'must use https (http only for loopback addresses)';
  }
  if (applicationType !== 'native') return 'a private-use scheme is allowed only for native apps';
  if (!url.protocol.slice(0, -1).includes('.')) return 'a private-use scheme must contain a dot (reverse domain name)';
  return undefined;
}
