import type { Command } from 'commander';
import { openStores } from '../server.js';
import { preparePepper } from '../pepper.js';
import type { Stores } from '../store/ports.js';
import { createAuditLog, type AuditInput } from '../core/audit.js';
import { systemClock } from '../core/context.js';
import type { AdminContext } from '../core/admin/context.js';

export interface StoreOptions {
  data: string;
  databaseUrl?: string;
  json?: boolean;
}

/** Where the store is: --database-url (PostgreSQL), else --data (the embedded store); each with its environment variable. */
export function withStoreLocation(command: Command): Command {
  return command
    .option('--data <dir>', 'data directory of the embedded store', process.env['TESSERA_DATA_DIR'] ?? './data')
    .option('--database-url <url>', 'PostgreSQL instead of the embedded store (postgres://user@host:5432/db)', process.env['TESSERA_DATABASE_URL']);
}

/** Every command picks its store like `serve` does. */
export function withStoreOptions(command: Command): Command {
  return withStoreLocation(command).option('--json', 'print JSON for scripts');
}

export function storeLocation(options: StoreOptions): { dataDir: string; databaseUrl?: string } {
  return options.databaseUrl ? { dataDir: options.data, databaseUrl: options.databaseUrl } : { dataDir: options.data };
}

/** Records what an operator did from the command line in the audit log. */
export type CliAudit = (event: AuditInput) => Promise<void>;

export async function withStores<T>(options: StoreOptions, fn: (stores: Stores, pepper: Buffer, audit: CliAudit) => Promise<T>): Promise<T> {
  const stores = await openStores(storeLocation(options));
  const log = createAuditLog(stores.audit, systemClock);
  try {
    const { pepper } = await preparePepper(stores, options.data);
    return await fn(stores, pepper, (event) => log.record({ userAgent: 'tessera-cli', actor: 'cli', ...event }));
  } finally {
    await stores.close();
  }
}

/** What the core's admin operations take, for an operator at the command line. */
export function adminContext(stores: Stores, pepper: Buffer, audit: CliAudit): AdminContext {
  return { stores, pepper, now: systemClock(), actor: 'cli', audit: (e) => audit({ ...e, reason: e.reason ?? null }) };
}

/** Runs an admin operation on the store the options name. */
export async function withAdmin<T>(options: StoreOptions, fn: (admin: AdminContext) => Promise<T>): Promise<T> {
  return withStores(options, (stores, pepper, audit) => fn(adminContext(stores, pepper, audit)));
}
