import { CliError } from './output.js';

/*
 * How `tessera serve` logs: the level (`--log-level`, TESSERA_LOG_LEVEL) and the format
 * (`--log-format`, TESSERA_LOG_FORMAT): JSON records for log stores, or one readable line each.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

type Level = (typeof LOG_LEVELS)[number];
type Format = (typeof LOG_FORMATS)[number];

/** One of `allowed`, from the flag, else the environment, else the default; anything else is refused naming where it came from. */
function choose<T extends string>(flag: string, flagValue: unknown, env: string, envValue: string | undefined, allowed: readonly T[], fallback: T): T {
  const [value, source] = typeof flagValue === 'string' ? [flagValue, flag] : envValue !== undefined && envValue !== '' ? [envValue, env] : [fallback, ''];
  if (!(allowed as readonly string[]).includes(value)) throw new CliError(`${source} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value as T;
}

export function resolveLogging(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): { level: Level; format: Format } {
  return {
    level: choose('--log-level', flags['logLevel'], 'TESSERA_LOG_LEVEL', env['TESSERA_LOG_LEVEL'], LOG_LEVELS, 'info'),
    format: choose('--log-format', flags['logFormat'], 'TESSERA_LOG_FORMAT', env['TESSERA_LOG_FORMAT'], LOG_FORMATS, 'json'),
  };
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields the line shows in its own place, or that say nothing to a person reading one process's output. */
const SHOWN_APART = new Set(['time', 'level', 'msg', 'pid', 'hostname']);

/** A value as `key=value` shows it: bare when plain, else quoted and escaped (so a record stays one line). */
function shown(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value);
  return /^[^\s"=\\\x00-\x1f\x7f]+$/.test(value) ? value : JSON.stringify(value);
}

/** `key=value` pairs of a record's fields, nested objects flattened with dots (`req.path=/token`). */
function pairs(record: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || (!prefix && SHOWN_APART.has(key))) continue;
    const name = prefix + key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.push(...pairs(value as Record<string, unknown>, `${name}.`));
    else out.push(`${name}=${shown(value)}`);
  }
  return out;
}

/** One pino JSON record as one line: `2025-01-02T03:04:05.678Z INFO  request completed reqId=… req.path=/token …`. */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = (LEVEL_NAMES[record['level'] as number] ?? String(record['level'])).padEnd(5);
  const message = typeof record['msg'] === 'string' ? record['msg'].replace(/[\x00-\x1f\x7f]/g, ' ') : '';
  return [String(record['time'] ?? ''), level, message, ...pairs(record)].filter((part) => part !== '').join(' ') + '\n';
}

/** A destination for the server's logger that writes each record as a readable line to `out`. */
export function prettyStream(out: { write(text: string): unknown }): { write(line: string): void } {
  return {
    write(line) {
      out.write(prettyLine(line));
    },
  };
}
