import type { Command } from 'commander';
import { openStores, loadPepper } from '../server.js';
import type { Stores } from '../store/ports.js';
import { createAuditLog, type AuditInput } from '../core/audit.js';
import { systemClock } from '../core/context.js';

export interface StoreOptions {
  data: string;
  json?: boolean;
}

/** Every command picks its store like `serve` does: --data, else TESSERA_DATA_DIR, else ./data. */
export function withStoreOptions(command: Command): Command {
  return command.option('--data <dir>', 'data directory of the embedded store', process.env['TESSERA_DATA_DIR'] ?? './data').option('--json', 'print JSON for scripts');
}

/** Records what an operator did from the command line in the audit log. */
export type CliAudit = (event: AuditInput) => Promise<void>;

export async function withStores<T>(options: StoreOptions, fn: (stores: Stores, pepper: Buffer, audit: CliAudit) => Promise<T>): Promise<T> {
  const stores = await openStores({ dataDir: options.data });
  const log = createAuditLog(stores.audit, systemClock);
  try {
    return await fn(stores, loadPepper(options.data), (event) => log.record({ userAgent: 'tessera-cli', ...event }));
  } finally {
    await stores.close();
  }
}
