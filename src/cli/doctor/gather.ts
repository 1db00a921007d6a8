import { readFileSync } from 'node:fs';
import { ConfigError, makeConfig } from '../../core/config.js';
import type { DoctorFacts } from '../../core/doctor/facts.js';
import { CliError } from '../output.js';
import { resolveServe, type ServeFlags } from '../serve-config.js';
import { redactUrl } from '../../store/postgres/open.js';
import { probeHttp } from './probe-http.js';
import { probeStore } from './probe-store.js';
import { probeRedis } from './probe-redis.js';
import { looseFiles, pepperFacts } from './probe-files.js';
import { checkEventSinkSettings } from '../../observability/events/index.js';

export interface DoctorOptions {
  /** The running deployment's issuer URL, when not the configured one. */
  url?: string;
  /** Leave the running deployment alone (no HTTP). */
  offline: boolean;
  /** Seconds. */
  keyMaxAge: number;
}

/** `engines.node` of the package this CLI belongs to (src/cli/doctor and dist/cli/doctor are three levels down). */
function engines(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };
    return pkg.engines?.node ?? '';
  } catch {
    return '';
  }
}

const trimSlash = (url: string) => new URL(url).href.replace(/\/$/, '');

/**
 * Everything doctor looks at, read as `serve` would read it: the same flags, environment and config
 * file (resolveServe), the issuer and config checked by the core's own rules (makeConfig). Reads
 * only: the store is opened read-only, no pepper or directory is made, nothing is migrated.
 */
export async function gatherFacts(flags: ServeFlags & Record<string, unknown>, env: NodeJS.ProcessEnv, options: DoctorOptions): Promise<DoctorFacts> {
  const facts: DoctorFacts = { now: Date.now(), keyMaxAge: options.keyMaxAge, looseFiles: [], node: { version: process.versions.node, engines: engines() } };
  let setup;
  try {
    setup = resolveServe(flags, env);
  } catch (e) {
    if (!(e instanceof CliError || e instanceof ConfigError)) throw e;
    facts.configProblem = e.message;
    return facts;
  }
  let issuer: string | undefined;
  try {
    issuer = makeConfig({ issuer: setup.issuer }).issuer;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    facts.issuerProblem = e.message;
  }
  try {
    // The rest of the configuration, checked as the server would, with the issuer aside when it is wrong.
    makeConfig({ ...setup.config, issuer: issuer ?? 'http://localhost' });
    // The event sinks' settings, which serve checks as it opens them.
    checkEventSinkSettings(setup.events);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    facts.configProblem = e.message;
  }
  facts.config = {
    issuer: issuer ?? setup.issuer,
    host: setup.host,
    trustProxy: setup.trustProxy,
    store: setup.databaseUrl ? { kind: 'postgres', url: redactUrl(setup.databaseUrl) } : { kind: 'sqlite', dataDir: setup.dataDir },
    openRegistration: setup.config.openRegistration === true,
    consoleUsers: setup.config.consoleUsers ?? [],
    passwordPolicy: setup.passwordPolicy,
    argon2: setup.argon2,
    ...(setup.events.webhook ? { webhook: { url: setup.events.webhook.url } } : {}),
    ...(setup.metrics ? { metrics: { ...(setup.metrics.listen ? { listenHost: setup.metrics.listen.host } : {}), token: setup.metrics.settings.token !== undefined } } : {}),
  };
  const pepper = pepperFacts(setup.dataDir, env);
  facts.pepper = pepper.facts;
  const webhookSecretFile = typeof flags['webhookSecretFile'] === 'string' ? flags['webhookSecretFile'] : env['TESSERA_WEBHOOK_SECRET_FILE'];
  facts.looseFiles = looseFiles(setup.dataDir, env, [
    ...(setup.events.file ? [{ path: setup.events.file.path, holds: 'the events file' }] : []),
    ...(setup.events.webhook ? [{ path: setup.events.webhook.deadLetterFile, holds: 'the webhook dead letters' }] : []),
    ...(setup.events.webhook && webhookSecretFile ? [{ path: webhookSecretFile, holds: 'the webhook secret' }] : []),
  ]);
  const base = options.url ?? issuer;
  // The issuer the server must publish: the configured one, or the --url's when none is configured.
  const expected = flags.issuer !== undefined && issuer ? issuer : options.url ? trimSlash(options.url) : issuer;
  const [discovery, ready, store, redis] = await Promise.all([
    !options.offline && base ? probeHttp(`${trimSlash(base)}/.well-known/openid-configuration`) : undefined,
    !options.offline && base ? probeHttp(`${trimSlash(base)}/ready`) : undefined,
    probeStore({ dataDir: setup.dataDir, ...(setup.databaseUrl ? { databaseUrl: setup.databaseUrl } : {}) }, pepper.pepper),
    setup.redis ? probeRedis(setup.redis.url) : undefined,
  ]);
  if (discovery && ready && base && expected) facts.deployment = { url: trimSlash(base), expectedIssuer: expected, discovery, ready };
  facts.store = store;
  if (redis) facts.redis = redis;
  return facts;
}
