/**
 * Errors every face of an admin operation shares (CLI, admin API, SCIM, console), so each can map
 * them once: a missing record to 404 or "no such …", a stale version to 412 Precondition Failed.
 * This file imports nothing: any part of core may extend these.
 */

/** What an operation names does not exist (any more). Subclasses keep their own names and messages. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/**
 * A change made "only if the record is still at version N" (an HTTP If-Match) found it at another
 * version: someone changed it since the caller read it. Nothing was written; read it again.
 */
export class StaleVersionError extends Error {
  override name = 'StaleVersionError';
  constructor(
    /** What was to be changed, e.g. `client 'abc'`. */
    readonly what: string,
    readonly expectedVersion: number,
    /** The version found; undefined when the write lost a race after the read matched. */
    readonly currentVersion: number | undefined,
  ) {
    const found = currentVersion === undefined ? 'changed meanwhile' : `is at version ${currentVersion}`;
    super(`${what} ${found}, not version ${expectedVersion}: read it again and retry`);
  }
}
