import type { RateLimiterRes } from 'rate-limiter-flexible';

/**
 * What attempt limiters need of a rate-limiter-flexible store: the memory and Redis limiters
 * both have these, and the failover below offers the same.
 */
export interface Counter {
  consume(key: string): Promise<RateLimiterRes>;
  get(key: string): Promise<RateLimiterRes | null>;
  reward(key: string, points: number): Promise<RateLimiterRes>;
  block(key: string, seconds: number): Promise<RateLimiterRes>;
  delete(key: string): Promise<boolean>;
}
