import type { Command } from 'commander';
import { openStores } from '../server.js';
import { redactUrl } from '../store/postgres/open.js';
import { preparePepper } from '../pepper.js';
import { withStoreOptions, storeLocation, type StoreOptions } from './store-options.js';
import { print } from './output.js';

/**
 * Brings the store's schema up to date, seals what earlier releases stored in clear, and exits.
 * `serve` does the same at start (nodes that start together take turns under an advisory lock);
 * this lets an operator migrate before a rollout. With --json a script reads what was applied:
 * `{ "store", "applied": [migration names], "sealed_keys": [kids] }` (both lists empty when there was nothing to do).
 */
export function migrateCommand(program: Command): void {
  withStoreOptions(program.command('migrate').description('bring the database schema up to date, then exit')).action(async (flags: StoreOptions) => {
    let applied: string[] = [];
    const stores = await openStores(storeLocation(flags), (names) => (applied = names));
    let sealed: string[];
    try {
      ({ sealedKeys: sealed } = await preparePepper(stores, flags.data));
    } finally {
      await stores.close();
    }
    const where = flags.databaseUrl ? redactUrl(flags.databaseUrl) : flags.data;
    if (flags.json) return print({ store: where, applied, sealed_keys: sealed }, true);
    const what = applied.length === 0 ? 'nothing to apply' : `applied ${applied.join(', ')}`;
    const keys = sealed.length === 0 ? '' : `; sealed ${sealed.length} signing key(s) stored in clear`;
    process.stdout.write(`${where}: ${what}${keys}; the schema is up to date\n`);
  });
}
