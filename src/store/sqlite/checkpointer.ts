import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Sqlite from 'better-sqlite3';

/** How often the background connection moves the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 1000;
/** SQLite's own default, restored should the background connection fail. */
const AUTOCHECKPOINT_PAGES = 1000;

// Runs in a worker thread, with its own connection to the same file. A PASSIVE checkpoint never
// waits for (or stops) the server's readers and writers.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage(String(error)); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); try { db.pragma('wal_checkpoint(PASSIVE)'); } finally { db.close(); process.exit(0); } });
`;

/**
 * Checkpoints in the background. SQLite otherwise checkpoints inside whichever commit fills the
 * WAL past 1,000 pages: that commit (and the event loop with it) then copies pages and waits
 * for fsync, which doubled the cost of a commit and made the slowest requests slower. If the
 * worker fails, the server's connection checkpoints again as SQLite does by default.
 */
export function startBackgroundCheckpoints(database: Sqlite.Database, file: string, onError: (error: unknown) => void = () => {}): { stop(): Promise<void> } {
  database.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3'), intervalMs: CHECKPOINT_INTERVAL_MS } });
  worker.unref();
  const fallBack = (error: unknown) => {
    if (database.open) database.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    onError(error);
  };
  worker.on('message', (message) => onError(new Error(`background checkpoint: ${message}`)));
  worker.on('error', fallBack);
  let stopped = false;
  worker.on('exit', (code) => {
    if (!stopped) fallBack(new Error(`background checkpoint thread exited (${code})`));
  });
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Unreferenced, the thread would not keep the process alive for its own last checkpoint.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
