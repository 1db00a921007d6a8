import type { Client } from '../../../clients/client.js';
import { matchRedirectUri } from '../../../clients/redirect-uri.js';
import type { Params } from '../../../params.js';

/**
 * The two checks that decide whether an error may be redirected at all: a known, enabled client
 * and a redirect URI registered for it. When either fails the user gets an error page, never a
 * redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.1).
 */
export type TargetResult = { ok: true; client: Client; redirectUri: string; inRequest: boolean } | { ok: false; description: string };

export async function resolveTarget(params: Params, findClient: (id: string) => Promise<Client | undefined>): Promise<TargetResult> {
  const ids = params['client_id'] ?? [];
  if (ids.length !== 1 || !ids[0]) return { ok: false, description: ids.length > 1 ? 'client_id is included more than once' : 'client_id is missing' };
  const client = await findClient(ids[0]);
  if (!client || client.disabled) return { ok: false, description: 'The application is unknown or disabled.' };

  const uris = params['redirect_uri'] ?? [];
  if (uris.length > 1) return { ok: false, description: 'redirect_uri is included more than once' };
  const requested = uris[0];
  if (requested === undefined || requested === '') {
    // RFC 6749 §3.1.2.3: may be omitted only when exactly one is registered.
    const only = client.redirectUris.length === 1 ? client.redirectUris[0] : undefined;
    return only === undefined ? { ok: false, description: 'redirect_uri is missing' } : { ok: true, client, redirectUri: only, inRequest: false };
  }
  const matched = matchRedirectUri(requested, client.redirectUris, client.applicationType);
  if (matched === undefined) return { ok: false, description: 'The redirect_uri is not registered for this application.' };
  // A loopback URI with another port is used as requested (RFC 8252 §7.3).
  return { ok: true, client, redirectUri: requested, inRequest: true };
}
