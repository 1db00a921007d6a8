import { formatDuration } from './durations.js';

/** The lifetimes the server config sets (`Config['ttl']`), in seconds. */
export type LifetimeName =
  | 'accessToken'
  | 'idToken'
  | 'authorizationCode'
  | 'refreshToken'
  | 'refreshTokenAbsolute'
  | 'interaction'
  | 'session'
  | 'sessionAbsolute'
  | 'deviceCode';

const DAY = 24 * 3600;

/** What each lifetime is called in messages, and how long it may be at most. */
export const LIFETIMES: Record<LifetimeName, { label: string; max: number }> = {
  // JWTs are checked offline: a resource server that does not introspect cannot learn of a revocation.
  accessToken: { label: 'access token lifetime', max: DAY },
  idToken: { label: 'ID token lifetime', max: DAY },
  // DESIGN.md §6.
  authorizationCode: { label: 'authorization code lifetime', max: 60 },
  refreshToken: { label: 'refresh token idle lifetime', max: 5 * 365 * DAY },
  refreshTokenAbsolute: { label: 'refresh token absolute lifetime', max: 5 * 365 * DAY },
  interaction: { label: 'login and consent lifetime', max: DAY },
  // Browsers keep a cookie at most 400 days, whatever Max-Age says.
  session: { label: 'session idle lifetime', max: 400 * DAY },
  sessionAbsolute: { label: 'session absolute lifetime', max: 400 * DAY },
  // The user code is short enough to guess: the longer it lives, the more guesses it takes (RFC 8628 §5.1).
  deviceCode: { label: 'device code lifetime', max: 3600 },
};

/** Why `seconds` cannot be the lifetime `name`, or undefined when it can. */
export function lifetimeProblem(name: LifetimeName, seconds: unknown): string | undefined {
  const { label, max } = LIFETIMES[name];
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 1) return `the ${label} must be a positive whole number of seconds`;
  if (seconds > max) return `the ${label} must be at most ${formatDuration(max)}, not ${formatDuration(seconds)}`;
  return undefined;
}
