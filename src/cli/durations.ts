import { CliError } from './output.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds from `90s`, `10m`, `12h`, `30d` or a plain number of seconds. */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d{1,9})([smhd]?)$/.exec(value.trim());
  if (!m) throw new CliError(`${flag} must be a duration like 90s, 10m, 12h or 30d, not '${value}'`);
  return Number(m[1]) * UNITS[m[2] || 's']!;
}
