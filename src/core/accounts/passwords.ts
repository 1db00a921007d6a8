import { hash, verify } from '@node-rs/argon2';
import { passwordGate, type GateOptions } from './password-gate.js';

/** `Algorithm.Argon2id` of @node-rs/argon2 (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. */
export const DEFAULT_ARGON2: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Checks a password; throws PasswordHashingBusy when the process, or this `requester` (an IP
   * address), has too many checks running or waiting. With no stored hash (unknown user) it checks
   * against a dummy hash, so an unknown username costs the same time as a wrong password.
   */
  verify(storedHash: string | undefined, password: string, requester?: string): Promise<boolean>;
  /** Whether a stored hash was made with other parameters than the current ones (rehash at the next sign-in). */
  needsRehash(storedHash: string): boolean;
}

/** The parameters of a PHC-format argon2id hash (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
function paramsOf(storedHash: string): Argon2Params | undefined {
  const match = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
  return match ? { memoryCost: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) } : undefined;
}

export async function createPasswordHasher(params: Argon2Params = DEFAULT_ARGON2, gate: GateOptions = {}): Promise<PasswordHasher> {
  const options = { ...params, algorithm: ARGON2ID as never };
  const dummy = await hash('tessera-dummy-password', options);
  const bounded = passwordGate(gate);
  return {
    hash: (password) => bounded(() => hash(password, options)),
    needsRehash(storedHash) {
      const stored = paramsOf(storedHash);
      return !stored || stored.memoryCost !== params.memoryCost || stored.timeCost !== params.timeCost || stored.parallelism !== params.parallelism;
    },
    async verify(storedHash, password, requester) {
      return bounded(async () => {
        try {
          const ok = await verify(storedHash ?? dummy, password);
          return ok && storedHash !== undefined;
        } catch {
          return false;
        }
      }, requester);
    },
  };
}
