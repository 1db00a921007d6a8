import { setTimeout as sleep } from 'node:timers/promises';

/** Waits until `done()` holds, looking every 20 ms; fails naming `what` after `ms`. */
export async function until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
