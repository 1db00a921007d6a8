import type { Command } from 'commander';
import { auditOperations } from './ops/audit.js';
import { CliError, print } from './output.js';
import { tailAudit, tailLine } from './audit-tail.js';
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
  withStoreOptions(audit.command('tail').description('print events as they happen, until Ctrl-C (every node\'s, on a shared store)'))
    .option('--since <when>', 'first print the events since then: Unix seconds, an ISO 8601 time, or an age like 30m')
    .option('--type <type>', 'only events of this type, e.g. login.failure')
    .option('--user <user>', 'only events of this user (id or username)')
    .option('--client <clientId>', 'only events of this client')
    .option('--interval <seconds>', 'how often to look for new events (default 1)')
    .action(async (flags: AuditFlags & { interval?: string }) => {
      const { since, type, user, client } = flags;
      const interval = flags.interval ?? '1';
      if (!/^\d+(\.\d+)?$/.test(interval) || Number(interval) < 0.1 || Number(interval) > 3600) throw new CliError(`--interval must be seconds between 0.1 and 3600, not '${interval}'`);
      const filters = Object.fromEntries(Object.entries({ since, type, user, client }).filter(([, v]) => v !== undefined)) as Record<string, string>;
      const stop = new AbortController();
      // Ctrl-C (or a supervisor's SIGTERM) ends the loop; the store is then closed as after any command.
      const end = () => stop.abort();
      process.once('SIGINT', end);
      process.once('SIGTERM', end);
      await withOperations(flags, auditOperations, (ops) =>
        tailAudit({
          list: (f) => ops.list(f),
          filters,
          backfill: since !== undefined,
          intervalMs: Number(interval) * 1000,
          // JSON lines with --json (one object a line, for jq or a shipper), else one readable line each.
          print: (events) => process.stdout.write(events.map((e) => (flags.json ? JSON.stringify(e) : tailLine(e)) + '\n').join('')),
          ready: () => process.stderr.write('following the audit log; Ctrl-C to stop\n'),
          signal: stop.signal,
        }),
      );
    });
}
