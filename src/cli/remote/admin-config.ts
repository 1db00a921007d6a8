import { closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
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
 * The server URL a client secret may go to: https, or http to a loopback name only; no query or
 * fragment. Returns it without a trailing slash. `name` says where the URL came from (the flag, or
 * the saved file), so the same rule holds at login and on every later command.
 */
export function checkedServerUrl(text: string, name = '--url'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`${name} must be the server's URL (its issuer), e.g. https://id.example.com; not '${text}'`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new CliError(`${name} must use https (http only to localhost): the client secret goes there`);
  if (url.search !== '' || url.hash !== '') throw new CliError(`${name} takes no query or fragment`);
  return url.toString().replace(/\/+$/, '');
}

/** The file at `path` without following a link, or undefined when there is none. */
function entryAt(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A symlink (or a directory, a fifo…) at the config path is not a saved login: whoever planted it would choose where it points. */
function refuseIrregular(path: string, entry: Stats): void {
  if (entry.isSymbolicLink()) throw new CliError(`${path} is a symbolic link; the admin login must be a plain file: remove it, and run tessera admin login again`);
  if (!entry.isFile()) throw new CliError(`${path} is not a plain file: remove it, and run tessera admin login again`);
}

/**
 * The saved login, or undefined when there is none. It holds a client secret and decides where
 * every command goes: like ssh with a private key, a link, a file of another user, or a file that
 * group or others may read is refused, not used; so is a URL the login would have refused.
 */
export function readAdminLogin(path = adminConfigPath()): AdminLogin | undefined {
  const entry = entryAt(path);
  if (!entry) return undefined;
  refuseIrregular(path, entry);
  const uid = process.getuid?.();
  if (uid !== undefined && entry.uid !== uid) {
    throw new CliError(`${path} belongs to another user (uid ${entry.uid}), who would choose the server your commands go to: remove it, and run tessera admin login again`);
  }
  const mode = entry.mode;
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
  const url = checkedServerUrl(login.url, `the url in ${path}`);
  return { url, client_id: login.client_id, client_secret: login.client_secret };
}

/**
 * Saves the login readable by its owner only (0600, in a 0700 directory when it makes one). The
 * secret goes into a new file of our own (O_EXCL: never an existing file or the target of a link),
 * which then replaces the config path: a link planted there is replaced, its target never written.
 */
export function writeAdminLogin(login: AdminLogin, path = adminConfigPath()): void {
  const directory = dirname(path);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const entry = entryAt(path);
  if (entry) refuseIrregular(path, entry);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    try {
      fchmodSync(fd, 0o600);
      writeSync(fd, JSON.stringify(login, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (e) {
    try {
      unlinkSync(temporary);
    } catch {
      // already renamed, or never there
    }
    throw e;
  }
}

/** Forgets the login; true when there was one. A link there is removed itself, its target left alone. */
export function removeAdminLogin(path = adminConfigPath()): boolean {
  if (!entryAt(path)) return false;
  rmSync(path, { force: true });
  return true;
}
