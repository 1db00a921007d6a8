import { performance } from 'node:perf_hooks';
import type { Read } from '../../core/doctor/result.js';
import type { StoreFacts } from '../../core/doctor/facts.js';
import { MissingStoreError, openForInspection } from '../../store/inspect.js';
import { MIGRATION_NAMES } from '../../store/sql/migrations.js';
import { redactUrl } from '../../store/postgres/open.js';
import { PEPPER_FINGERPRINT_SETTING } from '../../pepper.js';
import { isSealed, unseal } from '../../core/crypto.js';
import { currentKeyRetention } from '../../core/admin/keys.js';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A statement that ran out of time (pg's client and server timeouts, SQLite's busy timeout). */
const TIMED_OUT = /Query read timeout|statement timeout|database is locked/i;

/**
 * The reads of one inspection: once one has run out of time, the database has stopped answering,
 * and the others are not sent (each would wait its own timeout, one after another).
 */
function reader() {
  let stalled: string | undefined;
  return async function read<T>(fn: () => Promise<T>): Promise<Read<T>> {
    if (stalled !== undefined) return { error: `not read: the database stopped answering (${stalled})` };
    try {
      return { value: await fn() };
    } catch (e) {
      if (TIMED_OUT.test(message(e))) stalled = message(e);
      return { error: message(e) };
    }
  };
}

/** Looks at the store without changing it: reachability, schema, clock, recorded pepper, keys, clients. */
export async function probeStore(location: { dataDir: string; databaseUrl?: string }, pepper: Buffer | undefined): Promise<StoreFacts> {
  const kind = location.databaseUrl ? 'postgres' : 'sqlite';
  const where = location.databaseUrl ? redactUrl(location.databaseUrl) : location.dataDir;
  let inspected;
  try {
    inspected = await openForInspection(location);
  } catch (e) {
    return { where, kind, opened: { error: message(e), ...(e instanceof MissingStoreError ? { missing: true } : {}) } };
  }
  try {
    const { stores } = inspected;
    const started = performance.now();
    try {
      await stores.ping();
    } catch (e) {
      // Opened, but it does not answer (a file that is not a database, a server that stopped).
      return { where, kind, opened: { error: message(e) } };
    }
    const facts: StoreFacts = { where, kind, opened: { latencyMs: performance.now() - started } };
    const read = reader();
    facts.migrations = await read(async () => ({ known: [...MIGRATION_NAMES], applied: await inspected.appliedMigrations() }));
    if (kind === 'postgres') {
      facts.clockSkewMs = await read(async () => {
        const sentAt = Date.now();
        const theirs = await inspected.clock();
        const receivedAt = Date.now();
        if (theirs === undefined) throw new Error('no answer');
        return theirs - (sentAt + receivedAt) / 2;
      });
    }
    // An empty database has no tables to read yet.
    if ('value' in facts.migrations && facts.migrations.value.applied.length === 0) return facts;
    facts.pepperFingerprint = await read(async () => (await stores.settings.get(PEPPER_FINGERPRINT_SETTING)) ?? null);
    facts.keys = await read(async () => ({
      keys: (await stores.keys.all()).map((k) => ({
        kid: k.kid,
        alg: k.alg,
        createdAt: k.createdAt,
        retiredAt: k.retiredAt,
        sealed: isSealed(k.privateJwk),
        ...(pepper && isSealed(k.privateJwk) ? { opens: unseal(pepper, k.privateJwk, 'signing_key') !== undefined } : {}),
      })),
      retention: await currentKeyRetention(stores),
    }));
    facts.passwordGrantClients = await read(async () => (await stores.clients.list()).filter((c) => !c.disabled && c.grantTypes.includes('password')).map((c) => c.clientId));
    return facts;
  } finally {
    await inspected.close();
  }
}
