import { tesseraJson } from '../../test/helpers/cli.js';

/** A sign-in event as `tessera audit list --json` prints it; aggregated rows carry `count`. */
interface AuditRow {
  id: number;
  type: string;
  ip: string | null;
  reason: string | null;
  count?: number;
}

/** The failure reasons that come after the password was checked with argon2; the others (locked_out, server_busy) never ran it. */
const CHECKED_FAILURES = new Set(['wrong_password', 'unknown_user', 'disabled']);

/** Every event of `type` in the store at `dataDir`, read with the CLI a page of 1,000 at a time. */
async function allEvents(dataDir: string, type: string): Promise<AuditRow[]> {
  const rows: AuditRow[] = [];
  for (;;) {
    const before = rows.length > 0 ? ['--before', String(rows[rows.length - 1]!.id)] : [];
    const page = await tesseraJson<AuditRow[]>(['audit', 'list', '--data', dataDir, '--type', type, '--limit', '1000', ...before]);
    rows.push(...page);
    if (page.length < 1000) return rows;
  }
}

/** Sign-in outcomes of some addresses, from the audit log: `checked` counts the argon2 checks they cost. */
export interface SignInTally {
  checked: number;
  /** `success`, or the failure's reason, with how many. */
  outcomes: Record<string, number>;
}

/**
 * Reads the audit log after a run (the server stopped) and tallies the sign-ins of each group of
 * addresses. A success or a failure for a wrong password, an unknown user or a disabled account
 * each cost one password check; a refused attempt cost none.
 */
export async function tallySignIns<G extends string>(dataDir: string, groups: Record<G, Set<string>>): Promise<Record<G, SignInTally>> {
  const events = [...(await allEvents(dataDir, 'login.success')), ...(await allEvents(dataDir, 'login.failure'))];
  const tallies = {} as Record<G, SignInTally>;
  for (const [name, addresses] of Object.entries(groups) as [G, Set<string>][]) {
    const tally: SignInTally = { checked: 0, outcomes: {} };
    for (const e of events) {
      if (e.ip === null || !addresses.has(e.ip)) continue;
      const n = e.count ?? 1;
      const outcome = e.type === 'login.success' ? 'success' : (e.reason ?? 'unknown');
      tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + n;
      if (outcome === 'success' || CHECKED_FAILURES.has(outcome)) tally.checked += n;
    }
    tallies[name] = tally;
  }
  return tallies;
}
