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
  /** Hashes one requester (an IP address) may have running or waiting at once; default a quarter of all places (at least 2). */
  perRequester?: number;
}

/**
 * Bounds password hashing for the whole process. Each argon2 check costs ~10 ms of a core and
 * 19 MiB, so a flood of sign-ins would otherwise starve every other request; with a bound, extra
 * sign-ins are told to try again (503) while the rest of the server keeps answering. Each
 * requester may hold only a small share of the places, so one flooding address cannot fill the
 * queue and turn away everyone else; only a flood from many addresses degrades everyone.
 */
export function passwordGate(options: GateOptions = {}): <T>(work: () => Promise<T>, requester?: string) => Promise<T> {
  const cores = availableParallelism();
  const concurrency = options.concurrency ?? cores;
  const queueLimit = options.queue ?? cores * 16;
  // A quarter: one address (or a shared NAT) gets enough for its people, and three quarters stay for everyone else.
  const perRequester = options.perRequester ?? Math.max(2, Math.floor((concurrency + queueLimit) / 4));
  let running = 0;
  const waiting: (() => void)[] = [];
  const held = new Map<string, number>();
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const hold = (requester: string | undefined, delta: number) => {
    if (requester === undefined) return;
    const n = (held.get(requester) ?? 0) + delta;
    if (n <= 0) held.delete(requester);
    else held.set(requester, n);
  };
  return async (work, requester) => {
    if (requester !== undefined && (held.get(requester) ?? 0) >= perRequester) throw new PasswordHashingBusy('too many password checks from one requester');
    if (running >= concurrency && waiting.length >= queueLimit) throw new PasswordHashingBusy('too many password checks at once');
    hold(requester, 1);
    try {
      if (running >= concurrency) {
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
    } finally {
      hold(requester, -1);
    }
  };
}
