import type { Command } from 'commander';
import { diagnose, exitCode } from '../../core/doctor/index.js';
import { DEFAULT_KEY_MAX_AGE } from '../../core/doctor/keys.js';
import { DURATION_FORMS, parseDuration } from '../../core/durations.js';
import { reportError } from '../failure.js';
import type { ServeFlags } from '../serve-config.js';
import { gatherFacts } from './gather.js';
import { humanReport, jsonReport } from './report.js';

interface DoctorFlags {
  url?: string;
  offline?: boolean;
  keyMaxAge: string;
  json?: boolean;
}

/** Doctor's own options used wrongly: one line, exit status 2 (1 means doctor found an error). */
function usage(message: string): never {
  reportError(message);
  process.exit(2);
}

/**
 * `tessera doctor`: takes every option of `serve` (the same flags, environment and config file),
 * checks that configuration and, unless --offline, the deployment running at its issuer (or --url).
 * Exit status 0 when no check is an error, 1 when one is, 2 when doctor itself is misused. It
 * changes nothing.
 */
export function doctorCommand(program: Command, serve: Command): void {
  const doctor = program
    .command('doctor')
    .description("check serve's configuration and the running deployment; say what is wrong and how to fix it (changes nothing)");
  // The very options of serve: a configuration serve would take, doctor takes (doctor's own names aside).
  const own = new Set(['--url', '--offline', '--key-max-age', '--json']);
  for (const option of serve.options) if (!own.has(option.long ?? '')) doctor.addOption(option);
  doctor
    .option('--url <issuer>', 'the running deployment to check, when not at the configured issuer (a node directly, or through the proxy)')
    .option('--offline', 'check the configuration and the store only, not a running server')
    .option('--key-max-age <duration>', 'rotation policy: an active signing key older than this is reported', `${DEFAULT_KEY_MAX_AGE / 86400}d`)
    .option('--json', 'print the checks as JSON for scripts')
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2))
    .action(async (flags: ServeFlags & DoctorFlags & Record<string, unknown>) => {
      if (flags.url !== undefined) {
        let url: URL | undefined;
        try {
          url = new URL(flags.url);
        } catch {
          url = undefined;
        }
        if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) usage(`--url must be an http or https URL, not '${flags.url}'`);
      }
      const keyMaxAge = parseDuration(flags.keyMaxAge);
      if (keyMaxAge === undefined || keyMaxAge <= 0) usage(`--key-max-age must be ${DURATION_FORMS}, not '${flags.keyMaxAge}'`);
      const facts = await gatherFacts(flags, process.env, { ...(flags.url !== undefined ? { url: flags.url } : {}), offline: flags.offline === true, keyMaxAge });
      const results = diagnose(facts);
      process.stdout.write(flags.json ? jsonReport(results) : humanReport(results));
      process.exit(exitCode(results));
    });
}
