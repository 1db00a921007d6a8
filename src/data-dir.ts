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

/**
 * The data directory and its files that group or others may access (Tessera creates them 0700
 * and 0600). Missing ones are skipped: on PostgreSQL only the pepper may be there.
 */
export function looseDataPermissions(dataDir: string): LoosePermission[] {
  const loose: LoosePermission[] = [];
  const check = (path: string, want: number) => {
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch {
      return;
    }
    if ((mode & 0o077) !== 0) loose.push({ path, mode: octal(mode), want: octal(want) });
  };
  check(dataDir, 0o700);
  for (const name of PRIVATE_FILES) check(join(dataDir, name), 0o600);
  return loose;
}
