import type { FederationAdapters } from '../core/federation/ports.js';
import { ldapDirectory } from './ldap/index.js';
import { upstreamProvider } from './oidc/index.js';

/** The adapters for each kind of provider: ldapts for directories, openid-client for OpenID and OAuth 2.0 providers. */
export const federationAdapters: FederationAdapters = {
  directory: (settings) => ldapDirectory(settings),
  upstream: (settings) => upstreamProvider(settings),
};
