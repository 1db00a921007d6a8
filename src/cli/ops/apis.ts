import { ApiInputError, apiView, type ApiInput } from '../../core/apis/apis.js';
import { ApiNotFoundError, createApi, deleteApi, findApi, updateApi } from '../../core/admin/apis.js';
import type { Operations } from '../store-options.js';
import { seg, type AdminHttp } from '../remote/admin-http.js';
import { orderBy, without } from './order.js';

type View = Record<string, unknown>;

/** What `tessera api …` does, against a store or a running server. APIs are named by identifier or name. */
export interface ApiOperations {
  create(input: ApiInput): Promise<View>;
  list(): Promise<View[]>;
  show(ref: string): Promise<View>;
  update(ref: string, input: ApiInput): Promise<View>;
  delete(ref: string): Promise<void>;
}

/** An API of the server as the store finds one (findApi): by identifier, else by its one name. */
export async function remoteApi(api: AdminHttp, ref: string): Promise<View> {
  const [byIdentifier] = (await api.get<{ items: View[] }>('/apis', { identifier: ref })).items;
  if (byIdentifier) return byIdentifier;
  const named = (await api.all('/apis')).filter((a) => String(a['name']).toLowerCase() === ref.toLowerCase());
  if (named.length > 1) throw new ApiInputError(`several APIs are named '${ref}': use the identifier`);
  if (named.length === 0) throw new ApiNotFoundError(ref);
  return named[0]!;
}

function wire(input: ApiInput): View {
  const body: View = {};
  const names: [keyof ApiInput, string][] = [['identifier', 'identifier'], ['name', 'name'], ['scopes', 'scopes'], ['accessTokenTtl', 'access_token_ttl'], ['accessTokenAlg', 'access_token_alg'], ['rbac', 'rbac'], ['introspectionClients', 'introspection_clients']];
  for (const [field, name] of names) if (input[field] !== undefined) body[name] = input[field];
  return body;
}

const shown = (view: View) => without(view, 'id');

export const apiOperations: Operations<ApiOperations> = {
  local: (admin) => ({
    create: async (input) => apiView(await createApi(admin, input)),
    list: async () => (await admin.stores.apis.list()).map(apiView),
    show: async (ref) => apiView(await findApi(admin.stores, ref)),
    update: async (ref, input) => apiView(await updateApi(admin, ref, input)),
    delete: (ref) => deleteApi(admin, ref),
  }),
  remote: (api) => ({
    create: async (input) => shown(await api.post('/apis', wire(input))),
    list: async () => orderBy(await api.all('/apis'), (a) => String(a['name']), (a) => String(a['identifier'])).map(shown),
    show: async (ref) => shown(await remoteApi(api, ref)),
    update: async (ref, input) => shown(await api.patch(`/apis/${seg(String((await remoteApi(api, ref))['id']))}`, wire(input))),
    delete: async (ref) => {
      await api.delete(`/apis/${seg(String((await remoteApi(api, ref))['id']))}`);
    },
  }),
};
