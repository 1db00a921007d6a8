import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConfigInput } from '../core/config.js';
import { DURATION_FORMS, parseDuration } from '../core/durations.js';
import { lifetimeProblem, type LifetimeName } from '../core/lifetime-rules.js';
import { ACCESS_TOKEN_ALGS, ID_TOKEN_ALGS } from '../core/clients/client.js';
import { CliError } from './output.js';
import { parseYamlConfig } from './yaml-config.js';
import { EVENT_SETTINGS, eventSinkSettings } from './event-settings.js';
import type { EventSinkSettings } from '../observability/events/index.js';
import { METRICS_SETTINGS, metricsServing, type MetricsServing } from './metrics-settings.js';
import { MAIL_SETTINGS, mailSettings } from './mail-settings.js';
import type { MailSettings } from '../server.js';
import { BRAND_SETTINGS, brandingSettings } from './brand-settings.js';
import type { Branding } from '../ui/theme.js';
import { parseSignupPolicy, SignupPolicyError, type SignupPolicy } from '../core/accounts/signup-policy.js';

/*
 * Settings of `tessera serve` that a flag, an environment variable or the config file (`--config`)
 * can give. A flag wins over the environment, the environment over the file, the file over the default.
 */

interface Setting {
  flag: string;
  env: string;
  /** Where it sits in the config file. */
  key: string;
  description: string;
  /** The name of the flag's value (default: duration or alg); null for a switch. */
  arg?: string | null;
}

const LIFETIME_SETTINGS: (Setting & { name: LifetimeName })[] = [
  { name: 'accessToken', flag: '--access-token-ttl', env: 'TESSERA_ACCESS_TOKEN_TTL', key: 'lifetimes.accessToken', description: 'how long access tokens live (default 15m)' },
  { name: 'idToken', flag: '--id-token-ttl', env: 'TESSERA_ID_TOKEN_TTL', key: 'lifetimes.idToken', description: 'how long ID tokens live (default 1h)' },
  { name: 'refreshToken', flag: '--refresh-token-ttl', env: 'TESSERA_REFRESH_TOKEN_TTL', key: 'lifetimes.refreshToken', description: 'a refresh token unused this long expires (default 30d)' },
  {
    name: 'refreshTokenAbsolute',
    flag: '--refresh-token-absolute-ttl',
    env: 'TESSERA_REFRESH_TOKEN_ABSOLUTE_TTL',
    key: 'lifetimes.refreshTokenAbsolute',
    description: 'refresh tokens end this long after the sign-in that began them, however often rotated (default 365d)',
  },
  { name: 'session', flag: '--session-ttl', env: 'TESSERA_SESSION_TTL', key: 'lifetimes.session', description: 'a sign-in session unused this long ends (default 24h)' },
  { name: 'sessionAbsolute', flag: '--session-absolute-ttl', env: 'TESSERA_SESSION_ABSOLUTE_TTL', key: 'lifetimes.sessionAbsolute', description: 'sign-in sessions end this long after the sign-in, however often used (default 24h)' },
  { name: 'authorizationCode', flag: '--authorization-code-ttl', env: 'TESSERA_AUTHORIZATION_CODE_TTL', key: 'lifetimes.authorizationCode', description: 'how long authorization codes live, at most 60s (default 60s)' },
  { name: 'deviceCode', flag: '--device-code-ttl', env: 'TESSERA_DEVICE_CODE_TTL', key: 'lifetimes.deviceCode', description: 'how long a device code waits for the user, at most 1h (default 10m)' },
];

const ALG_SETTINGS: (Setting & { name: 'accessTokenAlg' | 'idTokenAlg'; values: readonly string[] })[] = [
  { name: 'accessTokenAlg', flag: '--access-token-alg', env: 'TESSERA_ACCESS_TOKEN_ALG', key: 'accessTokenAlg', values: ACCESS_TOKEN_ALGS, description: 'algorithm that signs access tokens: ES256 (default) or RS256' },
  { name: 'idTokenAlg', flag: '--id-token-alg', env: 'TESSERA_ID_TOKEN_ALG', key: 'idTokenAlg', values: ID_TOKEN_ALGS, description: 'algorithm that signs ID tokens of clients that name none: RS256 (default), ES256 or PS256' },
];

/** Off unless an operator turns it on: a user deleting their account on /account. */
const ACCOUNT_DELETION: Setting = {
  flag: '--allow-account-deletion',
  env: 'TESSERA_ALLOW_ACCOUNT_DELETION',
  key: 'allowAccountDeletion',
  arg: null,
  description: 'let users delete their own account on /account (with their password, or a recent sign-in)',
};

/** Who may make an account on /signup (off by default; it needs mail). */
const SIGNUP: Setting = {
  flag: '--signup',
  env: 'TESSERA_SIGNUP',
  key: 'signup',
  arg: 'mode',
  description: 'who may make an account on /signup: off (default), open, invite, or domain:example.com[,example.org] (needs --smtp-url)',
};

/** Off unless an operator turns it on: an account whose address is not confirmed cannot finish signing in. */
const REQUIRE_VERIFIED_EMAIL: Setting = {
  flag: '--require-verified-email',
  env: 'TESSERA_REQUIRE_VERIFIED_EMAIL',
  key: 'requireVerifiedEmail',
  arg: null,
  description: 'an account with a password and an unconfirmed email address cannot finish signing in until it follows its confirmation link',
};

const SETTINGS: Setting[] = [...LIFETIME_SETTINGS, ...ALG_SETTINGS, ...EVENT_SETTINGS, ...Object.values(METRICS_SETTINGS), ...Object.values(MAIL_SETTINGS), ...Object.values(BRAND_SETTINGS), ACCOUNT_DELETION, SIGNUP, REQUIRE_VERIFIED_EMAIL];

/** commander's name for a flag's value: `--access-token-ttl` → `accessTokenTtl`. */
const attribute = (flag: string) => flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Adds the flags, and `--config`. Their defaults are applied later, so that the file can come in between. */
export function settingOptions(command: Command): Command {
  command.option('--config <file>', 'YAML (.yaml, .yml) or JSON file with lifetimes, algorithms, event sinks, metrics, mail and branding (flags and environment variables win over it)', process.env['TESSERA_CONFIG']);
  for (const s of SETTINGS) {
    if (s.arg === null) command.option(s.flag, s.description);
    else command.option(`${s.flag} <${s.arg ?? (s.key.startsWith('lifetimes.') ? 'duration' : 'alg')}>`, s.description);
  }
  return command;
}

/** The config file's settings by key (`lifetimes.accessToken`); anything it holds that is not a setting is refused, so a typo cannot pass silently. */
export function readConfigFile(path: string): Map<string, unknown> {
  // By extension: YAML for .yaml and .yml, JSON otherwise.
  const yaml = /\.ya?ml$/i.test(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let parsed: unknown;
  if (yaml) parsed = parseYamlConfig(path, text);
  else {
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new CliError(`${path} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const values = new Map<string, unknown>();
  const walk = (value: unknown, prefix: string) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(`${path}: ${prefix || 'the file'} must be ${yaml ? 'a mapping' : 'a JSON object'}`);
    for (const [name, inner] of Object.entries(value)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (SETTINGS.some((s) => s.key === key)) values.set(key, inner);
      else if (SETTINGS.some((s) => s.key.startsWith(`${key}.`))) walk(inner, key);
      else throw new CliError(`${path}: unknown setting '${key}' (known: ${SETTINGS.map((s) => s.key).join(', ')})`);
    }
  };
  walk(parsed, '');
  return values;
}

const shown = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

/** The value a setting gets, and where it came from (for messages), by precedence: flag, environment, file. */
function pick(setting: Setting, flags: Record<string, unknown>, env: NodeJS.ProcessEnv, file: { path: string; values: Map<string, unknown> } | undefined) {
  const flag = flags[attribute(setting.flag)];
  if (typeof flag === 'string' || flag === true) return { value: flag as unknown, source: setting.flag };
  const fromEnv = env[setting.env];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv as unknown, source: setting.env };
  if (file?.values.has(setting.key)) return { value: file.values.get(setting.key), source: `${file.path}: ${setting.key}` };
  return undefined;
}

/** The config file `--config` (or TESSERA_CONFIG) names, read; undefined without one. */
function configFile(flags: Record<string, unknown>) {
  const path = typeof flags['config'] === 'string' && flags['config'] !== '' ? flags['config'] : undefined;
  return path === undefined ? undefined : { path, values: readConfigFile(path) };
}

/** The event sinks (file, syslog, webhook) from flags, the environment and the config file; see event-settings.ts. */
export function resolveEventSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, dataDir: string): EventSinkSettings {
  const file = configFile(flags);
  return eventSinkSettings((key) => pick(EVENT_SETTINGS.find((s) => s.key === key)!, flags, env, file), env, dataDir);
}

/** Prometheus metrics (/metrics) from flags, the environment and the config file; see metrics-settings.ts. */
export function resolveMetricsSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, mainPort: number): MetricsServing | undefined {
  const file = configFile(flags);
  return metricsServing((name) => pick(METRICS_SETTINGS[name], flags, env, file), mainPort);
}

/** Email (SMTP) from flags, the environment and the config file; undefined when off. See mail-settings.ts. */
export function resolveMailSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): MailSettings | undefined {
  const file = configFile(flags);
  return mailSettings((name) => pick(MAIL_SETTINGS[name], flags, env, file));
}

/** The brand and theme of the pages from flags, the environment and the config file; undefined for the built-in look. See brand-settings.ts. */
export function resolveBranding(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Branding | undefined {
  const file = configFile(flags);
  return brandingSettings((name) => pick(BRAND_SETTINGS[name], flags, env, file));
}

/** Lifetimes and algorithms for the server config, from flags, the environment and the config file; wrong values fail naming where they came from. */
export function resolveSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Pick<ConfigInput, 'ttl' | 'accessTokenAlg' | 'idTokenAlg'> {
  const file = configFile(flags);
  const ttl: Partial<Record<LifetimeName, number>> = {};
  for (const setting of LIFETIME_SETTINGS) {
    const given = pick(setting, flags, env, file);
    if (!given) continue;
    const seconds = typeof given.value === 'string' || typeof given.value === 'number' ? parseDuration(given.value) : undefined;
    if (seconds === undefined) throw new CliError(`${given.source} must be ${DURATION_FORMS}, not ${shown(given.value)}`);
    const problem = lifetimeProblem(setting.name, seconds);
    if (problem) throw new CliError(`${given.source}: ${problem}`);
    ttl[setting.name] = seconds;
  }
  const result: Pick<ConfigInput, 'ttl' | 'accessTokenAlg' | 'idTokenAlg'> = { ttl };
  for (const setting of ALG_SETTINGS) {
    const given = pick(setting, flags, env, file);
    if (!given) continue;
    if (typeof given.value !== 'string' || !setting.values.includes(given.value)) {
      throw new CliError(`${given.source} must be one of ${setting.values.join(', ')}, not ${shown(given.value)}`);
    }
    Object.assign(result, { [setting.name]: given.value });
  }
  return result;
}

/** Whether users may delete their own account: the switch, TESSERA_ALLOW_ACCOUNT_DELETION=true|false, or `allowAccountDeletion: true` in the file. */
export function resolveAccountDeletion(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): boolean {
  return resolveSwitch(ACCOUNT_DELETION, flags, env);
}

/** Whether sign-ins need a confirmed address: the switch, TESSERA_REQUIRE_VERIFIED_EMAIL=true|false, or `requireVerifiedEmail: true` in the file. */
export function resolveRequireVerifiedEmail(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): boolean {
  return resolveSwitch(REQUIRE_VERIFIED_EMAIL, flags, env);
}

/** Who may sign up: --signup, TESSERA_SIGNUP or `signup:` in the file; off when none says. */
export function resolveSignup(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): SignupPolicy {
  const given = pick(SIGNUP, flags, env, configFile(flags));
  if (!given) return { mode: 'off' };
  if (typeof given.value !== 'string') throw new CliError(`${given.source} must be off, open, invite or domain:example.com[,example.org], not ${shown(given.value)}`);
  try {
    return parseSignupPolicy(given.value);
  } catch (e) {
    if (e instanceof SignupPolicyError) throw new CliError(`${given.source} ${e.message}`);
    throw e;
  }
}

function resolveSwitch(setting: Setting, flags: Record<string, unknown>, env: NodeJS.ProcessEnv): boolean {
  const given = pick(setting, flags, env, configFile(flags));
  if (!given) return false;
  if (given.value === true || given.value === 'true') return true;
  if (given.value === false || given.value === 'false') return false;
  throw new CliError(`${given.source} must be true or false, not ${shown(given.value)}`);
}
