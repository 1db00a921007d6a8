import type { ApiRecord, Stores } from '../../store/ports.js';
import { ApiInputError, apiChanges, buildApi, type ApiInput } from '../apis/apis.js';
import type { AdminContext } from './context.js';
import { NotFoundError } from './errors.js';

/** Managing APIs (resource servers): one function per operation, for the CLI and the admin API to come. */
export class ApiNotFoundError extends NotFoundError {
  override name = 'ApiNotFoundError';
  constructor(identifier: string) {
    super(`no API with identifier or name '${identifier}'`);
  }
}

/** An API by its identifier, or by its name when no other API has that name (case-insensitively). */
export async function findApi(stores: Stores, ref: string): Promise<ApiRecord> {
  const api = await stores.apis.findByIdentifier(ref);
  if (api) return api;
  const named = (await stores.apis.list()).filter((a) => a.name.toLowerCase() === ref.toLowerCase());
  if (named.length > 1) throw new ApiInputError(`several APIs are named '${ref}': use the identifier`);
  if (named.length === 0) throw new ApiNotFoundError(ref);
  return named[0]!;
}

/** Introspection clients must exist when named (a typo would silently let no one introspect). */
async function checkClientsExist(stores: Stores, input: ApiInput): Promise<void> {
  for (const clientId of input.introspectionClients ?? []) {
    if (!(await stores.clients.find(clientId))) throw new ApiInputError(`no client '${clientId}' to introspect this API's tokens`);
  }
}

/** The same URI, ignoring what URL parsing normalizes (case of scheme and host, a default port) and a trailing slash. */
const sameUri = (a: string, b: string): boolean => {
  const norm = (v: string) => (URL.canParse(v) ? new URL(v).href : v).replace(/\/+$/, '');
  return norm(a) === norm(b);
};

/**
 * An API's identifier becomes the `aud` of its tokens, so it must not name something else that
 * tokens are for: this server (the audience of tokens requested without `resource`, which an API's
 * introspection clients would then read) or a client (the audience of its ID tokens).
 */
async function checkIdentifierFree(stores: Stores, identifier: string): Promise<void> {
  const issuer = await stores.settings.get('issuer');
  if (issuer !== undefined && sameUri(issuer, identifier)) {
    throw new ApiInputError(`'${identifier}' is this server's issuer, the audience of tokens asked for without a resource; an API needs its own identifier`);
  }
  if (await stores.clients.find(identifier)) throw new ApiInputError(`'${identifier}' is a client's id; an API needs its own identifier`);
}

export async function createApi(admin: AdminContext, input: ApiInput): Promise<ApiRecord> {
  await checkClientsExist(admin.stores, input);
  const api = buildApi(input, admin.now);
  await checkIdentifierFree(admin.stores, api.identifier);
  if (!(await admin.stores.apis.create(api))) throw new ApiInputError(`an API with identifier '${api.identifier}' exists already`);
  await admin.audit({ type: 'api.created', reason: api.identifier });
  return api;
}

export async function updateApi(admin: AdminContext, identifier: string, input: ApiInput): Promise<ApiRecord> {
  await checkClientsExist(admin.stores, input);
  for (let attempt = 0; attempt < 5; attempt++) {
    const api = await findApi(admin.stores, identifier);
    const changes = apiChanges(api, input);
    const outcome = await admin.stores.apis.update(api.id, changes, api.version, admin.now);
    if (outcome === 'missing') throw new ApiNotFoundError(identifier);
    if (outcome === 'ok') {
      await admin.audit({ type: 'api.changed', reason: api.identifier });
      return { ...api, ...changes, updatedAt: admin.now, version: api.version + 1 };
    }
  }
  throw new ApiInputError(`API '${identifier}' kept changing meanwhile; try again`);
}

/**
 * Deletes an API. Tokens already issued for it stay valid until they expire (its guard checks
 * them); refresh and code redemptions for it stop (its identifier is no longer a resource here).
 */
export async function deleteApi(admin: AdminContext, identifier: string): Promise<void> {
  const api = await findApi(admin.stores, identifier);
  await admin.stores.apis.delete(api.id);
  await admin.audit({ type: 'api.deleted', reason: api.identifier });
}
