import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../output.js';

/** What `tessera admin login` saves: where the server is, and the client that manages it. */
export interface AdminLogin {
  url: string;
  client_id: string;
  client_secret: string;
}

/** `TESSERA_ADMIN_CONFIG`, else `$XDG_CONFIG_HOME/tessera/admin.json`, else `~/.config/tessera/admin.json`. */
export function adminConfigPath(): string {
  const explicit = process.env['TESSERA_ADMIN_CONFIG'];
  if (explicit) return explicit;
  const base = process.env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(base, 'tessera', 'admin.json');
}

/**
 * The saved login, or undefined when there is none. It holds a client secret: like ssh with a
 * private key, a file that group or others may read is refused, not used.
 */
export function readAdminLogin(path = adminConfigPath()): AdminLogin | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if ((mode & 0o077) !== 0) {
    throw new CliError(`${path} holds a client secret but others can read it (mode 0${(mode & 0o777).toString(8)}): run chmod 600 ${path}, or tessera admin login again`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new CliError(`${path} is not a saved admin login: remove it, or run tessera admin login again`);
  }
  const login = parsed as Partial<AdminLogin>;
  if (typeof login.url !== 'string' || typeof login.client_id !== 'string' || typeof login.client_secret !== 'string') {
    throw new CliError(`${path} is not a saved admin login: remove it, or run tessera admin login again`);
  }
  return { url: login.url, client_id: login.client_id, client_secret: login.client_secret };
}

/** Saves the login readable by its owner only (0600, in a 0700 directory when it makes one). */
export function writeAdminLogin(login: AdminLogin, path = adminConfigPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // A file that existed keeps its inode: narrow it first, so the secret is never written into a readable file.
  try {
    chmodSync(path, 0o600);
  } catch {
    // not there yet
  }
  writeFileSync(path, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Forgets the login; true when there was one. */
export function removeAdminLogin(path = adminConfigPath()): boolean {
  try {
    statSync(path);
  } catch {
    return false;
  }
  rmSync(path, { force: true });
  return true;
}
