import { availableParallelism } from 'node:os';

/** Raised when too many password hashes are already running or waiting: the caller answers 503. */
export class PasswordHashingBusy extends Error {
  override name = 'PasswordHashingBusy';
  /** Seconds after which trying again is likely to work. */
  readonly retryAfter = 2;
}

export interface GateOptions {
  /** Hashes that run at once (argon2 runs on libuv's thread pool); default: the number of cores. */
  concurrency?: number;
  /** Hashes that may wait for a turn; beyond this the request is refused at once. Default 16 per core. */
  queue?: number;
}

/**
 * Bounds password hashing for the whole process. Each argon2 check costs ~10 ms of a core and
 * 19 MiB, so a flood of sign-ins from many addresses would otherwise starve every other request;
 * with a bound, extra sign-ins are told to try again (503) while the rest of the server keeps answering.
 */
export function passwordGate(options: GateOptions = {}): <T>(work: () => Promise<T>) => Promise<T> {
  const cores = availableParallelism();
  const concurrency = options.concurrency ?? cores;
  const queueLimit = options.queue ?? cores * 16;
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async (work) => {
    if (running >= concurrency) {
      if (waiting.length >= queueLimit) throw new PasswordHashingBusy('too many password checks at once');
      // The slot is handed over by `release`: `running` stays the same.
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await work();
    } finally {
      release();
    }
  };
}
