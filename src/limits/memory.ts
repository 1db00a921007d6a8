import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { LimiterFactory } from './attempts.js';

/** Counters in this process's memory: right for one node (several nodes need Redis, see redis.ts). */
export const memoryLimiterFactory: LimiterFactory = (_name, points, duration, blockDuration) => new RateLimiterMemory({ points, duration, blockDuration });
