import type Sqlite from 'better-sqlite3';
import type { ChangeFeed, StoreChange } from '../ports.js';

/**
 * Changes to the embedded store, for caches. This process's own writes are announced directly;
 * another process's (the CLI) are noticed by SQLite's `data_version`, which changes when another
 * connection commits, checked before a cache answers.
 */
export function sqliteChangeFeed(database: Sqlite.Database): ChangeFeed {
  const dataVersion = database.prepare('PRAGMA data_version').pluck();
  let seen = dataVersion.get();
  // Looked at once per turn of the event loop: requests handled in the same turn are concurrent
  // with any commit elsewhere anyway, and under load one look then serves many of them.
  let lookedThisTurn = false;
  const nextTurn = () => (lookedThisTurn = false);
  const listeners: ((change: StoreChange | 'reset') => void)[] = [];
  const emit = (change: StoreChange | 'reset') => {
    for (const listener of listeners) listener(change);
  };
  return {
    live: true,
    refresh() {
      if (lookedThisTurn) return;
      lookedThisTurn = true;
      setImmediate(nextTurn);
      const version = dataVersion.get();
      if (version !== seen) {
        seen = version;
        // What another process changed is unknown: everything cached goes.
        emit('reset');
      }
    },
    async publish(change) {
      emit(change);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async close() {},
  };
}
