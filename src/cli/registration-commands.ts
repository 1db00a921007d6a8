import type { Command } from 'commander';
import { systemClock } from '../core/context.js';
import { randomToken, sha256 } from '../core/crypto.js';
import { CliError, print } from './output.js';
import { withStoreOptions, withStores, type StoreOptions } from './store-options.js';

const positive = (flag: string, value: string | undefined): number | null => {
  if (value === undefined) return null;
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
      const expiresIn = positive('--expires-in', flags.expiresIn) ?? 24 * 3600;
      const uses = positive('--uses', flags.uses) ?? 1;
      await withStores(flags, async (stores) => {
        const token = randomToken(32);
        const now = systemClock();
        await stores.initialAccessTokens.create({ tokenHash: sha256(token), createdAt: now, expiresAt: now + expiresIn, usesLeft: uses });
        print({ token, expires_at: now + expiresIn, uses }, flags.json === true);
      });
    });
}
