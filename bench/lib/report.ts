import type { LoadResult } from './load.js';
import type { Implementation } from './scenarios.js';

export interface RunRecord extends LoadResult {
  scenario: string;
  implementation: Implementation;
  rep: number;
  /** The server's CPU time per answered request, in µs: steadier than req/s when other work shares the machine. */
  cpuUsPerRequest?: number;
}

export interface Summary {
  scenario: string;
  title: string;
  implementation: Implementation;
  reps: number;
  /** Medians over the repetitions; req/s also as min and max to show the spread. */
  reqPerSec: number;
  reqPerSecMin: number;
  reqPerSecMax: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Median of the runs' server CPU µs per request (undefined off Linux). */
  cpuUsPerRequest: number | undefined;
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | undefined;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function summarize(runs: RunRecord[], titles: Map<string, string>): Summary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = `${run.scenario}\u0000${run.implementation}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => ({
    scenario: group[0]!.scenario,
    title: titles.get(group[0]!.scenario) ?? group[0]!.scenario,
    implementation: group[0]!.implementation,
    reps: group.length,
    reqPerSec: median(group.map((r) => r.reqPerSec)),
    reqPerSecMin: Math.min(...group.map((r) => r.reqPerSec)),
    reqPerSecMax: Math.max(...group.map((r) => r.reqPerSec)),
    p50Ms: median(group.map((r) => r.p50Ms)),
    p99Ms: median(group.map((r) => r.p99Ms)),
    errors: group.reduce((sum, r) => sum + r.errors, 0),
    cpuUsPerRequest: group.every((r) => r.cpuUsPerRequest !== undefined) ? median(group.map((r) => r.cpuUsPerRequest!)) : undefined,
  }));
}

export function ratio(summaries: Summary[], scenario: string, other: Implementation, mine: Implementation = 'tessera'): number | undefined {
  const ours = summaries.find((s) => s.scenario === scenario && s.implementation === mine);
  const theirs = summaries.find((s) => s.scenario === scenario && s.implementation === other);
  return ours && theirs && theirs.reqPerSec > 0 ? ours.reqPerSec / theirs.reqPerSec : undefined;
}

/** `mine`'s server CPU per request over `other`'s, in one scenario (above 1: `mine` costs more). */
export function cpuRatio(summaries: Summary[], scenario: string, other: Implementation, mine: Implementation): number | undefined {
  const ours = summaries.find((s) => s.scenario === scenario && s.implementation === mine)?.cpuUsPerRequest;
  const theirs = summaries.find((s) => s.scenario === scenario && s.implementation === other)?.cpuUsPerRequest;
  return ours !== undefined && theirs !== undefined && theirs > 0 ? ours / theirs : undefined;
}

const fixed = (n: number | undefined, digits: number): string => (n === undefined ? '—' : n.toFixed(digits));

/** The results as a Markdown table: readable in a terminal and pasteable into bench/README.md. */
export function table(summaries: Summary[]): string {
  // With --metrics, a column compares Tessera with metrics on to the same Tessera without.
  const withMetrics = summaries.some((s) => s.implementation === 'tessera-metrics');
  const rows = [
    ['scenario', 'server', 'req/s (median)', 'min–max', 'p50 ms', 'p99 ms', 'errors', 'CPU µs/req', 'Tessera ÷ oidc-provider', 'Tessera ÷ floor', ...(withMetrics ? ['metrics on ÷ off', 'metrics CPU/req on ÷ off'] : [])],
    ...summaries.map((s) => [
      s.title,
      s.implementation,
      fixed(s.reqPerSec, 0),
      `${fixed(s.reqPerSecMin, 0)}–${fixed(s.reqPerSecMax, 0)}`,
      fixed(s.p50Ms, 0),
      fixed(s.p99Ms, 0),
      String(s.errors),
      fixed(s.cpuUsPerRequest, 0),
      s.implementation === 'tessera' ? fixed(ratio(summaries, s.scenario, 'oidc-provider'), 2) : '',
      s.implementation === 'tessera' ? fixed(ratio(summaries, s.scenario, 'floor'), 2) : '',
      ...(withMetrics
        ? s.implementation === 'tessera-metrics'
          ? [fixed(ratio(summaries, s.scenario, 'tessera', 'tessera-metrics'), 2), fixed(cpuRatio(summaries, s.scenario, 'tessera', 'tessera-metrics'), 3)]
          : ['', '']
        : []),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

export function goalsTable(goals: Goal[]): string {
  return goals.map((g) => `- ${g.met === undefined ? 'not measured' : g.met ? 'met' : 'MISSED'}: ${g.goal} — measured ${g.measured}`).join('\n');
}
