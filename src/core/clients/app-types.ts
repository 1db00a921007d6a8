import type { Client } from './client.js';
import { msg, type Message } from '../message.js';
import type { ClientInput } from './registration.js';

/** The kinds of app a developer picks in the console, as providers like Google and GitHub offer them. */
export type AppType = 'web' | 'spa' | 'native' | 'service';

export const APP_TYPES: readonly AppType[] = ['web', 'spa', 'native', 'service'];

/** What each kind of app is, in OAuth terms (RFC 6749 §2.1 client types, OIDC application_type). */
const SETTINGS: Record<AppType, { label: Message; input: ClientInput }> = {
  web: {
    label: msg('console:type.web'),
    input: { type: 'confidential', applicationType: 'web', grantTypes: ['authorization_code', 'refresh_token'], tokenEndpointAuthMethod: 'client_secret_basic' },
  },
  spa: {
    label: msg('console:type.spa'),
    input: { type: 'public', applicationType: 'web', grantTypes: ['authorization_code', 'refresh_token'], tokenEndpointAuthMethod: 'none' },
  },
  native: {
    label: msg('console:type.native'),
    input: { type: 'public', applicationType: 'native', grantTypes: ['authorization_code', 'refresh_token'], tokenEndpointAuthMethod: 'none' },
  },
  service: {
    label: msg('console:type.service'),
    input: { type: 'confidential', applicationType: 'web', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'client_secret_basic' },
  },
};

export function isAppType(value: string | undefined): value is AppType {
  return APP_TYPES.includes(value as AppType);
}

export function appTypeLabel(type: AppType): Message {
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
