import type { CheckResult } from '../../core/doctor/result.js';
import { summarize } from '../../core/doctor/result.js';
import { escapeControls } from '../output.js';

/** The worst status found: what the run as a whole comes to. */
const overall = (results: readonly CheckResult[]) => (results.some((r) => r.status === 'error') ? 'error' : results.some((r) => r.status === 'warn') ? 'warn' : 'ok');

/** `--json`: `{ status, summary: { ok, warn, error }, checks: [{ id, status, finding, fix? }] }`. */
export function jsonReport(results: readonly CheckResult[]): string {
  return JSON.stringify({ status: overall(results), summary: summarize(results), checks: results }, null, 2) + '\n';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * For people: one line per check (status, id, finding), `fix: …` under each problem, then a summary.
 * What a server answered is escaped, so it cannot drive the terminal.
 */
export function humanReport(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.id.length));
  const indent = ' '.repeat(5 + 2 + width + 2);
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.status.padEnd(5)}  ${r.id.padEnd(width)}  ${escapeControls(r.finding)}`);
    if (r.fix !== undefined) lines.push(`${indent}fix: ${escapeControls(r.fix)}`);
  }
  const s = summarize(results);
  lines.push('', `${plural(results.length, 'check')}: ${s.ok} ok, ${plural(s.warn, 'warning')}, ${plural(s.error, 'error')}`);
  return lines.join('\n') + '\n';
}
