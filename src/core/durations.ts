const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A duration as operators write it: `90s`, `10m`, `12h`, `30d`, or a whole number of seconds (a JSON
 * number in a config file, or digits alone). Undefined when it is none of these.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = /^(\d{1,12})([smhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
}

/** Seconds in the largest unit that divides them: 600 → `10m`, 90 → `90s`. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** What a bad duration message says is expected. */
export const DURATION_FORMS = 'a duration such as 90s, 10m, 12h or 30d';
