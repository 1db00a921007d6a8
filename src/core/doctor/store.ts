import type { StoreFacts } from './facts.js';
import { error, humanMs, ok, warn, type CheckResult } from './result.js';
import { clockCheck } from './clock.js';

/** A query slower than this, on a store a request reads several times, slows every request. */
export const SLOW_DATABASE_MS = 100;

/** `database`: the store opens and answers, and how fast. */
export function databaseCheck(store: StoreFacts): CheckResult {
  if ('error' in store.opened) {
    if (store.opened.missing) {
      return warn('database', `no store in ${store.where} yet`, 'serve creates it at its first start; if it is elsewhere, name it with --data (TESSERA_DATA_DIR) or --database-url');
    }
    const fix = store.kind === 'postgres' ? 'check TESSERA_DATABASE_URL (host, port, user, password, database) and that PostgreSQL runs and accepts this machine' : 'check --data (TESSERA_DATA_DIR) and that this user may read the directory';
    return error('database', `cannot open ${store.where}: ${store.opened.error}`, fix);
  }
  const ms = humanMs(store.opened.latencyMs);
  if (store.opened.latencyMs > SLOW_DATABASE_MS) {
    return warn('database', `${store.where} answers, but a query took ${ms}`, 'put the database close to the nodes (same network, same zone), or find what loads it');
  }
  return ok('database', `${store.where} answers in ${ms}`);
}

/** `migrations`: the schema is the one this release expects. */
export function migrationsCheck(store: StoreFacts): CheckResult | undefined {
  const read = store.migrations;
  if (!read) return undefined;
  if ('error' in read) return error('migrations', `cannot read the applied migrations: ${read.error}`, 'check that this user may read the database');
  const { known, applied } = read.value;
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    return error('migrations', `the database holds migrations this release does not know (${unknown.join(', ')}): a newer release migrated it`, 'run the release that migrated it (or newer) on every node and for every command');
  }
  if (applied.length === 0) return warn('migrations', `the database is empty: none of the ${known.length} migrations is applied`, 'run tessera migrate (serve also sets the schema up when it starts)');
  const pending = known.filter((name) => !applied.includes(name));
  if (pending.length > 0) {
    return warn('migrations', `${pending.length} of ${known.length} migrations not applied yet: ${pending.join(', ')}`, 'run tessera migrate before the nodes of this release start (serve also migrates when it starts)');
  }
  return ok('migrations', `all ${known.length} migrations applied`);
}

/** `clock.database`: the database server's clock (PostgreSQL; the embedded store has this machine's). */
export function databaseClockCheck(store: StoreFacts): CheckResult | undefined {
  const read = store.clockSkewMs;
  if (!read) return undefined;
  if ('error' in read) return warn('clock.database', `cannot read the database's clock: ${read.error}`, 'check that this user may run SELECT now()');
  return clockCheck('clock.database', `the database at ${store.where}`, read.value);
}
