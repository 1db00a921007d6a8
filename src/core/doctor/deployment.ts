import type { DeploymentFacts, HttpProbe } from './facts.js';
import { error, ok, warn, type CheckResult } from './result.js';
import { clockCheck } from './clock.js';

const REACH_FIX = 'start the server, or check --url, DNS, the proxy in front and its TLS certificate';

/** Where two spellings of an issuer part ways, in words. */
function difference(found: string, expected: string): string {
  if (found.replace(/\/$/, '') === expected.replace(/\/$/, '')) return 'they differ only in the trailing slash';
  if (found.toLowerCase() === expected.toLowerCase()) return 'they differ only in letter case';
  try {
    const a = new URL(found);
    const b = new URL(expected);
    if (a.protocol !== b.protocol) return 'they differ in the scheme';
    if (a.host !== b.host) return 'they differ in the host';
    return 'they differ in the path';
  } catch {
    return 'the published one is not a URL';
  }
}

/** `issuer.discovery`: the discovery document answers, and names exactly the configured issuer. */
export function discoveryCheck(d: DeploymentFacts): CheckResult {
  const probe = d.discovery;
  if (!probe.answer) return error('issuer.discovery', `${probe.url}: no answer (${probe.error ?? 'unknown error'})`, REACH_FIX);
  const { status, body } = probe.answer;
  if (status !== 200) return error('issuer.discovery', `${probe.url} answered ${status}, not 200`, 'check --url, and that the proxy passes /.well-known/ to Tessera');
  const issuer = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['issuer'] : undefined;
  if (typeof issuer !== 'string') return error('issuer.discovery', `${probe.url} is not a discovery document (no issuer)`, 'check that --url points at Tessera, not at another server');
  if (issuer !== d.expectedIssuer) {
    return error(
      'issuer.discovery',
      `the server at ${d.url} publishes the issuer '${issuer}', not the configured '${d.expectedIssuer}' (${difference(issuer, d.expectedIssuer)})`,
      'give every node and every command the same --issuer (TESSERA_ISSUER), spelled as clients expect it: they compare it character for character',
    );
  }
  return ok('issuer.discovery', `${d.url} answers as the issuer ${issuer}`);
}

/** `issuer.ready`: the node says it can serve, and which dependency is degraded. */
export function readyCheck(d: DeploymentFacts): CheckResult {
  const probe = d.ready;
  if (!probe.answer) return error('issuer.ready', `${probe.url}: no answer (${probe.error ?? 'unknown error'})`, REACH_FIX);
  const { status, body } = probe.answer;
  const checks = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['checks'] : undefined;
  const states = typeof checks === 'object' && checks !== null ? Object.entries(checks as Record<string, unknown>).map(([name, state]) => `${name}: ${String(state)}`) : [];
  const named = states.length > 0 ? ` (${states.join(', ')})` : '';
  if (status === 200) {
    const degraded = states.filter((s) => !s.endsWith(': ok'));
    if (degraded.length > 0) return warn('issuer.ready', `${probe.url}: ready, but ${degraded.join(', ')}`, 'let every node reach what is named (TESSERA_REDIS_URL for Redis; directories: tessera idp test NAME)');
    return ok('issuer.ready', `${probe.url}: ready${named}`);
  }
  const stateOf = typeof body === 'object' && body !== null ? String((body as Record<string, unknown>)['status'] ?? '') : '';
  return error('issuer.ready', `${probe.url} answered ${status}${stateOf ? ` ${stateOf}` : ''}${named}`, 'bring back what is unreachable (the database first); a node that is stopping answers 503 until it exits');
}

/** The server's clock from an answer's Date header, against the middle of the request on ours. */
function serverSkew(probe: HttpProbe): { skewMs: number; uncertaintyMs: number } | undefined {
  const date = probe.answer?.date;
  if (date === undefined) return undefined;
  const theirs = Date.parse(date);
  if (Number.isNaN(theirs)) return undefined;
  const mid = (probe.sentAt + probe.receivedAt) / 2;
  // A Date header is cut to the second: the server's time lies within the second after it.
  return { skewMs: theirs + 500 - mid, uncertaintyMs: 500 + (probe.receivedAt - probe.sentAt) / 2 };
}

/** `clock.server`: the running server's clock, from the largest difference its answers showed. */
export function serverClockCheck(d: DeploymentFacts): CheckResult | undefined {
  const skews = [d.discovery, d.ready].map(serverSkew).filter((s) => s !== undefined);
  if (skews.length === 0) return undefined;
  const worst = skews.reduce((a, b) => (Math.abs(b.skewMs) - b.uncertaintyMs > Math.abs(a.skewMs) - a.uncertaintyMs ? b : a));
  return clockCheck('clock.server', `the server at ${d.url}`, worst.skewMs, worst.uncertaintyMs);
}
