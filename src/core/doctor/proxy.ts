import type { ConfigFacts } from './facts.js';
import { ok, warn, type CheckResult } from './result.js';
import { isLoopbackHost } from '../hosts.js';

const ALL_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/** `tls.proxy`: where TLS ends and whose X-Forwarded-For is believed agree with the issuer (deployment.md). */
export function proxyCheck(config: ConfigFacts, issuerValid: boolean): CheckResult | undefined {
  if (!issuerValid) return undefined;
  const url = new URL(config.issuer);
  const hops = config.trustProxy;
  if (url.protocol === 'https:') {
    if (hops === 0) {
      return warn(
        'tls.proxy',
        "the issuer is https, so TLS ends at a proxy in front of the node (Tessera speaks plain http), but no proxy is trusted: every client is counted and audited under the proxy's address, so one address's failures can lock everyone out",
        'set --trust-proxy N (TESSERA_TRUST_PROXY) to the number of proxies every request passes through (1 for nginx alone)',
      );
    }
    const exposed = ALL_ADDRESSES.has(config.host) ? `; it listens on all addresses (${config.host}), so keep it on a private network where only the proxy reaches it` : '';
    return ok('tls.proxy', `TLS ends at the proxy; ${hops} trusted proxy hop(s) give the client's address${exposed}`);
  }
  if (hops > 0 && isLoopbackHost(url.hostname)) {
    return warn(
      'tls.proxy',
      `--trust-proxy ${hops} with the plain-http issuer ${config.issuer}: browsers reach the node directly, and one that sends X-Forwarded-For chooses the address it is counted and audited under`,
      'drop --trust-proxy (TESSERA_TRUST_PROXY) unless every request comes through a proxy',
    );
  }
  return ok('tls.proxy', hops > 0 ? `plain http, behind ${hops} trusted proxy hop(s)` : 'plain http on this machine, no proxy trusted');
}
