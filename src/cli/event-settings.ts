import { join } from 'node:path';
import type { EventSinkSettings } from '../observability/events/index.js';
import { CliError } from './output.js';
import { readSettingFile } from './secret-files.js';

/*
 * The settings of the event sinks of `tessera serve` (docs/events.md): each a flag, an environment
 * variable and a key under `events:` in the config file, read by serve-settings.ts like the others.
 */

export interface EventSetting {
  flag: string;
  env: string;
  key: string;
  description: string;
  /** The name of the flag's value (`<path>`); null for a switch. */
  arg: string | null;
}

export const EVENT_SETTINGS: EventSetting[] = [
  { flag: '--events-file', env: 'TESSERA_EVENTS_FILE', key: 'events.file.path', arg: 'path', description: 'append each audit event as a JSON line to this file (mode 0600), rotated by size' },
  { flag: '--events-file-max-size', env: 'TESSERA_EVENTS_FILE_MAX_SIZE', key: 'events.file.maxSize', arg: 'size', description: 'rotate the events file when it would pass this size: bytes, or with k, M, G (default 10M)' },
  { flag: '--events-file-keep', env: 'TESSERA_EVENTS_FILE_KEEP', key: 'events.file.keep', arg: 'n', description: 'rotated events files kept, .1 the newest (default 5)' },
  { flag: '--syslog', env: 'TESSERA_SYSLOG_URL', key: 'events.syslog.url', arg: 'url', description: 'send each audit event to syslog (RFC 5424): udp://host:514, tcp://host:514 or tls://host:6514' },
  { flag: '--syslog-facility', env: 'TESSERA_SYSLOG_FACILITY', key: 'events.syslog.facility', arg: 'name', description: 'syslog facility: auth, authpriv (default), daemon, local0 … local7, user' },
  { flag: '--syslog-ca-file', env: 'TESSERA_SYSLOG_CA_FILE', key: 'events.syslog.caFile', arg: 'file', description: 'PEM certificates to trust for a tls:// syslog server (besides the system ones)' },
  { flag: '--webhook-url', env: 'TESSERA_WEBHOOK_URL', key: 'events.webhook.url', arg: 'url', description: 'POST each audit event, signed (Standard Webhooks), to this https URL' },
  { flag: '--webhook-secret-file', env: 'TESSERA_WEBHOOK_SECRET_FILE', key: 'events.webhook.secretFile', arg: 'file', description: 'file holding the webhook signing secret, whsec_<base64> (or env TESSERA_WEBHOOK_SECRET)' },
  { flag: '--webhook-allow-insecure-http', env: 'TESSERA_WEBHOOK_ALLOW_INSECURE_HTTP', key: 'events.webhook.allowInsecureHttp', arg: null, description: 'allow an http:// webhook URL (events then travel unencrypted)' },
  { flag: '--webhook-ca-file', env: 'TESSERA_WEBHOOK_CA_FILE', key: 'events.webhook.caFile', arg: 'file', description: 'PEM certificates to trust for the webhook receiver (besides the system ones)' },
  { flag: '--webhook-attempts', env: 'TESSERA_WEBHOOK_ATTEMPTS', key: 'events.webhook.attempts', arg: 'n', description: 'delivery attempts per event before it goes to the dead-letter file (default 8)' },
  { flag: '--webhook-dead-letter-file', env: 'TESSERA_WEBHOOK_DEAD_LETTER_FILE', key: 'events.webhook.deadLetterFile', arg: 'path', description: 'where undeliverable events are kept, one JSON line each (default DATA/webhook-dead-letters.jsonl)' },
];

type Given = { value: unknown; source: string } | undefined;

const shown = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

function text(given: Given): string | undefined {
  if (given === undefined) return undefined;
  if (typeof given.value !== 'string' || given.value.trim() === '') throw new CliError(`${given.source} must be a non-empty string, not ${shown(given.value)}`);
  return given.value;
}

function count(given: Given): number | undefined {
  if (given === undefined) return undefined;
  const value = typeof given.value === 'number' ? String(given.value) : given.value;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`${given.source} must be a positive whole number, not ${shown(given.value)}`);
  return Number(value);
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function size(given: Given): number | undefined {
  if (given === undefined) return undefined;
  const match = /^(\d+)\s*([kmg]?)i?b?$/i.exec(String(given.value));
  if (typeof given.value === 'boolean' || !match || Number(match[1]) < 1) throw new CliError(`${given.source} must be a size such as 10M, 500k or 1048576 (bytes), not ${shown(given.value)}`);
  return Number(match[1]) * UNITS[match[2]!.toLowerCase()]!;
}

function flag(given: Given): boolean {
  if (given === undefined) return false;
  if (given.value === true || given.value === 'true') return true;
  if (given.value === false || given.value === 'false') return false;
  throw new CliError(`${given.source} must be true or false, not ${shown(given.value)}`);
}

function fileContent(given: Given, what: string): string | undefined {
  const path = text(given);
  if (path === undefined) return undefined;
  try {
    return readSettingFile(path, given!.source);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${given!.source}: cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The sinks the settings turn on. `get` gives a setting by key with where it came from (flag,
 * environment, config file); options of a sink that is not on are refused, so a forgotten URL is
 * noticed. The webhook secret comes from its file (flag, TESSERA_WEBHOOK_SECRET_FILE, config file), else
 * from TESSERA_WEBHOOK_SECRET; never from the config file itself, which is rarely kept secret.
 */
export function eventSinkSettings(get: (key: string) => Given, env: NodeJS.ProcessEnv, dataDir: string): EventSinkSettings {
  const settings: EventSinkSettings = {};
  const orphan = (prefix: string, needs: string) => {
    for (const s of EVENT_SETTINGS.filter((s) => s.key.startsWith(prefix))) {
      const given = get(s.key);
      if (given) throw new CliError(`${given.source} is set, but ${needs} is not`);
    }
  };

  const file = text(get('events.file.path'));
  if (file !== undefined) {
    const maxBytes = size(get('events.file.maxSize'));
    const keep = count(get('events.file.keep'));
    settings.file = { path: file, ...(maxBytes !== undefined ? { maxBytes } : {}), ...(keep !== undefined ? { keep } : {}) };
  } else orphan('events.file.', '--events-file');

  const syslog = text(get('events.syslog.url'));
  if (syslog !== undefined) {
    const facility = text(get('events.syslog.facility'));
    const ca = fileContent(get('events.syslog.caFile'), 'the CA file');
    settings.syslog = { url: syslog, ...(facility !== undefined ? { facility } : {}), ...(ca !== undefined ? { ca } : {}) };
  } else orphan('events.syslog.', '--syslog');

  const url = text(get('events.webhook.url'));
  if (url !== undefined) {
    const secretFile = get('events.webhook.secretFile');
    if (secretFile && env['TESSERA_WEBHOOK_SECRET']) throw new CliError(`both ${secretFile.source} and TESSERA_WEBHOOK_SECRET are set: use one`);
    const secret = fileContent(secretFile, 'the webhook secret file') ?? env['TESSERA_WEBHOOK_SECRET'];
    const secretSource = secretFile?.source ?? 'TESSERA_WEBHOOK_SECRET';
    if (!secret) throw new CliError('--webhook-url needs a signing secret: --webhook-secret-file FILE, or TESSERA_WEBHOOK_SECRET(_FILE), holding whsec_<base64> (make one with: echo "whsec_$(openssl rand -base64 32)")');
    const ca = fileContent(get('events.webhook.caFile'), 'the CA file');
    const attempts = count(get('events.webhook.attempts'));
    settings.webhook = {
      url,
      secret,
      secretSource,
      allowInsecureHttp: flag(get('events.webhook.allowInsecureHttp')),
      ...(ca !== undefined ? { ca } : {}),
      ...(attempts !== undefined ? { attempts } : {}),
      deadLetterFile: text(get('events.webhook.deadLetterFile')) ?? join(dataDir, 'webhook-dead-letters.jsonl'),
    };
  } else orphan('events.webhook.', '--webhook-url');
  return settings;
}
