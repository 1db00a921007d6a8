import type { ChangeFeed, Client, ClientStore } from './ports.js';
import type { StoreTelemetry } from './telemetry.js';

/** At most this many clients are kept; past it the cache starts over (no unbounded growth). */
export const CLIENT_CACHE_LIMIT = 10_000;
/** Even with the feed up, an entry is read again after this long (a missed notification heals itself). */
export const CLIENT_CACHE_TTL_MS = 60_000;

/**
 * Keeps clients in memory between requests, on a database shared by several nodes. Any node's
 * write to a client is announced on the change feed and drops it here; while the feed is down
 * nothing is answered from memory, so a deleted or disabled client is never served from cache.
 */
export function cachedClientStore(inner: ClientStore, feed: ChangeFeed, now: () => number = Date.now, telemetry?: StoreTelemetry): ClientStore {
  const entries = new Map<string, { client: Client; at: number }>();
  // Bumped by every invalidation: a read that started before one must not fill the cache afterwards.
  let generation = 0;
  const forget = (clientId?: string) => {
    generation++;
    if (clientId === undefined) entries.clear();
    else entries.delete(clientId);
  };
  feed.subscribe((change) => {
    if (change === 'reset') forget();
    else if (change.kind === 'client') forget(change.clientId);
  });

  return {
    async find(clientId) {
      feed.refresh?.();
      if (!feed.live) {
        telemetry?.cacheLookup('clients', 'bypass');
        return inner.find(clientId);
      }
      const hit = entries.get(clientId);
      if (hit && now() - hit.at < CLIENT_CACHE_TTL_MS) {
        telemetry?.cacheLookup('clients', 'hit');
        return structuredClone(hit.client);
      }
      telemetry?.cacheLookup('clients', 'miss');
      const startedAt = generation;
      const client = await inner.find(clientId);
      if (client && feed.live && generation === startedAt) {
        if (entries.size >= CLIENT_CACHE_LIMIT) entries.clear();
        entries.set(clientId, { client: structuredClone(client), at: now() });
      }
      return client;
    },
    list: () => inner.list(),
    listByOwner: (ownerId) => inner.listByOwner(ownerId),
    anyWithGrant: (grantType) => inner.anyWithGrant(grantType),
    // Writes drop the entry here at once; other nodes drop it when the announcement arrives.
    async create(client) {
      forget(client.clientId);
      await inner.create(client);
    },
    async createOwned(client, max) {
      forget(client.clientId);
      return inner.createOwned(client, max);
    },
    findFresh: (clientId) => inner.findFresh(clientId),
    async updateMetadata(clientId, metadata, expectedVersion, now, state) {
      forget(clientId);
      try {
        return await inner.updateMetadata(clientId, metadata, expectedVersion, now, state);
      } finally {
        forget(clientId);
      }
    },
    async setState(clientId, state, now) {
      forget(clientId);
      try {
        return await inner.setState(clientId, state, now);
      } finally {
        forget(clientId);
      }
    },
    async delete(clientId) {
      forget(clientId);
      try {
        return await inner.delete(clientId);
      } finally {
        forget(clientId);
      }
    },
  };
}
