/**
 * Group commit: writes asked for while the event loop is busy are written together, in one
 * statement and one transaction, on the next turn of the loop. Each caller's promise settles when
 * its write is committed, so nothing is acknowledged before it is stored; under load, one commit
 * (and one WAL append on SQLite) serves many requests instead of one each.
 */
export function groupCommit<T>(writeMany: (items: T[]) => Promise<void>, maxBatch: number, onBatch?: (size: number) => void): (item: T) => Promise<void> {
  let pending: { item: T; settle: (error?: unknown) => void }[] = [];
  let scheduled = false;

  const flush = async (): Promise<void> => {
    const batch = pending.slice(0, maxBatch);
    pending = pending.slice(batch.length);
    onBatch?.(batch.length);
    try {
      await writeMany(batch.map((p) => p.item));
      for (const p of batch) p.settle();
    } catch (error) {
      for (const p of batch) p.settle(error);
    }
    if (pending.length > 0) setImmediate(() => void flush());
    else scheduled = false;
  };

  return (item) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ item, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
}
