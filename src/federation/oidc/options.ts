/** Limits an adapter keeps to; the defaults suit a provider on the Internet. */
export interface AdapterOptions {
  /** Every request to the provider, answer included, ends within this. */
  timeoutMs: number;
  /** Discovered metadata is fetched again after this. */
  metadataMaxAgeMs: number;
  /** After a failed discovery, or a sign-in failure fresher metadata might fix, discovery is tried again no sooner than this. */
  retryAfterMs: number;
}

export const DEFAULT_OPTIONS: AdapterOptions = { timeoutMs: 5_000, metadataMaxAgeMs: 60 * 60_000, retryAfterMs: 10_000 };
