/**
 * A URL's host name as resolvers see it, for checks on what it points to: without IPv6 brackets,
 * in lower case, without trailing dots (`localhost.` is the fully qualified `localhost`, RFC 1034
 * §3.1). WHATWG URL parsing has already mapped international names to punycode (UTS #46), so
 * look-alike characters cannot spell a local name past these checks.
 */
export function normalizedHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.+$/, '');
}

/** Loopback, where plain http is allowed: localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = normalizedHost(hostname);
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
