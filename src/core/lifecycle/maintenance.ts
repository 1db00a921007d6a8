import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Context } from '../context.js';
import type { Expiring } from '../../store/ports.js';
import { keyRetention, pruneKeys } from '../keys/rotation.js';

/** How long a sent or given-up email's row stays (recipient, template, status; its content is erased at once) for operators to look into. */
export const MAIL_RETENTION_SECONDS = 7 * 24 * 3600;

/** Rows deleted per statement: small enough that requests waiting for the database barely notice. */
export const CLEANUP_BATCH = 500;

export interface CleanupReport {
  codes: number;
  refreshTokens: number;
  accessTokens: number;
  sessions: number;
  interactions: number;
  deviceCodes: number;
  /** Expired single-use account tokens (reset and verification links, invitations), and outbox messages settled longer ago than the retention. */
  accountTokens: number;
  passkeyChallenges: number;
  mail: number;
  keys: number;
  auditEvents: number;
}

/** Deletes everything expired in batches, letting other work run between them. */
async function drain(store: Expiring, now: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await store.deleteExpired(now, CLEANUP_BATCH);
    total += deleted;
    if (deleted < CLEANUP_BATCH) return total;
    await yieldToEventLoop();
  }
}

/**
 * Removes expired codes, refresh tokens, access-token records and revocation entries (past the
 * token's `exp` they are moot), sessions and interactions, audit events past their retention, and
 * prunes retired signing keys whose tokens have all expired.
 */
export async function cleanUp(ctx: Context): Promise<CleanupReport> {
  const now = ctx.now();
  const { stores } = ctx;
  const report: CleanupReport = {
    codes: await drain(stores.codes, now),
    refreshTokens: await drain(stores.refreshTokens, now),
    accessTokens: (await drain(stores.accessTokens, now)) + (await drain(stores.revokedFamilies, now)),
    sessions: await drain(stores.sessions, now),
    interactions: (await drain(stores.interactions, now)) + (await drain(stores.federationStates, now)),
    deviceCodes: await drain(stores.deviceCodes, now),
    accountTokens: (await drain(stores.accountTokens, now)) + (await drain(stores.signups, now)),
    passkeyChallenges: await drain(stores.passkeys, now),
    mail: await drain({ deleteExpired: (before, limit) => stores.mailOutbox.deleteSettled(before, limit) }, now - MAIL_RETENTION_SECONDS),
    keys: (await pruneKeys(stores.keys, now, keyRetention(ctx.config, await stores.clients.list(), await stores.apis.list()))).length,
    // Audit events older than the retention period (config.auditRetention).
    auditEvents: await drain(stores.audit, now - ctx.config.auditRetention),
  };
  if (report.keys > 0) await ctx.keys.reload();
  return report;
}

/**
 * A job run every `seconds` without overlapping itself; the timer never keeps the process alive.
 * `stop` waits for a run in progress, so the store is not closed under it.
 */
export function every(seconds: number, job: () => Promise<unknown>, onError: (e: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = job()
      .then(() => undefined, onError)
      .finally(() => {
        running = undefined;
      });
  }, seconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
