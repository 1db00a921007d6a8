import { existsSync, readFileSync } from 'node:fs';
import { CliError } from './output.js';

/** Settings that may hold secrets, and so may come from a file (`NAME_FILE`, as container secrets are mounted). */
export const SECRET_SETTINGS = ['TESSERA_DATABASE_URL', 'TESSERA_REDIS_URL', 'TESSERA_PEPPER', 'TESSERA_SMTP_URL'] as const;

/**
 * For each secret setting given as `NAME_FILE`, reads the file into `NAME` (trailing newline
 * removed). Setting both is a mistake: which one was meant cannot be known.
 */
export function readSecretFiles(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_SETTINGS) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) throw new CliError(`both ${name} and ${name}_FILE are set: use one`);
    if (!existsSync(file)) throw new CliError(`${name}_FILE names ${file}, which does not exist`);
    env[name] = readFileSync(file, 'utf8').trim();
  }
}
