/**
 * What `tessera doctor` reports: one result per check. The checks are pure functions over facts
 * (facts.ts) that the CLI gathers; they decide what is wrong, how bad it is and what fixes it.
 */

export type CheckStatus = 'ok' | 'warn' | 'error';

export interface CheckResult {
  /** Stable name of the check (`issuer.discovery`), for scripts and documentation. */
  id: string;
  status: CheckStatus;
  /** One line: what was found. */
  finding: string;
  /** One line: what to do about it; only when the status is not ok. */
  fix?: string;
}

export const ok = (id: string, finding: string): CheckResult => ({ id, status: 'ok', finding });
export const warn = (id: string, finding: string, fix: string): CheckResult => ({ id, status: 'warn', finding, fix });
export const error = (id: string, finding: string, fix: string): CheckResult => ({ id, status: 'error', finding, fix });

/** A fact that could be read, or why not. */
export type Read<T> = { value: T } | { error: string };

export interface Summary {
  ok: number;
  warn: number;
  error: number;
}

export function summarize(results: readonly CheckResult[]): Summary {
  const summary: Summary = { ok: 0, warn: 0, error: 0 };
  for (const r of results) summary[r.status] += 1;
  return summary;
}

/** 0 when nothing is an error (warnings allowed), 1 otherwise. */
export function exitCode(results: readonly CheckResult[]): 0 | 1 {
  return results.some((r) => r.status === 'error') ? 1 : 0;
}

/** A duration for people: `45 s`, `12 min`, `3 h`, `200 days`. */
export function humanSeconds(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

/** A measured time in milliseconds, with a decimal below 10 ms. */
export const humanMs = (ms: number) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
