import type { Context } from '../context.js';
import type { Requester } from '../audit.js';

/** What raised a login's risk score; each factor adds its configured weight. */
export type RiskFactor = 'new_device' | 'new_ip' | 'unusual_hour' | 'recent_failures';

export interface Risk {
  score: number;
  factors: RiskFactor[];
}

/** How far back the user's history reaches, and what counts as "recent" failures. */
const HISTORY_SECONDS = 90 * 24 * 3600;
const HISTORY_LIMIT = 200;
const RECENT_FAILURE_SECONDS = 3600;
const RECENT_FAILURES = 3;
/** An hour of day is unusual only against enough history to know the usual ones. */
const MIN_HISTORY_FOR_HOURS = 5;

const hourOf = (time: number) => new Date(time * 1000).getUTCHours();
const hoursApart = (a: number, b: number) => Math.min(Math.abs(a - b), 24 - Math.abs(a - b));

/**
 * A simple, explainable risk score for a password sign-in, from the user's successful sign-ins in
 * the audit log: a user agent never seen before (a new device), an IP never seen before, an hour of
 * the day more than an hour away from any usual one, and several failed sign-ins in the last hour.
 * It is computed before this sign-in is recorded.
 */
export async function loginRisk(ctx: Context, userId: string, from: Requester): Promise<Risk> {
  const now = ctx.now();
  const weights = ctx.config.mfa.riskWeights;
  const history = await ctx.stores.audit.list({ user: userId, type: 'login.success', since: now - HISTORY_SECONDS, limit: HISTORY_LIMIT });
  const failures = await ctx.stores.audit.list({ user: userId, type: 'login.failure', since: now - RECENT_FAILURE_SECONDS, limit: RECENT_FAILURES });
  const factors: RiskFactor[] = [];
  if (!history.some((e) => e.userAgent === from.userAgent)) factors.push('new_device');
  if (!history.some((e) => e.ip === from.ip)) factors.push('new_ip');
  if (history.length >= MIN_HISTORY_FOR_HOURS && !history.some((e) => hoursApart(hourOf(e.at), hourOf(now)) <= 1)) factors.push('unusual_hour');
  // A record may stand for several identical failures.
  if (failures.reduce((n, e) => n + e.count, 0) >= RECENT_FAILURES) factors.push('recent_failures');
  return { score: factors.reduce((sum, f) => sum + weights[f], 0), factors };
}
