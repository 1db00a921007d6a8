export interface CacheTimes {
  /** Metadata older than this is fetched again. */
  maxAgeMs: number;
  /** After a failed fetch, or a sign-in failure fresher metadata might fix, fetch again no sooner than this. */
  retryAfterMs: number;
  now: () => number;
}

/**
 * A provider's discovered configuration, shared by every sign-in. Concurrent callers wait for one
 * fetch; a failed fetch is remembered for `retryAfterMs`, so a provider that is down is not asked
 * again by every sign-in; while it is down, metadata fetched earlier stays in use.
 */
export class MetadataCache<T> {
  private current: { value: T; fetchedAt: number } | undefined;
  private failure: { error: unknown; at: number } | undefined;
  private pending: Promise<T> | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly fetchFresh: () => Promise<T>,
    private readonly times: CacheTimes,
  ) {}

  async get(): Promise<T> {
    const now = this.times.now();
    const current = this.current;
    if (current !== undefined && now - current.fetchedAt < this.times.maxAgeMs) return current.value;
    if (now - this.lastAttempt < this.times.retryAfterMs) {
      if (current !== undefined) return current.value;
      if (this.failure !== undefined) throw this.failure.error;
    }
    try {
      return await this.refresh();
    } catch (error) {
      if (current !== undefined) return current.value;
      throw error;
    }
  }

  /** Fetches now, whatever the cache holds (the operator's check); later sign-ins use the result. */
  refresh(): Promise<T> {
    this.pending ??= (async () => {
      this.lastAttempt = this.times.now();
      try {
        const value = await this.fetchFresh();
        this.current = { value, fetchedAt: this.times.now() };
        this.failure = undefined;
        return value;
      } catch (error) {
        this.failure = { error, at: this.times.now() };
        throw error;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  /** A sign-in failed in a way newer metadata could fix (moved endpoints, rotated keys): fetch again once the retry delay allows. */
  markStale(): void {
    if (this.current !== undefined) this.current = { ...this.current, fetchedAt: Number.NEGATIVE_INFINITY };
  }
}
