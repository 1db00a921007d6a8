/**
 * Runs `fn` after every earlier call for the same key has finished on this node: the same console
 * form posted several times at once (a double click, a retried request), or an admin API If-Match
 * check and its write, happen one after the other, and each answer shows the state its own change left.
 */
export function serializedBy() {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
