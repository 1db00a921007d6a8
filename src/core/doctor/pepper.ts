import type { PepperFacts, StoreFacts } from './facts.js';
import { error, ok, warn, type CheckResult } from './result.js';

/** How much of a fingerprint is shown: enough to tell two peppers apart, nothing of the pepper. */
export const shortFingerprint = (fingerprint: string) => fingerprint.slice(0, 12);

const SAME_PEPPER_FIX = "give every node and every command the pepper the store was set up with (TESSERA_PEPPER, TESSERA_PEPPER_FILE or the data directory's pepper file); a new pepper would invalidate every client secret and sealed key";

/** `pepper`: present, readable, and the one the store was set up with (src/pepper.ts refuses any other). */
export function pepperCheck(pepper: PepperFacts, store: StoreFacts | undefined): CheckResult {
  const stored = store?.pepperFingerprint && 'value' in store.pepperFingerprint ? store.pepperFingerprint.value : undefined;
  if (pepper.source === 'none') {
    if (typeof stored === 'string') {
      return error('pepper', `no pepper (no TESSERA_PEPPER, TESSERA_PEPPER_FILE or ${pepper.wouldCreate}), but the store was set up with one (fingerprint ${shortFingerprint(stored)}): serve would make a new one and refuse to start`, SAME_PEPPER_FIX);
    }
    if (store?.kind === 'postgres') {
      return warn('pepper', `no pepper given: serve would make ${pepper.wouldCreate} on this machine, and another node its own`, 'set TESSERA_PEPPER (or TESSERA_PEPPER_FILE) to one pepper (32 random bytes, base64url), the same on every node and for every command');
    }
    return ok('pepper', `no pepper yet: serve makes ${pepper.wouldCreate} (mode 0600) at its first start; back it up apart from the database`);
  }
  if (pepper.problem !== undefined || pepper.fingerprint === undefined) {
    return error('pepper', `the pepper from ${pepper.where} cannot be used: ${pepper.problem ?? 'unreadable'}`, SAME_PEPPER_FIX);
  }
  const mine = shortFingerprint(pepper.fingerprint);
  if (stored === undefined) return ok('pepper', `pepper from ${pepper.where}, fingerprint ${mine} (the store was not read, so it was not compared)`);
  if (stored === null) return ok('pepper', `pepper from ${pepper.where}, fingerprint ${mine}; the store records none yet: the first process to open it records this one`);
  if (stored !== pepper.fingerprint) {
    return error('pepper', `the pepper from ${pepper.where} (fingerprint ${mine}) is not the one the store was set up with (${shortFingerprint(stored)}): serve and every command would refuse to start`, SAME_PEPPER_FIX);
  }
  return ok('pepper', `pepper from ${pepper.where}, fingerprint ${mine}: the one the store was set up with`);
}
