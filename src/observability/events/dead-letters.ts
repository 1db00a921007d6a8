import { closeSync, createWriteStream, fchmodSync, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../../core/config.js';
import { APPEND_NO_FOLLOW, openProblem } from './file.js';
import type { OutgoingEvent } from '../../core/events/schema.js';

/** What is kept of an event no delivery reached: enough to send it again by hand. */
export interface DeadLetter {
  sink: string;
  reason: string;
  attempts: number;
  last_error: string | null;
  event: OutgoingEvent;
}

export interface DeadLetters {
  readonly path: string;
  add(letter: DeadLetter): void;
  close(): Promise<void>;
}

/**
 * Events a sink gave up on, one JSON line each in a file only the server's user can read (0600):
 * events name users, addresses and clients. Appends go through a stream, so setting one aside
 * never blocks the request that made the event.
 */
export function deadLetterFile(path: string, onError: (error: unknown) => void): DeadLetters {
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(path, APPEND_NO_FOLLOW, 0o600);
    // A file that existed before keeps its mode on open; narrow it.
    fchmodSync(fd, 0o600);
  } catch (e) {
    throw new ConfigError(`cannot open the dead-letter file ${path}: ${openProblem(e)}`);
  }
  let stream: WriteStream | undefined;
  const open = () => {
    if (!stream) {
      stream = createWriteStream(path, { fd, flags: 'a', autoClose: true });
      stream.on('error', onError);
    }
    return stream;
  };
  return {
    path,
    add(letter) {
      open().write(JSON.stringify({ dead_at: new Date().toISOString(), ...letter }) + '\n');
    },
    async close() {
      if (!stream) {
        closeSync(fd);
        return;
      }
      const s = stream;
      await new Promise<void>((resolve) => s.end(resolve));
    },
  };
}
