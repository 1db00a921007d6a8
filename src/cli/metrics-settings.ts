import { readFileSync } from 'node:fs';
import type { MetricsSettings } from '../server.js';
import { CliError } from './output.js';

/*
 * The metrics settings of `tessera serve` (docs/observability.md): each a flag, an environment
 * variable and a key under `metrics:` in the config file, read by serve-settings.ts like the others.
 */

export interface MetricsSetting {
  flag: string;
  env: string;
  key: string;
  description: string;
  /** The name of the flag's value. */
  arg: string;
}

type Name = 'tokenFile' | 'port' | 'host' | 'clientIds';

/** Off unless a token file or a port is given. */
export const METRICS_SETTINGS: Record<Name, MetricsSetting> = {
  tokenFile: { flag: '--metrics-token-file', env: 'TESSERA_METRICS_TOKEN_FILE', key: 'metrics.tokenFile', arg: 'path', description: "serve /metrics on the main port to requests with this file's token (Authorization: Bearer)" },
  port: { flag: '--metrics-port', env: 'TESSERA_METRICS_PORT', key: 'metrics.port', arg: 'port', description: 'serve /metrics on a listener of its own at this port (with the token too, if a token file is given)' },
  host: { flag: '--metrics-host', env: 'TESSERA_METRICS_HOST', key: 'metrics.host', arg: 'host', description: 'address of the --metrics-port listener (default 127.0.0.1)' },
  clientIds: { flag: '--metrics-client-ids', env: 'TESSERA_METRICS_CLIENT_IDS', key: 'metrics.clientIds', arg: 'n', description: 'how many distinct client ids get their own client_id label; the rest are "other" (default 20, 0: none)' },
};

/** A setting's value and where it came from (`--metrics-port`, `TESSERA_METRICS_PORT`, `file: metrics.port`), if given. */
type Given = { value: unknown; source: string } | undefined;

const shown = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

/** A bearer token anyone could guess is no protection: this long at least, of characters a header carries as they are. */
const TOKEN = /^[\x21-\x7e]{16,512}$/;
/** More client_id labels than this would make the label a cardinality problem of its own. */
const MAX_CLIENT_ID_LABELS = 1000;

export interface MetricsServing {
  settings: MetricsSettings;
  /** Where the listener of its own answers, if one is asked for. */
  listen?: { port: number; host: string };
}

/**
 * The metrics settings, given each setting as flags, the environment and the config file give it (in
 * that order); undefined when neither a token file nor a port is given: metrics are off by default.
 * The token is read here, and never printed: messages name the file, not what it holds.
 */
export function metricsServing(given: (name: Name) => Given, mainPort: number): MetricsServing | undefined {
  const tokenFile = given('tokenFile');
  const port = given('port');
  const host = given('host');
  const clientIds = given('clientIds');
  if (!tokenFile && !port) {
    const stray = host ?? clientIds;
    if (stray) throw new CliError(`${stray.source} has no effect without --metrics-token-file or --metrics-port (metrics are off)`);
    return undefined;
  }
  const settings: MetricsSettings = {};
  if (tokenFile) settings.token = readToken(tokenFile.value, tokenFile.source);
  if (clientIds) {
    const n = wholeNumber(clientIds.value);
    if (n === undefined || n > MAX_CLIENT_ID_LABELS) throw new CliError(`${clientIds.source} must be a whole number from 0 to ${MAX_CLIENT_ID_LABELS}, not ${shown(clientIds.value)}`);
    settings.clientIdLabels = n;
  }
  if (!port) {
    if (host) throw new CliError(`${host.source} has no effect without --metrics-port`);
    return { settings };
  }
  const portNumber = wholeNumber(port.value);
  if (portNumber === undefined || portNumber < 1 || portNumber > 65535) throw new CliError(`${port.source} must be a port number from 1 to 65535, not ${shown(port.value)}`);
  if (portNumber === mainPort) throw new CliError(`${port.source} is the port the server answers on (${mainPort}); give the metrics a port of their own, or use --metrics-token-file alone`);
  if (host && (typeof host.value !== 'string' || host.value.trim() === '')) throw new CliError(`${host.source} must be an address to listen on, not ${shown(host.value)}`);
  settings.separateListener = true;
  return { settings, listen: { port: portNumber, host: host ? String(host.value).trim() : '127.0.0.1' } };
}

function wholeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

function readToken(path: unknown, source: string): string {
  if (typeof path !== 'string' || path === '') throw new CliError(`${source} must be the path of a file holding the token, not ${shown(path)}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`${source}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const token = text.trim();
  if (!TOKEN.test(token)) throw new CliError(`${source}: ${path} must hold one token of 16 to 512 visible ASCII characters, without spaces (for example: openssl rand -hex 32 > ${path})`);
  return token;
}
