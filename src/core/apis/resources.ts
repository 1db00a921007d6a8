import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import type { ApiRecord } from '../../store/ports.js';
import { OAuthError } from '../errors.js';
import { OIDC_SCOPES } from '../scopes.js';
import { resourceProblem } from './apis.js';

/** How many APIs one authorization request may name (RFC 8707 lets `resource` repeat). */
export const MAX_RESOURCES = 10;

const invalidTarget = (why: string) => new OAuthError('invalid_target', why);

/** RFC 8707 §2: each `resource` is an absolute URI without a fragment; the same one twice counts once. */
export function checkedResources(values: readonly string[]): string[] {
  const resources = [...new Set(values.filter((v) => v !== ''))];
  if (resources.length > MAX_RESOURCES) throw invalidTarget(`at most ${MAX_RESOURCES} resources may be named`);
  if (resources.some((r) => resourceProblem(r))) throw invalidTarget('resource must be an absolute URI without a fragment');
  return resources;
}

async function apiNamed(ctx: Context, identifier: string, why: string): Promise<ApiRecord> {
  // The issuer is Tessera's own audience (tokens without resource), never an API's, even if one was
  // stored under it before `api create` refused that.
  const api = identifier === ctx.config.issuer ? undefined : await ctx.stores.apis.findByIdentifier(identifier);
  if (!api) throw invalidTarget(why);
  return api;
}

/**
 * The APIs a request's tokens are for (RFC 8707): those it names, else the client's default API;
 * none means tokens for Tessera itself (`aud` is the issuer), as before APIs existed. A resource
 * that is malformed, or no API of this server, is `invalid_target`.
 */
export async function requestedApis(ctx: Context, client: Client, resources: readonly string[]): Promise<ApiRecord[]> {
  const named = checkedResources(resources);
  if (named.length > 0) return Promise.all(named.map((r) => apiNamed(ctx, r, `'${r}' is not an API of this server`)));
  if (client.defaultApi === null) return [];
  return [await apiNamed(ctx, client.defaultApi, "the client's default API no longer exists")];
}

/** The one API a token request names (or the client's default): the grants without an earlier authorization step. */
export async function requestedApi(ctx: Context, client: Client, resource: string | undefined): Promise<ApiRecord | undefined> {
  const [api] = await requestedApis(ctx, client, resource === undefined ? [] : [resource]);
  return api;
}

/**
 * The API an access token from a code or refresh lineage is for: the one the token request names,
 * which must be among those granted (RFC 8707 §2.2: a request may narrow, never widen); without
 * `resource`, the only one granted. A token for several APIs at once would be accepted by each of
 * them, so with several granted the request must choose. `grantedAt` is when the code, device code
 * or refresh token was made.
 */
export async function grantedApi(ctx: Context, granted: readonly string[], resource: string | undefined, grantedAt: number): Promise<ApiRecord | undefined> {
  if (resource !== undefined && !granted.includes(resource)) throw invalidTarget('the resource was not granted with this code or token');
  const chosen = resource ?? (granted.length > 1 ? undefined : granted[0]);
  if (chosen === undefined && granted.length > 1) throw invalidTarget('several APIs were granted: name the one this token is for with resource');
  if (chosen === undefined) return undefined;
  const api = await apiNamed(ctx, chosen, 'the API these tokens were for no longer exists');
  // An API deleted and created again under the same identifier is another API (its scopes may mean
  // other things): what was granted for the old one does not carry over to it.
  if (api.createdAt > grantedAt) throw invalidTarget('the API these tokens were for was deleted and created anew; authorize again');
  return api;
}

/** An access token for `api` carries the granted scopes that API defines, and the OpenID scopes (userinfo takes it too). */
export function scopesFor(api: ApiRecord | undefined, granted: readonly string[]): string[] {
  if (!api) return [...granted];
  const own = new Set(api.scopes.map((s) => s.name));
  return granted.filter((s) => own.has(s) || OIDC_SCOPES.has(s));
}
