import type { SignInTally } from './sign-in-audit.js';
import { byStatus, percentile, type SignInAnswer } from './sign-in-requests.js';

/** What one repetition of the login-flood scenario measured. */
export interface FloodRep {
  rep: number;
  /** The real sign-ins without the flood, then the same again while the flood runs. */
  baseline: SignInAnswer[];
  underFlood: SignInAnswer[];
  flood: SignInAnswer[];
  /** From the first flood request to its last answer. */
  floodMs: number;
  /** From the audit log, per group of addresses. */
  audit: { flood: SignInTally; baseline: SignInTally; underFlood: SignInTally };
}

interface PhaseSummary {
  signIns: number;
  byStatus: Record<string, number>;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  hashesRun: number;
}

const phase = (answers: SignInAnswer[], tallies: SignInTally[]): PhaseSummary => ({
  signIns: answers.length,
  byStatus: byStatus(answers),
  p50Ms: percentile(answers.map((a) => a.ms), 50),
  p99Ms: percentile(answers.map((a) => a.ms), 99),
  hashesRun: tallies.reduce((sum, t) => sum + t.checked, 0),
});

/** The real sign-ins pooled over the repetitions (for a p99 of more than a handful), the flood per repetition. */
export function floodSummary(reps: FloodRep[]) {
  return {
    realSignIns: {
      withoutFlood: phase(reps.flatMap((r) => r.baseline), reps.map((r) => r.audit.baseline)),
      duringFlood: phase(reps.flatMap((r) => r.underFlood), reps.map((r) => r.audit.underFlood)),
    },
    flood: reps.map((r) => ({ rep: r.rep, sent: r.flood.length, hashesRun: r.audit.flood.checked, byStatus: byStatus(r.flood), outcomes: r.audit.flood.outcomes, seconds: r.floodMs / 1000 })),
  };
}

function markdown(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const ms = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(0));
const statuses = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([status, n]) => `${status === '0' ? 'no answer' : status}: ${n}`)
    .join(', ');

/** Two tables: the real sign-ins with and without the flood, and the flood itself. */
export function floodTables(summary: ReturnType<typeof floodSummary>): string {
  const real = ([name, p]: [string, PhaseSummary]) => {
    const other = p.signIns - (p.byStatus['303'] ?? 0) - (p.byStatus['429'] ?? 0) - (p.byStatus['503'] ?? 0);
    return [name, String(p.signIns), String(p.byStatus['303'] ?? 0), String(p.byStatus['429'] ?? 0), String(p.byStatus['503'] ?? 0), String(other), ms(p.p50Ms), ms(p.p99Ms), String(p.hashesRun)];
  };
  const { withoutFlood, duringFlood } = summary.realSignIns;
  return [
    markdown([
      ['real sign-ins (right password)', 'sent', 'signed in (303)', '429', '503', 'other', 'p50 ms', 'p99 ms', 'hashes run'],
      real(['without the flood', withoutFlood]),
      real(['during the flood', duringFlood]),
    ]),
    '',
    markdown([
      ['flood (wrong passwords, one address)', 'sent', 'hashes run', 'answers', 'last answer after'],
      ...summary.flood.map((f) => [`rep ${f.rep}`, String(f.sent), String(f.hashesRun), statuses(f.byStatus), `${f.seconds.toFixed(1)} s`]),
    ]),
  ].join('\n');
}
