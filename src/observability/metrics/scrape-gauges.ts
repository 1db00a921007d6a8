import { Gauge, type Registry } from 'prom-client';
import type { SigningKeyRecord, StoreStats } from '../../store/ports.js';

/** What the gauges read when Prometheus scrapes. */
export interface GaugeSources {
  stats: StoreStats;
  /** Every stored signing key (a small table). */
  signingKeys: () => Promise<SigningKeyRecord[]>;
  /** Whether /ready would answer 200 now. */
  ready: () => Promise<boolean>;
  /** Unix seconds. */
  now: () => number;
}

interface Snapshot {
  ready: boolean;
  /** Read before the snapshot's own queries take connections. */
  pool?: { total: number; idle: number; waiting: number };
  counts?: { deviceCodesPending: number; sessionsActive: number; keyAges: Map<string, number> };
}

/**
 * Gauges read at scrape time. One snapshot serves every gauge of a scrape, and is kept `cacheMs`,
 * so several Prometheus servers (or a short scrape interval) cost the database a few queries at
 * most every few seconds. A store that does not answer makes `tessera_ready` 0 and leaves the
 * store's gauges out of that scrape rather than failing it.
 */
export function registerScrapeGauges(registry: Registry, sources: GaugeSources, cacheMs: number): void {
  // `at` is when the reading finished; while one is under way, every gauge of the scrape waits for it.
  let cached: { at: number | undefined; snapshot: Promise<Snapshot> } | undefined;
  const snapshot = (): Promise<Snapshot> => {
    if (cached && (cached.at === undefined || Date.now() - cached.at < cacheMs)) return cached.snapshot;
    const entry: { at: number | undefined; snapshot: Promise<Snapshot> } = { at: undefined, snapshot: Promise.resolve({ ready: false }) };
    entry.snapshot = take(sources).finally(() => (entry.at = Date.now()));
    cached = entry;
    return entry.snapshot;
  };
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>, s: Snapshot) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        fill(this, await snapshot());
      },
    });
  gauge('tessera_ready', '1 when /ready would answer 200 (the store and other dependencies answer), else 0', [], (g, s) => g.set(s.ready ? 1 : 0));
  gauge('tessera_device_codes_pending', 'device authorizations waiting for their user, not expired', [], (g, s) => s.counts && g.set(s.counts.deviceCodesPending));
  gauge('tessera_sso_sessions_active', 'signed-in SSO sessions, not expired', [], (g, s) => s.counts && g.set(s.counts.sessionsActive));
  gauge('tessera_signing_key_age_seconds', 'age of the key that signs, per algorithm', ['alg'], (g, s) => {
    for (const [alg, age] of s.counts?.keyAges ?? []) g.set({ alg }, age);
  });
  if (sources.stats.pool) {
    gauge('tessera_store_pool_connections', "this process's PostgreSQL connections: total, idle, and requests waiting for one", ['state'], (g, s) => {
      for (const state of ['total', 'idle', 'waiting'] as const) if (s.pool) g.set({ state }, s.pool[state]);
    });
  }
}

async function take(sources: GaugeSources): Promise<Snapshot> {
  const now = sources.now();
  const pool = sources.stats.pool?.();
  const [ready, counts] = await Promise.all([
    sources.ready().catch(() => false),
    Promise.all([sources.stats.deviceCodesPending(now), sources.stats.sessionsActive(now), sources.signingKeys()]).then(
      ([deviceCodesPending, sessionsActive, keys]) => ({ deviceCodesPending, sessionsActive, keyAges: signingKeyAges(keys, now) }),
      () => undefined,
    ),
  ]);
  return { ready, ...(counts ? { counts } : {}), ...(pool ? { pool } : {}) };
}

/** The age of the newest active key of each algorithm: the one that signs (KeyRing.signingKey). */
function signingKeyAges(keys: readonly SigningKeyRecord[], now: number): Map<string, number> {
  const newest = new Map<string, number>();
  for (const key of keys) {
    if (key.retiredAt !== null) continue;
    newest.set(key.alg, Math.max(newest.get(key.alg) ?? -Infinity, key.createdAt));
  }
  return new Map([...newest].map(([alg, createdAt]) => [alg, Math.max(0, now - createdAt)]));
}
