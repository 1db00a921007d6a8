/**
 * What the store reports about its own work, for metrics: cache lookups and the size of each
 * group-committed batch of audit events. Implemented outside the store (src/observability); a
 * store opened without it (the CLI) reports nothing. Callbacks must be cheap and never throw.
 */
export interface StoreTelemetry {
  /** A lookup in one of the store's caches: `bypass` when the cache could not be trusted (its change feed was down). */
  cacheLookup(cache: 'clients', result: 'hit' | 'miss' | 'bypass'): void;
  /** Events written by one group commit of the audit log. */
  auditBatch(size: number): void;
}
