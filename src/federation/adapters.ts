import type { FederationAdapters } from '../core/federation/ports.js';

/**
 * The adapters for each kind of provider. TEMPORARY while the LDAP and OIDC adapters are built on
 * their branches: any use fails loudly. Replaced by the real adapters before this lands.
 */
export const federationAdapters: FederationAdapters = {
  directory() {
    throw new Error('the LDAP adapter is not wired in yet');
  },
  upstream() {
    throw new Error('the OpenID Connect adapter is not wired in yet');
  },
};
