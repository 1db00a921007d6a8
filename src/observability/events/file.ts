import { close, constants, fchmodSync, fstatSync, lstatSync, mkdirSync, open, openSync, rename, write } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../core/config.js';
import type { EventSink } from '../../core/events/sink.js';
import type { SinkLog } from './sink-log.js';

const writeAsync = promisify(write) as (fd: number, text: string) => Promise<unknown>;
const closeAsync = promisify(close);
const openAsync = promisify(open);
const renameAsync = promisify(rename);

export interface FileSinkOptions {
  path: string;
  /** Rotate when the file would grow past this (default 10 MiB). */
  maxBytes?: number;
  /** Rotated files kept: `events.jsonl.1` (newest) … `.N` (default 5). */
  keep?: number;
  log: SinkLog;
}

/** Lines waiting for the disk before new events are dropped (and that logged): a stalled disk must not grow memory without bound. */
const MAX_PENDING = 10_000;

/**
 * Appending, creating; never through a symbolic link (ELOOP): a link planted at the path (in a shared
 * directory, or between a rotation's rename and open) would have the server append to, and narrow
 * the mode of, whatever file it points at. An operator names the file itself.
 */
export const APPEND_NO_FOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

const LINK_PROBLEM = 'it is a symbolic link (name the file itself)';

/** Why a file cannot be opened, in words: the error code, and what ELOOP means here. */
export const openProblem = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ELOOP' ? LINK_PROBLEM : (code ?? (e as Error).message);
};

/** Throws the ConfigError opening would, for a path that is a symbolic link; looks only (for doctor). */
export function checkNotLink(path: string, what: string): void {
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    // Not there: it is made at startup.
  }
  if (link) throw new ConfigError(`cannot open the ${what} ${path}: ${LINK_PROBLEM}`);
}

/** Opens (creating) the file for appending, readable by the server's user only: events name users and addresses. */
function openPrivate(path: string): number {
  const fd = openSync(path, APPEND_NO_FOLLOW, 0o600);
  fchmodSync(fd, 0o600);
  return fd;
}

/**
 * Each event as one JSON line appended to a file, for a log shipper to pick up. When the file would
 * pass `maxBytes` it is renamed to `.1` (older ones move up, the oldest beyond `keep` is dropped) and
 * a new file begins. Writes happen in the background, in order.
 */
export function fileSink(options: FileSinkOptions): EventSink {
  const { path, log } = options;
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const keep = options.keep ?? 5;
  if (!Number.isInteger(keep) || keep < 1) throw new ConfigError('the events file must keep at least 1 rotated file');
  let fd: number;
  let size: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openPrivate(path);
    size = fstatSync(fd).size;
  } catch (e) {
    throw new ConfigError(`cannot open the events file ${path}: ${openProblem(e)}`);
  }
  let pending: string[] = [];
  let writing: Promise<void> | undefined;
  let dropping = false;

  // The new file is opened before the old descriptor is closed: a rename or open that fails leaves
  // the sink writing on to the file it had (past the size, logged), never holding a closed descriptor,
  // whose number the process may since have given to a socket or another file.
  const rotate = async () => {
    try {
      for (let i = keep - 1; i >= 1; i--) {
        await renameAsync(`${path}.${i}`, `${path}.${i + 1}`).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
      }
      await renameAsync(path, `${path}.1`);
      const next = await openAsync(path, APPEND_NO_FOLLOW, 0o600);
      const old = fd;
      fd = next;
      await closeAsync(old).catch(() => {});
    } catch (error) {
      log.error({ err: error, path }, 'events file: cannot rotate; writing on to the current file, past its size, until rotating works');
    }
    // Either way the next attempt comes after another maxBytes.
    size = 0;
  };

  const drain = async () => {
    while (pending.length > 0) {
      const lines = pending;
      pending = [];
      let chunk = '';
      let chunkBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (size + chunkBytes + bytes > maxBytes && size + chunkBytes > 0) {
          if (chunk) await writeAsync(fd, chunk);
          size += chunkBytes;
          chunk = '';
          chunkBytes = 0;
          await rotate();
        }
        chunk += line;
        chunkBytes += bytes;
      }
      if (chunk) await writeAsync(fd, chunk);
      size += chunkBytes;
    }
  };

  const flush = () => {
    writing ??= drain()
      .catch((error: unknown) => log.error({ err: error, path }, 'events file: writing failed; the events of this batch are lost'))
      .finally(() => {
        writing = undefined;
        if (pending.length > 0) flush();
      });
  };

  return {
    name: 'file',
    send(event) {
      if (pending.length >= MAX_PENDING) {
        if (!dropping) log.error({ path }, 'events file: the disk does not keep up; events are dropped until it does');
        dropping = true;
        return;
      }
      dropping = false;
      pending.push(JSON.stringify(event) + '\n');
      flush();
    },
    async close(deadline) {
      while (writing) {
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([writing.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, deadline - Date.now()))))]);
        clearTimeout(timer);
        if (late) {
          log.error({ path, unwritten: pending.length }, 'events file: stopping before every event was written');
          break;
        }
      }
      await closeAsync(fd).catch(() => {});
    },
  };
}
