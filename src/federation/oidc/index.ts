import { UpstreamError, type OAuth2Settings, type OidcSettings, type Upstream } from '../../core/federation/ports.js';
import { oauth2Upstream } from './oauth2-upstream.js';
import { openIdUpstream } from './openid-upstream.js';
import { DEFAULT_OPTIONS, type AdapterOptions } from './options.js';

export type { AdapterOptions } from './options.js';

/**
 * The `FederationAdapters.upstream` adapter, built on openid-client. It never throws itself: settings
 * it cannot use (an http URL off loopback, no URL at all) make each of its methods reject with an
 * UpstreamError saying so, so one misconfigured provider cannot break the others.
 */
export function upstreamProvider(
  settings: { kind: 'oidc'; oidc: OidcSettings } | { kind: 'oauth2'; oauth2: OAuth2Settings },
  options: Partial<AdapterOptions> = {},
): Upstream {
  const limits = { ...DEFAULT_OPTIONS, ...options };
  try {
    return settings.kind === 'oidc' ? openIdUpstream(settings.oidc, limits) : oauth2Upstream(settings.oauth2, limits);
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    const refuse = () => Promise.reject(error);
    return { authorizationUrl: refuse, finish: refuse, check: refuse };
  }
}
