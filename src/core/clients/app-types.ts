import type { Client } from './client.js';
import type { ClientInput } from './registration.js';

/** The kinds of app a developer picks in the console, as providers like Google and GitHub offer them. */
export type AppType = 'web' | 'spa' | 'native' | 'service';

export const APP_TYPES: readonly AppType[] = ['web', 'spa', 'native', 'service'];

/** What each kind of app is, in OAuth terms (RFC 6749 §2.1 client types, OIDC application_type). */
const SETTINGS: Record<AppType, { label: string; input: ClientInput }> = {
  web: {
    label: 'Web application (server-side, keeps a secret)',
    input: { type: 'confidential', applicationType: 'web', grantTypes: ['authorization_code', 'refresh_token'], tokenEndpointAuthMethod: 'client_secret_basic' },
  },
  spa: {
    label: 'Single-page app (runs in the browser, no secret)',
    input: { type: 'public', applicationType: 'web', grantTypes: ['authorization_code', 'refresh_token'], tokenEndpointAuthMethod: 'none' },
  },
  native: {
    label: 'Native or mobile app (no secret, loopback or app-scheme redirects)',
    input: { type: 'public', applicationType: 'native', grantTypes: ['authorization_code', 'refresh_token'], tokenEndpointAuthMethod: 'none' },
  },
  service: {
    label: 'Service (machine to machine, client credentials)',
    input: { type: 'confidential', applicationType: 'web', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' },
  },
};

export function isAppType(value: string | undefined): value is AppType {
  return APP_TYPES.includes(value as AppType);
}

export function appTypeLabel(type: AppType): string {
  return SETTINGS[type].label;
}

/** The client settings of an app type; the caller adds name, redirect URIs and scopes. */
export function appTypeInput(type: AppType): ClientInput {
  return { ...SETTINGS[type].input };
}

/** Which kind of app a client is, read back from its settings. */
export function appTypeOf(client: Client): AppType {
  if (!client.grantTypes.includes('authorization_code')) return 'service';
  if (client.type === 'confidential') return 'web';
  return client.applicationType === 'native' ? 'native' : 'spa';
}
