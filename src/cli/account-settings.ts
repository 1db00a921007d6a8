import { DEFAULT_ARGON2, type Argon2Params } from '../core/accounts/passwords.js';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../core/accounts/users.js';
import { CliError } from './output.js';

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new CliError(`${name} must be a whole number of at least ${min}, not '${value}'`);
  return Number(value);
}

/** The password policy operators set in the environment (the server and the CLI read the same). */
export function passwordPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): PasswordPolicy {
  const reject = env['TESSERA_PASSWORD_REJECT_COMMON'];
  if (reject !== undefined && reject !== 'true' && reject !== 'false') throw new CliError(`TESSERA_PASSWORD_REJECT_COMMON must be true or false, not '${reject}'`);
  return {
    minLength: whole(env, 'TESSERA_PASSWORD_MIN_LENGTH', DEFAULT_PASSWORD_POLICY.minLength, 8),
    rejectCommon: reject === undefined ? DEFAULT_PASSWORD_POLICY.rejectCommon : reject === 'true',
  };
}

/** argon2id parameters; raising them makes every user's hash renewed at their next sign-in. */
export function argon2FromEnv(env: NodeJS.ProcessEnv = process.env): Argon2Params {
  return {
    memoryCost: whole(env, 'TESSERA_ARGON2_MEMORY_KIB', DEFAULT_ARGON2.memoryCost, 8192),
    timeCost: whole(env, 'TESSERA_ARGON2_TIME_COST', DEFAULT_ARGON2.timeCost, 1),
    parallelism: whole(env, 'TESSERA_ARGON2_PARALLELISM', DEFAULT_ARGON2.parallelism, 1),
  };
}
