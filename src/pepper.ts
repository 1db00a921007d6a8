import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from './core/config.js';
import { pepperFingerprint } from './core/crypto.js';
import { sealStoredKeys } from './core/keys/key-ring.js';
import type { Stores } from './store/ports.js';

function decode(value: string, source: string): Buffer {
  const pepper = Buffer.from(value.trim(), 'base64url');
  if (pepper.length < 32) throw new ConfigError(`${source} must hold at least 32 bytes, base64url-encoded`);
  return pepper;
}

/** The setting in which the store records the fingerprint of the pepper it was first used with. */
export const PEPPER_FINGERPRINT_SETTING = 'pepper_fingerprint';

/**
 * The pepper file's text: only a regular file (through any link) of a few kB. A device (/dev/zero)
 * or a named pipe there would be read for ever, or block, and every command would hang.
 */
function readPepperFile(file: string): string {
  const stat = statSync(file);
  if (!stat.isFile()) throw new ConfigError(`the file ${file} must be a regular file holding the pepper`);
  if (stat.size > 4096) throw new ConfigError(`the file ${file} is too large to hold a pepper`);
  return readFileSync(file, 'utf8');
}

/** The pepper given (TESSERA_PEPPER) or kept in the data directory, if any; nothing is created. */
export function findPepper(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const fromEnv = env['TESSERA_PEPPER'];
  if (fromEnv) return decode(fromEnv, 'TESSERA_PEPPER');
  const file = join(dataDir, 'pepper');
  return existsSync(file) ? decode(readPepperFile(file), `the file ${file}`) : undefined;
}

/**
 * The pepper of client-secret hashes, form tokens and sealed TOTP secrets: TESSERA_PEPPER
 * (base64url, ≥ 32 bytes; the CLI also reads it from TESSERA_PEPPER_FILE), else a file in the
 * data directory made on first use. Every process using one store must share it.
 */
export function loadPepper(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const found = findPepper(dataDir, env);
  if (found) return found;
  const file = join(dataDir, 'pepper');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process made it first: use theirs.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return decode(readPepperFile(file), `the file ${file}`);
}

/**
 * Refuses to run with a different pepper than the one the store was first used with: on a shared
 * database, a node with its own pepper would reject every client secret the others accept.
 */
export async function checkPepper(stores: Stores, pepper: Buffer): Promise<void> {
  const mine = pepperFingerprint(pepper);
  const stored = await stores.settings.getOrSet(PEPPER_FINGERPRINT_SETTING, mine);
  if (stored !== mine) {
    throw new ConfigError(
      'this pepper is not the one the store was set up with: every node and command using one database must share it (TESSERA_PEPPER or TESSERA_PEPPER_FILE)',
    );
  }
}

/**
 * What every process that opens the store does once it knows the pepper: check that it is the
 * store's, then seal what earlier releases kept in clear (private signing keys). Returns the
 * pepper and the kids of the keys this process sealed.
 */
export async function preparePepper(stores: Stores, dataDir: string): Promise<{ pepper: Buffer; sealedKeys: string[] }> {
  const pepper = loadPepper(dataDir);
  await checkPepper(stores, pepper);
  return { pepper, sealedKeys: await sealStoredKeys(stores.keys, pepper) };
}
