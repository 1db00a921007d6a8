import type { Stores } from './ports.js';
import type { Client } from '../core/clients/client.js';

/** The store calls on the paths every sign-in and token request takes; these are the ones timed. */
// Not clients.find: clients come from a per-node cache (its hits and misses are counted), and timing
// a cache hit would cost every token request more than it tells.
export const TIMED_OPERATIONS = {
  users: ['findByUsername', 'findById'],
  codes: ['save', 'consume'],
  refreshTokens: ['find', 'save', 'rotate'],
  accessTokens: ['recordIssued', 'isRevoked'],
  revokedFamilies: ['isRevoked'],
  grants: ['find', 'upsert'],
  sessions: ['find', 'create'],
  audit: ['append'],
} as const satisfies { [S in keyof Stores]?: readonly (keyof Stores[S])[] };

/** Given an operation's name (`refreshTokens.rotate`), what hears each call's duration in seconds. */
export type OperationTimer = (operation: string) => (seconds: number) => void;

/**
 * The same stores, with each call in TIMED_OPERATIONS timed (failures too). The observer is bound
 * once per operation, so a call costs two clock reads and one observation.
 */
export function timedStores(stores: Stores, timer: OperationTimer): Stores {
  const timed: Record<string, unknown> = { ...stores };
  for (const [storeName, methods] of Object.entries(TIMED_OPERATIONS)) {
    const store = stores[storeName as keyof Stores] as unknown as Record<string, unknown>;
    const copy: Record<string, unknown> = Object.assign(Object.create(Object.getPrototypeOf(store) as object) as object, store);
    for (const method of methods) {
      const original = store[method] as (...args: unknown[]) => Promise<unknown>;
      const observe = timer(`${storeName}.${method}`);
      // One derived promise rather than an async wrapper's own promise and await: this runs on every hot call.
      copy[method] = (...args: unknown[]) => {
        const start = performance.now();
        const done = () => observe((performance.now() - start) / 1000);
        let pending: Promise<unknown>;
        try {
          pending = original.apply(store, args);
        } catch (error) {
          done();
          return Promise.reject(error as Error);
        }
        return pending.then(
          (value) => {
            done();
            return value;
          },
          (error: unknown) => {
            done();
            throw error;
          },
        );
      };
    }
    timed[storeName] = copy;
  }
  return timed as unknown as Stores;
}

/** The same stores, telling `found` of each client `clients.find` returns (metrics: who registered it). */
export function reportingFoundClients(stores: Stores, found: (client: Client) => void): Stores {
  const clients = stores.clients;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(clients) as object) as object, clients) as Stores['clients'];
  // A derived promise, not an async wrapper: this runs on every token request.
  copy.find = (clientId) =>
    clients.find(clientId).then((client) => {
      if (client) found(client);
      return client;
    });
  return { ...stores, clients: copy } as Stores;
}
