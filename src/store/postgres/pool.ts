import pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { DependencyUnavailableError } from '../../core/errors.js';

/** How long a request waits for a connection, and for one statement, before the database counts as stalled. */
export const CONNECT_TIMEOUT_MS = 2000;
export const STATEMENT_TIMEOUT_MS = 5000;

/** Errors that say the database (or the way to it) is not answering, not that the statement was wrong. */
function isUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || code === '57014' || code.startsWith('57P') || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE')) return true;
  return /timeout|Connection terminated|connection is closed|Client has encountered a connection error/i.test(e.message);
}

const unavailable = (e: unknown) => new DependencyUnavailableError(`the database did not answer: ${e instanceof Error ? e.message : String(e)}`);

/**
 * A pg pool for kysely whose waits are bounded: a connection within CONNECT_TIMEOUT_MS, a statement
 * within STATEMENT_TIMEOUT_MS (client side and server side). A connection that timed out is
 * discarded rather than reused, and such failures surface as DependencyUnavailableError (503).
 */
export function boundedPool(connectionString: string, max: number): { pool: PostgresPool; raw: pg.Pool } {
  const raw = new pg.Pool({ connectionString, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: STATEMENT_TIMEOUT_MS, statement_timeout: STATEMENT_TIMEOUT_MS });
  // An idle connection that breaks (database restart) is replaced on next use; it must not crash the process.
  raw.on('error', () => {});
  const pool: PostgresPool = {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await raw.connect();
      } catch (e) {
        throw isUnavailable(e) ? unavailable(e) : e;
      }
      let broken = false;
      const guarded = {
        async query(sql: string, parameters: ReadonlyArray<unknown>) {
          try {
            return await client.query(sql, [...parameters]);
          } catch (e) {
            if (!isUnavailable(e)) throw e;
            broken = true;
            throw unavailable(e);
          }
        },
        // A timed-out connection may still owe an answer: destroy it instead of handing it to the next request.
        release: () => client.release(broken || undefined),
      };
      return guarded as unknown as PostgresPoolClient;
    },
    end: () => raw.end(),
  };
  return { pool, raw };
}
