import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openStores } from '../server.js';
import { SQLITE_FILE } from '../store/sqlite/open.js';
import { CliError } from './output.js';
import { readAdminLogin, type AdminLogin } from './remote/admin-config.js';
import { AdminHttp } from './remote/admin-http.js';
import { preparePepper } from '../pepper.js';
import type { Stores } from '../store/ports.js';
import { createAuditLog, type AuditInput } from '../core/audit.js';
import { systemClock } from '../core/context.js';
import type { AdminContext } from '../core/admin/context.js';

export interface StoreOptions {
  data: string;
  databaseUrl?: string;
  json?: boolean;
  /** Whether --data or --database-url was given, by flag or environment (set before the action runs). */
  storeGiven?: boolean;
}

/**
 * Notes on a command about to run whether its store was named (flag or environment) or is only
 * the default ./data: only then may it go to a running server, or be refused (see withStores).
 */
export function noteStoreChoice(action: Command): void {
  if (!action.options.some((o) => o.attributeName() === 'data')) return;
  // An empty flag is a mistake (`--data "$DIR"` with DIR unset), never a store: refused before it
  // falls back to ./data or reaches the store with an empty path. An empty variable is unset.
  if (action.getOptionValueSource('data') === 'cli' && action.getOptionValue('data') === '') throw new CliError('--data needs a directory: an empty one names no store');
  if (action.getOptionValueSource('databaseUrl') === 'cli' && action.getOptionValue('databaseUrl') === '') {
    throw new CliError('--database-url needs a URL (postgres://user@host:5432/db): an empty one names no store');
  }
  const byFlag = action.getOptionValueSource('data') === 'cli' || action.getOptionValueSource('databaseUrl') === 'cli';
  const byEnv = Boolean(process.env['TESSERA_DATA_DIR']) || Boolean(process.env['TESSERA_DATABASE_URL']);
  action.setOptionValue('storeGiven', byFlag || byEnv);
}

/** The saved admin login, when this command goes to a running server rather than a store. */
export function remoteLogin(options: StoreOptions): AdminLogin | undefined {
  return options.storeGiven === false ? readAdminLogin() : undefined;
}

/**
 * Without a store named, a default ./data that holds none is not opened (which would create an
 * empty store and write to it): the operator surely meant another store, or a running server.
 */
function refuseNewDefaultStore(options: StoreOptions): void {
  if (options.storeGiven !== false || options.databaseUrl || existsSync(join(options.data, SQLITE_FILE))) return;
  throw new CliError(
    `no store in ${options.data}: name one with --data DIR or --database-url URL (or TESSERA_DATA_DIR, TESSERA_DATABASE_URL), or run tessera admin login --url URL to manage a running server`,
  );
}

/** Where the store is: --database-url (PostgreSQL), else --data (the embedded store); each with its environment variable. */
export function withStoreLocation(command: Command): Command {
  return command
    .option('--data <dir>', 'data directory of the embedded store', process.env['TESSERA_DATA_DIR'] || './data')
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
  refuseNewDefaultStore(options);
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

/** A command group's operations, once against a store and once against a running server's admin API. */
export interface Operations<O> {
  local(admin: AdminContext): O;
  remote(api: AdminHttp): O;
}

/** Runs a command's action on the operations its options pick: the saved admin login's server, or the store. */
export async function withOperations<O, T>(options: StoreOptions, impl: Operations<O>, fn: (ops: O) => Promise<T>): Promise<T> {
  const login = remoteLogin(options);
  if (login) return fn(impl.remote(new AdminHttp(login)));
  return withAdmin(options, (admin) => fn(impl.local(admin)));
}
