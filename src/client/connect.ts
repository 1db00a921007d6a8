import * as oidc from 'openid-client';
import { isLoopbackHost } from '../core/hosts.js';

/** How an app reaches Tessera; every client of this library starts from these. */
export interface ConnectOptions {
  /** Tessera's issuer URL: https, or plain http on a loopback host (localhost, 127.0.0.0/8, ::1) for development. */
  issuer: string | URL;
  clientId: string;
  /** A confidential client's secret, sent with HTTP Basic (RFC 6749 §2.3.1). Omit it for a public client. */
  clientSecret?: string;
  /** Carries every request to Tessera (a proxy, logging); the global fetch by default. */
  fetch?: oidc.CustomFetch;
  /** Seconds before a request to Tessera gives up (openid-client's default, 30). */
  timeoutSeconds?: number;
}

/**
 * Discovers Tessera's endpoints (RFC 8414 / OpenID Connect Discovery) and returns openid-client's
 * Configuration, which does the protocol. Plain http is allowed only on loopback, where nothing
 * crosses a network (RFC 9700 §2.6 asks for TLS everywhere else).
 */
export async function connect(options: ConnectOptions): Promise<oidc.Configuration> {
  const issuer = new URL(options.issuer);
  if (issuer.protocol === 'http:' && !isLoopbackHost(issuer.hostname)) {
    throw new TypeError(`the issuer ${issuer.href} is plain http: use https (http is only allowed on localhost, 127.0.0.0/8 and ::1)`);
  }
  if (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') throw new TypeError(`the issuer ${issuer.href} is not an https URL`);
  const auth = options.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(options.clientSecret);
  return oidc.discovery(issuer, options.clientId, undefined, auth, {
    ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
    ...(options.fetch ? { [oidc.customFetch]: options.fetch } : {}),
    ...(options.timeoutSeconds !== undefined ? { timeout: options.timeoutSeconds } : {}),
  });
}
