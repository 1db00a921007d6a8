import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import type { ApiRecord } from '../../store/ports.js';
import { OAuthError } from '../errors.js';
import { OIDC_SCOPES } from '../scopes.js';
import { resourceProblem } from './apis.js';

const invalidTarget = (why: string) => new OAuthError('invalid_target', why);

/**
 * The API a request's tokens are for (RFC 8707): the `resource` it names, else the client's default
 * API; undefined means tokens for Tessera itself (`aud` is the issuer), as before APIs existed.
 * A resource that is malformed, or no API of this server, is `invalid_target`.
 */
export async function requestedApi(ctx: Context, client: Client, resource: string | undefined): Promise<ApiRecord | undefined> {
  const wanted = resource ?? client.defaultApi ?? undefined;
  if (wanted === undefined) return undefined;
  if (resourceProblem(wanted)) throw invalidTarget('resource must be an absolute URI without a fragment');
  const api = await ctx.stores.apis.findByIdentifier(wanted);
  if (!api) throw invalidTarget(resource === undefined ? "the client's default API no longer exists" : 'the resource is not an API of this server');
  return api;
}

/** The API a code or refresh lineage was granted for, which a token request may name again but not change (RFC 8707 §2.2). */
export async function grantedApi(ctx: Context, granted: string | null, resource: string | undefined): Promise<ApiRecord | undefined> {
  if (resource !== undefined && resource !== granted) throw invalidTarget('the resource was not granted with this code or token');
  if (granted === null) return undefined;
  const api = await ctx.stores.apis.findByIdentifier(granted);
  if (!api) throw invalidTarget('the API these tokens were for no longer exists');
  return api;
}

/** An access token for `api` carries the granted scopes that API defines, and the OpenID scopes (userinfo takes it too). */
export function scopesFor(api: ApiRecord | undefined, granted: readonly string[]): string[] {
  if (!api) return [...granted];
  const own = new Set(api.scopes.map((s) => s.name));
  return granted.filter((s) => own.has(s) || OIDC_SCOPES.has(s) || s === 'groups');
}
