import { AUDIT_TYPES, auditSeverity, type AuditType } from '../core/audit.js';
import type { AuditFilters } from './ops/audit.js';
import { escapeControls } from './output.js';

type View = Record<string, unknown>;

/** Rows read by the first request of a poll (usually all that is new), then per request while catching up. */
const FIRST_PAGE = 20;
const PAGE = 200;
/**
 * How long an id range stays open to events that show up late. On PostgreSQL ids are taken when a
 * row is written but become visible when its transaction commits, so several nodes can make a lower
 * id visible after a higher one; rows of the last few seconds are read again, and printed once.
 */
const SETTLE_MS = 5000;

export interface TailOptions {
  /** Reads events newest first, as `audit list` does (against the store or a running server). */
  list(filters: AuditFilters): Promise<View[]>;
  filters: Omit<AuditFilters, 'limit' | 'before'>;
  /** Print what happened since then first (else only what happens from now on). */
  backfill: boolean;
  intervalMs: number;
  print(events: View[]): void;
  /** Called once the starting point is known: from then on every new event is printed. */
  ready(): void;
  signal: AbortSignal;
}

const idOf = (v: View) => Number(v['id']);

/** Every event with an id above `floor`, oldest first (paging backwards from the newest). */
async function newerThan(options: TailOptions, floor: number): Promise<View[]> {
  const found: View[] = [];
  let before: string | undefined;
  for (let limit = FIRST_PAGE; ; limit = PAGE) {
    const page = await options.list({ ...options.filters, limit: String(limit), ...(before !== undefined ? { before } : {}) });
    for (const v of page) if (idOf(v) > floor) found.push(v);
    const oldest = page[page.length - 1];
    if (page.length < limit || oldest === undefined || idOf(oldest) <= floor) break;
    before = String(idOf(oldest));
  }
  return found.reverse();
}

/**
 * Follows the audit log: polls for events with ids above the last ones seen and prints each once,
 * until `signal` aborts. Works the same on the embedded store, PostgreSQL (every node's events) and
 * a running server's admin API. A repeated failure that the store adds to an earlier record's count
 * (identical failures within a minute) makes no new record, so it is not printed again.
 */
export async function tailAudit(options: TailOptions): Promise<void> {
  const seen = new Set<number>();
  // (when, highest id seen then): the floor is the highest id seen at least SETTLE_MS ago.
  const marks: { at: number; max: number }[] = [];
  let max = 0;
  let initial: View[];
  if (options.backfill) {
    // Everything since --since (the filter bounds it), printed first.
    initial = await newerThan(options, 0);
    if (initial.length > 0) options.print(initial);
  } else {
    // What is there already is not printed; only the newest page matters (see below).
    initial = (await options.list({ ...options.filters, limit: String(PAGE) })).reverse();
  }
  for (const v of initial) max = Math.max(max, idOf(v));
  // The settle window holds from the start as well: an id below the newest one may still become
  // visible (another node's event, committed late), so the newest page stays open, its rows seen.
  // (When the rows read are all there are, nothing lies below them: the floor is 0.)
  const open = initial.slice(-PAGE);
  const more = options.backfill ? initial.length > PAGE : initial.length === PAGE;
  let floor = more ? idOf(open[0]!) - 1 : 0;
  for (const v of open) seen.add(idOf(v));
  marks.push({ at: Date.now(), max });
  options.ready();
  while (!options.signal.aborted) {
    // The pause ends at the interval or at the stop, and its listener goes with it: one added per
    // poll and left would pile up on the signal for as long as the tail runs.
    await new Promise<void>((resolve) => {
      const stop = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => (options.signal.removeEventListener('abort', stop), resolve()), options.intervalMs);
      options.signal.addEventListener('abort', stop, { once: true });
    });
    if (options.signal.aborted) break;
    const fresh = (await newerThan(options, floor)).filter((v) => !seen.has(idOf(v)));
    if (fresh.length > 0) options.print(fresh);
    const now = Date.now();
    for (const v of fresh) {
      seen.add(idOf(v));
      max = Math.max(max, idOf(v));
    }
    marks.push({ at: now, max });
    while (marks.length > 1 && marks[1]!.at <= now - SETTLE_MS) marks.shift();
    if (marks[0]!.at <= now - SETTLE_MS && marks[0]!.max > floor) {
      floor = marks[0]!.max;
      for (const id of seen) if (id <= floor) seen.delete(id);
    }
  }
}

/** One line per event for people: time, severity, type, outcome, then the fields that are set. */
export function tailLine(v: View): string {
  const type = String(v['type']);
  const severity = (AUDIT_TYPES as readonly string[]).includes(type) ? auditSeverity(type as AuditType) : '-';
  const fields = ['user_id', 'username', 'client_id', 'ip', 'reason', 'actor']
    .filter((k) => v[k] !== null && v[k] !== undefined)
    .map((k) => `${k}=${String(v[k])}`);
  const count = Number(v['count'] ?? 1) > 1 ? [`count=${String(v['count'])}`] : [];
  return escapeControls([String(v['time']), severity.padEnd(8), type, String(v['outcome']), ...fields, ...count].join(' '));
}
