import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { RedisFacts } from '../../core/doctor/facts.js';
import { redactUrl } from '../../store/postgres/open.js';

const REDIS_TIMEOUT_MS = 2000;

/** Connects to Redis once, times a PING, and disconnects; never retries, never writes. */
export async function probeRedis(url: string): Promise<RedisFacts> {
  const shown = redactUrl(url);
  let client: Redis;
  try {
    client = new Redis(url, { lazyConnect: true, connectTimeout: REDIS_TIMEOUT_MS, commandTimeout: REDIS_TIMEOUT_MS, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  } catch (e) {
    return { url: shown, error: e instanceof Error ? e.message : String(e) };
  }
  let lastError: string | undefined;
  client.on('error', (e: Error) => (lastError = e.message));
  try {
    await client.connect();
    const started = performance.now();
    await client.ping();
    return { url: shown, latencyMs: performance.now() - started };
  } catch (e) {
    return { url: shown, error: lastError ?? (e instanceof Error ? e.message : String(e)) };
  } finally {
    client.disconnect();
  }
}
