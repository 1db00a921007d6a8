import type { Command } from 'commander';
import { makeConfig } from '../core/config.js';
import { systemClock } from '../core/context.js';
import { SIGNING_ALGS, type SigningAlg } from '../core/keys/key-ring.js';
import { JWT_LIFETIME_SETTING, keyRetention, keyState, pruneKeys, rotateKeys } from '../core/keys/rotation.js';
import type { SigningKeyRecord, Stores } from '../store/ports.js';
import { CliError, print } from './output.js';
import { withStoreOptions, withStores, type StoreOptions } from './store-options.js';

/**
 * The CLI has no server config: retention follows the longer of the default token lifetimes and
 * those the server last started with (it records them), and the clients' and APIs' own.
 */
const DEFAULTS = makeConfig({ issuer: 'http://localhost' });
async function retention(stores: Stores): Promise<number> {
  const recorded = Number((await stores.settings.get(JWT_LIFETIME_SETTING)) ?? 0) || 0;
  const ttl = { ...DEFAULTS.ttl, accessToken: Math.max(DEFAULTS.ttl.accessToken, recorded), idToken: Math.max(DEFAULTS.ttl.idToken, recorded) };
  return keyRetention({ ttl }, await stores.clients.list(), await stores.apis.list());
}

function keyView(key: SigningKeyRecord, now: number, retention: number): Record<string, unknown> {
  const state = keyState(key, now, retention);
  return {
    kid: key.kid,
    alg: key.alg,
    state,
    created_at: key.createdAt,
    retired_at: key.retiredAt,
    // When a retired key may go: every token it signed has expired by then.
    prunable_at: key.retiredAt === null ? null : key.retiredAt + retention,
  };
}

export function keyCommands(program: Command): void {
  const keys = program.command('keys').description('signing keys: list, rotate, prune');

  withStoreOptions(keys.command('list').description('list signing keys, active and retired')).action(async (flags: StoreOptions) => {
    await withStores(flags, async (stores) => {
      const now = systemClock();
      const kept = await retention(stores);
      print((await stores.keys.all()).map((k) => keyView(k, now, kept)), flags.json === true);
    });
  });

  withStoreOptions(keys.command('rotate').description('add new signing keys that sign from now on; old ones stay published until their tokens expire'))
    .option('--alg <alg>', `rotate only this algorithm (${SIGNING_ALGS.join(' or ')}); default: all`)
    .action(async (flags: StoreOptions & { alg?: string }) => {
      if (flags.alg !== undefined && !SIGNING_ALGS.includes(flags.alg as SigningAlg)) {
        throw new CliError(`--alg must be one of ${SIGNING_ALGS.join(', ')}, not '${flags.alg}'`);
      }
      const algs = flags.alg === undefined ? SIGNING_ALGS : [flags.alg as SigningAlg];
      await withStores(flags, async (stores, pepper, audit) => {
        const now = systemClock();
        const added = await rotateKeys(stores.keys, pepper, now, algs);
        for (const key of added) await audit({ type: 'key.rotated', reason: `${key.alg} ${key.kid}` });
        const kept = await retention(stores);
        print(added.map((k) => keyView(k, now, kept)), flags.json === true);
      });
    });

  withStoreOptions(keys.command('prune').description('remove retired keys whose tokens have all expired')).action(async (flags: StoreOptions) => {
    await withStores(flags, async (stores) => {
      const removed = await pruneKeys(stores.keys, systemClock(), await retention(stores));
      print({ pruned: removed }, flags.json === true);
    });
  });
}
