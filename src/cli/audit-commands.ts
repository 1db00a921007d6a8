import type { Command } from 'commander';
import { auditOperations } from './ops/audit.js';
import { print } from './output.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';

interface AuditFlags extends StoreOptions {
  since?: string;
  type?: string;
  user?: string;
  client?: string;
  limit?: string;
  before?: string;
}

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit log of security-relevant events');
  withStoreOptions(audit.command('list').description('list events, newest first'))
    .option('--since <when>', 'only events since then: Unix seconds, an ISO 8601 time, or an age like 30m, 24h, 7d')
    .option('--type <type>', 'only events of this type, e.g. login.failure')
    .option('--user <user>', 'only events of this user (id or username)')
    .option('--client <clientId>', 'only events of this client')
    .option('--limit <n>', 'at most this many events (default 100, at most 1000)')
    .option('--before <id>', 'only events older than this id (for paging)')
    .action(async (flags: AuditFlags) => {
      const { since, type, user, client, limit, before } = flags;
      const filters = Object.fromEntries(Object.entries({ since, type, user, client, limit, before }).filter(([, v]) => v !== undefined)) as Record<string, string>;
      await withOperations(flags, auditOperations, async (ops) => print(await ops.list(filters), flags.json === true));
    });
}
