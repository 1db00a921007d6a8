import { error, humanSeconds, ok, warn, type CheckResult } from './result.js';

/** Up to this much apart, clocks agree well enough (HTTP dates have one-second steps). */
export const CLOCK_OK_MS = 5000;
/** Beyond this, codes (60 s) and tokens are judged expired or not yet valid on one side. */
export const CLOCK_ERROR_MS = 60000;

const NTP_FIX = 'synchronize the clocks with NTP (chrony, systemd-timesyncd) on this machine, every node and the database host';

/** A clock compared with this machine's: `skewMs` is theirs minus ours, `uncertaintyMs` how far the measurement may be off. */
export function clockCheck(id: string, whose: string, skewMs: number, uncertaintyMs = 0): CheckResult {
  const off = Math.max(0, Math.abs(skewMs) - uncertaintyMs);
  const side = skewMs > 0 ? 'ahead of' : 'behind';
  const amount = humanSeconds(skewMs / 1000);
  if (off <= CLOCK_OK_MS) return ok(id, `${whose} and this machine agree within ${humanSeconds(Math.max(Math.abs(skewMs), uncertaintyMs) / 1000)}`);
  if (off <= CLOCK_ERROR_MS) return warn(id, `${whose} is ${amount} ${side} this machine's clock`, NTP_FIX);
  return error(id, `${whose} is ${amount} ${side} this machine's clock: codes and tokens look expired, or not yet valid, to one side`, NTP_FIX);
}
