import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { LooseFile, PepperFacts } from '../../core/doctor/facts.js';
import { looseDataPermissions } from '../../data-dir.js';
import { findPepper } from '../../pepper.js';
import { pepperFingerprint } from '../../core/crypto.js';
import { SECRET_SETTINGS } from '../secret-files.js';
import { join } from 'node:path';

/** What each private file of the data directory holds, for the finding. */
function holds(path: string, dataDir: string): string {
  if (path === dataDir) return 'the data directory';
  return basename(path) === 'pepper' ? 'the pepper' : 'the store';
}

/** A file group or others may access, if it exists. */
function loose(path: string, holds: string): LooseFile | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    // Not there (yet): nothing to open up.
    return undefined;
  }
  return (mode & 0o077) !== 0 ? { path, mode: `0${(mode & 0o777).toString(8)}`, want: '0600', holds } : undefined;
}

/**
 * The data directory's private files, the secret files named by `*_FILE` settings, and `others`
 * (what the event sinks write or read), that group or others may access.
 */
export function looseFiles(dataDir: string, env: NodeJS.ProcessEnv, others: { path: string; holds: string }[] = []): LooseFile[] {
  const found: (LooseFile | undefined)[] = looseDataPermissions(dataDir).map((l) => ({ ...l, holds: holds(l.path, dataDir) }));
  for (const name of SECRET_SETTINGS) {
    const path = env[`${name}_FILE`];
    if (path) found.push(loose(path, `${name}_FILE`));
  }
  for (const other of others) found.push(loose(other.path, other.holds));
  return found.filter((f): f is LooseFile => f !== undefined);
}

/** Where the pepper comes from, and its fingerprint; the pepper itself stays here. */
export function pepperFacts(dataDir: string, env: NodeJS.ProcessEnv): { facts: PepperFacts; pepper?: Buffer } {
  const file = join(dataDir, 'pepper');
  const source = env['TESSERA_PEPPER_FILE'] ? 'TESSERA_PEPPER_FILE' : env['TESSERA_PEPPER'] ? 'TESSERA_PEPPER' : 'data-file';
  const where = source === 'TESSERA_PEPPER_FILE' ? `TESSERA_PEPPER_FILE (${env['TESSERA_PEPPER_FILE']})` : source === 'TESSERA_PEPPER' ? 'TESSERA_PEPPER' : file;
  try {
    const pepper = findPepper(dataDir, env);
    if (!pepper) return { facts: { source: 'none', wouldCreate: file } };
    return { facts: { source, where, fingerprint: pepperFingerprint(pepper) }, pepper };
  } catch (e) {
    return { facts: { source, where, problem: e instanceof Error ? e.message : String(e) } };
  }
}
