import { existsSync, readFileSync, statSync } from 'node:fs';
import { CliError } from './output.js';

/** Settings that may hold secrets, and so may come from a file (`NAME_FILE`, as container secrets are mounted). */
export const SECRET_SETTINGS = ['TESSERA_DATABASE_URL', 'TESSERA_REDIS_URL', 'TESSERA_PEPPER', 'TESSERA_SMTP_URL'] as const;

/** The largest file read as a secret or a CA bundle: ample for either, and no more is read into memory. */
const MAX_SETTING_FILE_BYTES = 1024 * 1024;

/**
 * A file a setting names (a secret, a CA bundle), read whole: only a regular file (through any
 * symbolic link) of at most 1 MiB. A device (/dev/zero, /dev/random) or a named pipe with no writer
 * would be read for ever, or block, and the command would hang; `source` names the setting in the error.
 */
export function readSettingFile(path: string, source: string): string {
  const stat = statSync(path);
  if (!stat.isFile()) throw new CliError(`${source} names ${path}, which is not a regular file`);
  if (stat.size > MAX_SETTING_FILE_BYTES) throw new CliError(`${source} names ${path}, which is larger than 1 MiB`);
  return readFileSync(path, 'utf8');
}

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
    env[name] = readSettingFile(file, `${name}_FILE`).trim();
  }
}
