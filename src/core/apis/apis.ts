import { randomUUID } from 'node:crypto';
import type { ApiChanges, ApiRecord } from '../../store/ports.js';
import { OIDC_SCOPES, isValidScopeToken } from '../scopes.js';
import { lifetimeProblem } from '../lifetime-rules.js';
import { ACCESS_TOKEN_ALGS, type AccessTokenAlg } from '../clients/client.js';

/** What an operator gives to define or change an API; unset fields keep their value. */
export interface ApiInput {
  identifier?: string;
  name?: string;
  scopes?: { name: string; description: string }[];
  accessTokenTtl?: number | null;
  accessTokenAlg?: string | null;
  rbac?: boolean;
  introspectionClients?: string[];
}

export class ApiInputError extends Error {
  override name = 'ApiInputError';
}

/** RFC 8707 §2: an absolute URI, no fragment. */
export function resourceProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  if (value.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
  return undefined;
}

function checkedScopes(scopes: { name: string; description: string }[]): { name: string; description: string }[] {
  const seen = new Set<string>();
  for (const s of scopes) {
    if (!isValidScopeToken(s.name)) throw new ApiInputError(`'${s.name}' is not a valid scope (RFC 6749 §3.3)`);
    if (OIDC_SCOPES.has(s.name)) throw new ApiInputError(`'${s.name}' is an OpenID Connect scope, not an API's`);
    // Tessera's own scopes (tessera:admin, tessera:audit, …) grant power over Tessera: no API may define one.
    if (s.name.toLowerCase().startsWith('tessera:')) throw new ApiInputError(`'${s.name}' is in Tessera's own namespace (tessera:), not an API's`);
    if (seen.has(s.name)) throw new ApiInputError(`scope '${s.name}' is given twice`);
    if (s.description.length > 200 || /[\u0000-\u001f\u007f]/.test(s.description)) throw new ApiInputError(`the description of '${s.name}' must be at most 200 characters of text`);
    seen.add(s.name);
  }
  return scopes.map((s) => ({ name: s.name, description: s.description.trim() || s.name }));
}

const MAX_INTROSPECTION_CLIENTS = 20;

function resolve(input: ApiInput, base?: ApiRecord): Omit<ApiRecord, 'id' | 'createdAt' | 'updatedAt' | 'version'> {
  const identifier = base?.identifier ?? input.identifier ?? '';
  const problem = resourceProblem(identifier);
  if (problem) throw new ApiInputError(`identifier '${identifier}' ${problem}`);
  const name = (input.name ?? base?.name ?? '').trim();
  if (name === '' || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) throw new ApiInputError('name must be 1 to 100 characters of text');
  const accessTokenTtl = input.accessTokenTtl === undefined ? (base?.accessTokenTtl ?? null) : input.accessTokenTtl;
  const ttlProblem = accessTokenTtl === null ? undefined : lifetimeProblem('accessToken', accessTokenTtl);
  if (ttlProblem) throw new ApiInputError(ttlProblem);
  const accessTokenAlg = input.accessTokenAlg === undefined ? (base?.accessTokenAlg ?? null) : input.accessTokenAlg;
  if (accessTokenAlg !== null && !ACCESS_TOKEN_ALGS.includes(accessTokenAlg as AccessTokenAlg)) throw new ApiInputError(`access token algorithm must be one of ${ACCESS_TOKEN_ALGS.join(', ')}`);
  const introspectionClients = [...new Set(input.introspectionClients ?? base?.introspectionClients ?? [])];
  if (introspectionClients.length > MAX_INTROSPECTION_CLIENTS) throw new ApiInputError(`at most ${MAX_INTROSPECTION_CLIENTS} introspection clients`);
  return {
    identifier,
    name,
    scopes: checkedScopes(input.scopes ?? base?.scopes ?? []),
    accessTokenTtl,
    accessTokenAlg: accessTokenAlg as AccessTokenAlg | null,
    rbac: input.rbac ?? base?.rbac ?? false,
    introspectionClients,
  };
}

export function buildApi(input: ApiInput, now: number): ApiRecord {
  return { id: randomUUID(), ...resolve(input), createdAt: now, updatedAt: now, version: 1 };
}

export function apiChanges(base: ApiRecord, input: ApiInput): ApiChanges {
  if (input.identifier !== undefined && input.identifier !== base.identifier) throw new ApiInputError('the identifier of an API cannot change: tokens for it name it');
  const { name, scopes, accessTokenTtl, accessTokenAlg, rbac, introspectionClients } = resolve(input, base);
  return { name, scopes, accessTokenTtl, accessTokenAlg, rbac, introspectionClients };
}

/** Parses `name=Description` (as `--scope` takes it); a scope without `=` describes itself. */
export function parseScopeDefinition(text: string): { name: string; description: string } {
  const eq = text.indexOf('=');
  return eq < 0 ? { name: text.trim(), description: text.trim() } : { name: text.slice(0, eq).trim(), description: text.slice(eq + 1).trim() };
}

/** The API as the CLI and APIs show it. */
export function apiView(api: ApiRecord): Record<string, unknown> {
  return {
    identifier: api.identifier,
    name: api.name,
    scopes: api.scopes,
    access_token_ttl: api.accessTokenTtl,
    access_token_alg: api.accessTokenAlg,
    rbac: api.rbac,
    introspection_clients: api.introspectionClients,
    created_at: new Date(api.createdAt * 1000).toISOString(),
  };
}
