import type { Command } from 'commander';
import { registrationTokenOperations } from './ops/registration-tokens.js';
import { CliError, print } from './output.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';

const positive = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive whole number, not '${value}'`);
  return n;
};

export function registrationCommands(program: Command): void {
  const tokens = program.command('registration-token').description('initial access tokens for dynamic client registration (RFC 7591)');
  withStoreOptions(tokens.command('create').description('make a token that lets an app register itself at /register; shown only now'))
    .option('--expires-in <seconds>', 'lifetime in seconds (default: 1 day)')
    .option('--uses <n>', 'how many registrations it allows (default: 1)')
    .action(async (flags: StoreOptions & { expiresIn?: string; uses?: string }) => {
      const expiresIn = positive('--expires-in', flags.expiresIn);
      const uses = positive('--uses', flags.uses);
      const input = { ...(expiresIn === undefined ? {} : { expiresIn }), ...(uses === undefined ? {} : { uses }) };
      await withOperations(flags, registrationTokenOperations, async (ops) => print(await ops.create(input), flags.json === true));
    });

  withStoreOptions(tokens.command('list').description('list tokens by id (their SHA-256), with state, expiry and uses left; never the tokens themselves')).action(
    async (flags: StoreOptions) => {
      await withOperations(flags, registrationTokenOperations, async (ops) => print(await ops.list(), flags.json === true));
    },
  );

  withStoreOptions(tokens.command('revoke <id>').description('revoke a token (by its id, or the token itself); clients it registered stay')).action(
    async (id: string, flags: StoreOptions) => {
      await withOperations(flags, registrationTokenOperations, async (ops) => print(await ops.revoke(id), flags.json === true));
    },
  );
}
