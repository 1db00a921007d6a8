import type { Stores } from '../../store/ports.js';
import type { Client, ClientMetadata } from './client.js';

/** Another change kept winning the race; the caller reports it and nothing was written. */
export class ClientChangedMeanwhile extends Error {
  override name = 'ClientChangedMeanwhile';
  constructor(clientId: string) {
    super(`client ${clientId} kept changing while this change was being made; try again`);
  }
}

const TRIES = 5;

/** The registration metadata of a changed client; the secret only where the change made or removed one. */
export function metadataOf(changed: Client, before: Client): ClientMetadata {
  const { name, type, applicationType, redirectUris, postLogoutRedirectUris, grantTypes, scopes, tokenEndpointAuthMethod, extras, lifetimes, idTokenAlg, accessTokenAlg } = changed;
  const metadata: ClientMetadata = { name, type, applicationType, redirectUris, postLogoutRedirectUris, grantTypes, scopes, tokenEndpointAuthMethod, extras, lifetimes, idTokenAlg, accessTokenAlg };
  if (changed.type !== before.type) metadata.secretHash = changed.secretHash;
  return metadata;
}

/**
 * Changes a client's registration (the owner's RFC 7592 PUT or console edit, or an operator's
 * `client update`): `change` works on the client as stored now, and the write succeeds only if
 * nothing changed it meanwhile; otherwise it is computed again from a fresh read. Its state
 * (disabled, secret, require-MFA) is never written here, so no edit can undo an operator's change.
 * Undefined when the client does not exist (any more).
 */
export async function changeClientMetadata<T extends { client: Client }>(stores: Stores, clientId: string, change: (current: Client) => T, now: number): Promise<T | undefined> {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const current = await stores.clients.findFresh(clientId);
    if (!current) return undefined;
    const result = change(current);
    const outcome = await stores.clients.updateMetadata(clientId, metadataOf(result.client, current), current.version, now);
    if (outcome === 'missing') return undefined;
    if (outcome === 'ok') {
      // What the store holds now: the metadata written, on the state as it was read.
      return { ...result, client: { ...current, ...metadataOf(result.client, current), updatedAt: now, version: current.version + 1 } };
    }
  }
  throw new ClientChangedMeanwhile(clientId);
}
