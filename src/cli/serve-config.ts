import { parseConsoleUsers, type ConfigInput } from '../core/config.js';
import type { Argon2Params } from '../core/accounts/passwords.js';
import type { PasswordPolicy } from '../core/accounts/users.js';
import { argon2FromEnv, passwordPolicyFromEnv } from './account-settings.js';
import type { Branding } from '../ui/theme.js';
import { resolveAccountDeletion, resolveBranding, resolveRequireVerifiedEmail, resolveSignup, resolveEventSettings, resolveMailSettings, resolveMetricsSettings, resolveSettings } from './serve-settings.js';
import type { MailSettings } from '../server.js';
import type { MetricsServing } from './metrics-settings.js';
import type { EventSinkSettings } from '../observability/events/index.js';
import { resolveLogging } from './log-format.js';
import { CliError } from './output.js';

/** What `tessera serve` was given: its flags, with their environment defaults already applied by commander. */
export interface ServeFlags {
  port: string;
  host: string;
  issuer?: string;
  data: string;
  databaseUrl?: string;
  trustProxy?: string | boolean;
  openRegistration?: boolean;
  consoleUsers?: string;
  adminRole?: string;
  lockoutFailures?: string;
  lockoutMinutes?: string;
  auditRetentionDays?: string;
  mfaPolicy?: string;
  selfServiceScopes?: string;
}

/** Everything `tessera serve` decides from its flags, the environment and the config file, before it opens anything. */
export interface ServeSetup {
  port: number;
  host: string;
  /** The issuer as given (or the default); the core normalizes and checks it. */
  issuer: string;
  config: ConfigInput;
  /** Proxy hops whose X-Forwarded-* are believed; 0: none. */
  trustProxy: number;
  dataDir: string;
  databaseUrl?: string;
  redis?: { url: string; prefix?: string };
  argon2: Argon2Params;
  passwordPolicy: PasswordPolicy;
  logging: ReturnType<typeof resolveLogging>;
  /** The event sinks (file, syslog, webhook). */
  events: EventSinkSettings;
  /** Prometheus metrics (/metrics); absent when off. */
  metrics?: MetricsServing;
  /** Email (SMTP); absent when off, and password reset with it. */
  mail?: MailSettings;
  /** The brand and theme of the pages; absent: the built-in look. */
  branding?: Branding;
}

/**
 * Reads serve's settings; a wrong value fails with one line naming the flag, variable or file key.
 * `tessera doctor` calls it too, so that it sees exactly what serve would.
 */
export function resolveServe(flags: ServeFlags & Record<string, unknown>, env: NodeJS.ProcessEnv): ServeSetup {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number, not '${flags.port}'`);
  const issuer = flags.issuer ?? `http://localhost:${port}`;
  const count = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`${flag} must be a positive whole number, not '${value}'`);
    return Number(value);
  };
  // `true` (the flag alone, or TESSERA_TRUST_PROXY=true) is one proxy: the usual load balancer.
  const trustProxy = flags.trustProxy === undefined || flags.trustProxy === false || flags.trustProxy === 'false' ? 0 : flags.trustProxy === true || flags.trustProxy === 'true' ? 1 : (count('--trust-proxy', flags.trustProxy) ?? 0);
  const lockoutFailures = count('--lockout-failures', flags.lockoutFailures);
  const lockoutMinutes = count('--lockout-minutes', flags.lockoutMinutes);
  const retentionDays = count('--audit-retention-days', flags.auditRetentionDays);
  const logging = resolveLogging(flags, env);
  const config: ConfigInput = {
    issuer,
    ...resolveSettings(flags, env),
    signInLimits: {
      ...(lockoutFailures ? { perPair: lockoutFailures } : {}),
      ...(lockoutMinutes ? { windowSeconds: lockoutMinutes * 60, lockSeconds: lockoutMinutes * 60 } : {}),
    },
    ...(retentionDays ? { auditRetention: retentionDays * 24 * 3600 } : {}),
    ...(flags.mfaPolicy ? { mfa: { policy: flags.mfaPolicy as 'enrolled' } } : {}),
    openRegistration: flags.openRegistration === true,
    allowAccountDeletion: resolveAccountDeletion(flags, env),
    signup: resolveSignup(flags, env),
    requireVerifiedEmail: resolveRequireVerifiedEmail(flags, env),
    consoleUsers: parseConsoleUsers(flags.consoleUsers),
    ...(flags.adminRole ? { adminRole: flags.adminRole } : {}),
    ...(flags.selfServiceScopes ? { selfServiceScopes: flags.selfServiceScopes.split(' ').filter((s) => s !== '') } : {}),
  };
  const redisUrl = env['TESSERA_REDIS_URL'];
  const events = resolveEventSettings(flags, env, flags.data);
  const metrics = resolveMetricsSettings(flags, env, port);
  const mail = resolveMailSettings(flags, env);
  const branding = resolveBranding(flags, env);
  return {
    port,
    host: flags.host,
    issuer,
    config,
    trustProxy,
    dataDir: flags.data,
    ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
    // One Redis can serve several Tessera deployments, each under its own key prefix.
    ...(redisUrl ? { redis: { url: redisUrl, ...(env['TESSERA_REDIS_PREFIX'] ? { prefix: env['TESSERA_REDIS_PREFIX'] } : {}) } } : {}),
    argon2: argon2FromEnv(env),
    passwordPolicy: passwordPolicyFromEnv(env),
    logging,
    events,
    ...(metrics ? { metrics } : {}),
    ...(mail ? { mail } : {}),
    ...(branding ? { branding } : {}),
  };
}
