import { DURATION_FORMS, parseDuration } from '../core/durations.js';
import { CliError } from './output.js';

/** `default` takes a client or an API back to the server's setting. */
export const DEFAULT = 'default';

/** A lifetime flag's seconds, or null for `default`. */
export function lifetimeFlag(flag: string, value: string): number | null {
  if (value === DEFAULT) return null;
  const seconds = parseDuration(value);
  if (seconds === undefined) throw new CliError(`${flag} must be ${DURATION_FORMS} (or '${DEFAULT}'), not '${value}'`);
  return seconds;
}
