import type { Command } from 'commander';
import { SIGNING_ALGS, type SigningAlg } from '../core/keys/key-ring.js';
import { keyOperations } from './ops/keys.js';
import { CliError, print } from './output.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';

export function keyCommands(program: Command): void {
  const keys = program.command('keys').description('signing keys: list, rotate, prune');

  withStoreOptions(keys.command('list').description('list signing keys, active and retired')).action(async (flags: StoreOptions) => {
    await withOperations(flags, keyOperations, async (ops) => print(await ops.list(), flags.json === true));
  });

  withStoreOptions(keys.command('rotate').description('add new signing keys that sign from now on; old ones stay published until their tokens expire'))
    .option('--alg <alg>', `rotate only this algorithm (${SIGNING_ALGS.join(' or ')}); default: all`)
    .action(async (flags: StoreOptions & { alg?: string }) => {
      if (flags.alg !== undefined && !SIGNING_ALGS.includes(flags.alg as SigningAlg)) {
        throw new CliError(`--alg must be one of ${SIGNING_ALGS.join(', ')}, not '${flags.alg}'`);
      }
      const algs = flags.alg === undefined ? undefined : [flags.alg];
      await withOperations(flags, keyOperations, async (ops) => print(await ops.rotate(algs), flags.json === true));
    });

  withStoreOptions(keys.command('prune').description('remove retired keys whose tokens have all expired')).action(async (flags: StoreOptions) => {
    await withOperations(flags, keyOperations, async (ops) => print(await ops.prune(), flags.json === true));
  });
}
