import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SQLITE_FILE } from './store/sqlite/open.js';

/** What the data directory holds that no one but the server's user may read: the database and the pepper. */
const PRIVATE_FILES = [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`, 'pepper'];

export interface LoosePermission {
  path: string;
  /** The mode found, octal (e.g. `0644`). */
  mode: string;
  /** The mode it should have. */
  want: string;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

const modeOf = (path: string): number | undefined => {
  try {
    return statSync(path).mode;
  } catch {
    return undefined;
  }
};

/**
 * The data directory and its files that group or others may access (Tessera creates them 0700
 * and 0600). Missing files are skipped, and the directory matters only while it holds one: on
 * PostgreSQL it may be empty, or hold only the pepper.
 */
export function looseDataPermissions(dataDir: string): LoosePermission[] {
  const loose: LoosePermission[] = [];
  const open = (mode: number) => (mode & 0o077) !== 0;
  let holdsAny = false;
  for (const name of PRIVATE_FILES) {
    const path = join(dataDir, name);
    const mode = modeOf(path);
    if (mode === undefined) continue;
    holdsAny = true;
    if (open(mode)) loose.push({ path, mode: octal(mode), want: '0600' });
  }
  const dirMode = modeOf(dataDir);
  if (holdsAny && dirMode !== undefined && open(dirMode)) loose.unshift({ path: dataDir, mode: octal(dirMode), want: '0700' });
  return loose;
}
