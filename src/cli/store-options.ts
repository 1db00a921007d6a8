import type { Command } from 'commander';
import { openStores, loadPepper } from '../server.js';
import type { Stores } from '../store/ports.js';

export interface StoreOptions {
  data: string;
  json?: boolean;
}

/** Every command picks its store like `serve` does: --data, else TESSERA_DATA_DIR, else ./data. */
export function withStoreOptions(command: Command): Command {
  return command.option('--data <dir>', 'data directory of the embedded store', process.env['TESSERA_DATA_DIR'] ?? './data').option('--json', 'print JSON for scripts');
}

export async function withStores<T>(options: StoreOptions, fn: (stores: Stores, pepper: Buffer) => Promise<T>): Promise<T> {
  const stores = await openStores({ dataDir: options.data });
  try {
    return await fn(stores, loadPepper(options.data));
  } finally {
    await stores.close();
  }
}
