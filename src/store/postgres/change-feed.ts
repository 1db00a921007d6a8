import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import type { ChangeFeed, StoreChange } from '../ports.js';

/** The PostgreSQL notification channel every Tessera node listens on. */
export const CHANGE_CHANNEL = 'tessera_changes';
const RECONNECT_DELAY_MS = 1000;

function parseChange(payload: string | undefined): StoreChange | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Partial<StoreChange>;
    if (value.kind === 'keys') return { kind: 'keys' };
    if (value.kind === 'identity_providers') return { kind: 'identity_providers' };
    if (value.kind === 'apis') return { kind: 'apis' };
    if (value.kind === 'client' && typeof value.clientId === 'string') return { kind: 'client', clientId: value.clientId };
  } catch {
    // Not ours (someone else on the channel): ignore.
  }
  return undefined;
}

/**
 * Changes announced with NOTIFY and heard with LISTEN on one dedicated connection. Notifications
 * are delivered only while that connection is up, so each (re)connection reports a `'reset'` and
 * caches start over; while it is down, `live` is false and caches step aside.
 */
export async function pgChangeFeed(connectionString: string, db: Kysely<any>): Promise<ChangeFeed> {
  const listeners: ((change: StoreChange | 'reset') => void)[] = [];
  const emit = (change: StoreChange | 'reset') => listeners.forEach((l) => l(change));
  let client: pg.Client | undefined;
  let live = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const reconnectLater = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RECONNECT_DELAY_MS);
    retry.unref();
  };

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString });
    // Errors end the connection; 'end' below schedules the reconnection.
    next.on('error', () => {});
    next.on('end', () => {
      if (client !== next) return;
      client = undefined;
      live = false;
      emit('reset');
      reconnectLater();
    });
    next.on('notification', (message) => {
      const change = parseChange(message.payload);
      if (change) emit(change);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch {
      await next.end().catch(() => {});
      reconnectLater();
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    live = true;
    // Whatever changed while we were not listening is unknown: start over.
    emit('reset');
  }

  await connect();
  return {
    get live() {
      return live;
    },
    async publish(change) {
      await sql`select pg_notify(${CHANGE_CHANNEL}, ${JSON.stringify(change)})`.execute(db);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      live = false;
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
