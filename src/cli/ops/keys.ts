import { listSigningKeys, pruneSigningKeys, rotateSigningKeys } from '../../core/admin/keys.js';
import type { Operations } from '../store-options.js';

type View = Record<string, unknown>;

/** What `tessera keys …` does, against a store or a running server. */
export interface KeyOperations {
  list(): Promise<View[]>;
  rotate(algs: string[] | undefined): Promise<View[]>;
  prune(): Promise<{ pruned: string[] }>;
}

export const keyOperations: Operations<KeyOperations> = {
  local: (admin) => ({
    list: async () => (await listSigningKeys(admin.stores, admin.now)) as unknown as View[],
    rotate: async (algs) => (await rotateSigningKeys(admin, algs ? { algs } : {})) as unknown as View[],
    prune: () => pruneSigningKeys(admin),
  }),
  // The server knows its token lifetimes, so its answer says when a retired key may go (prunable_at) by them.
  remote: (api) => ({
    list: async () => (await api.get<{ items: View[] }>('/keys')).items,
    rotate: async (algs) => (await api.post<{ items: View[] }>('/keys/rotate', algs ? { algs } : {})).items,
    prune: () => api.post<{ pruned: string[] }>('/keys/prune'),
  }),
};
