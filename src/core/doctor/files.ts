import type { LooseFile } from './facts.js';
import { ok, warn, type CheckResult } from './result.js';

/** `files.permissions`: the data directory, the store, the pepper and secret files are private to their owner. */
export function permissionsCheck(loose: readonly LooseFile[]): CheckResult {
  if (loose.length === 0) return ok('files.permissions', 'the data directory, store, pepper and secret files are private to their owner');
  const listed = loose.map((f) => `${f.path} (${f.holds}, mode ${f.mode})`).join(', ');
  const fix = loose.map((f) => `chmod ${f.want.slice(1)} ${f.path}`).join('; ');
  return warn('files.permissions', `open to other users of this machine: ${listed}`, fix);
}
