import type { Command } from 'commander';
import { createServer } from '../server.js';
import { listenFailure } from './failure.js';
import { redactUrl } from '../store/postgres/open.js';
import { settingOptions } from './serve-settings.js';
import { CliError } from './output.js';
import { prettyStream } from './log-format.js';
import { resolveServe, type ServeFlags } from './serve-config.js';
import { redactSmtpUrl } from '../mail/smtp.js';

/** How long a stopping node waits for requests in flight (container runtimes kill after 10 s by default). */
const SHUTDOWN_TIMEOUT_MS = 8000;

/** Adds `serve`; returns it, so that `doctor` can take the very same options. */
export function serveCommand(program: Command): Command {
  const serve = program
    .command('serve')
    .description('run the authorization server')
    .option('--port <port>', 'port to listen on', process.env['TESSERA_PORT'] ?? '9000')
    .option('--host <host>', 'address to listen on', process.env['TESSERA_HOST'] ?? '127.0.0.1')
    .option('--issuer <url>', 'public URL of this server (default http://localhost:PORT)', process.env['TESSERA_ISSUER'])
    .option('--data <dir>', 'data directory of the embedded store', process.env['TESSERA_DATA_DIR'] || './data')
    .option('--database-url <url>', 'PostgreSQL instead of the embedded store, shared by every node (postgres://user@host:5432/db)', process.env['TESSERA_DATABASE_URL'])
    .option('--trust-proxy [hops]', 'believe X-Forwarded-* from this many reverse proxies in front of the node (default 1)', process.env['TESSERA_TRUST_PROXY'])
    .option('--open-registration', 'let anyone register clients at /register without an initial access token', process.env['TESSERA_OPEN_REGISTRATION'] === 'true')
    .option('--console-users <who>', "who may register apps in the developer console: 'all' or usernames separated by commas (default: nobody)", process.env['TESSERA_CONSOLE_USERS'])
    .option('--admin-role <name>', 'global role whose holders may use the admin console at /admin, with a second factor (default tessera-admin)', process.env['TESSERA_ADMIN_ROLE'])
    .option('--self-service-scopes <scopes>', 'scopes that self-registered apps may hold, separated by spaces (default: openid profile email offline_access groups)', process.env['TESSERA_SELF_SERVICE_SCOPES'])
    .option('--lockout-failures <n>', 'failed sign-ins for one username from one IP before a lock (default 5)', process.env['TESSERA_LOCKOUT_FAILURES'])
    .option('--lockout-minutes <n>', 'how long such a lock lasts (default 15)', process.env['TESSERA_LOCKOUT_MINUTES'])
    .option('--audit-retention-days <n>', 'how long audit events are kept (default 90)', process.env['TESSERA_AUDIT_RETENTION_DAYS'])
    .option('--log-level <level>', 'least severe log records written: trace, debug, info, warn, error, fatal or silent (default info; env TESSERA_LOG_LEVEL)')
    .option('--log-format <format>', 'json (one JSON record a line, default) or pretty (one readable line a record); env TESSERA_LOG_FORMAT')
    .option('--mfa-policy <policy>', "when to ask for the second factor: enrolled (users who set one up, always), risk (those users on risky sign-ins), required (everyone)", process.env['TESSERA_MFA_POLICY'])
    .action(async (flags: ServeFlags & Record<string, unknown>) => {
      const setup = resolveServe(flags, process.env);
      const { port, issuer, config, trustProxy, logging } = setup;
      const redisUrl = setup.redis?.url;
      const { events, metrics } = setup;
      const server = await createServer({
        dataDir: setup.dataDir,
        ...(setup.databaseUrl ? { databaseUrl: setup.databaseUrl } : {}),
        config,
        argon2: setup.argon2,
        passwordPolicy: setup.passwordPolicy,
        logger: { level: logging.level, ...(logging.format === 'pretty' ? { stream: prettyStream(process.stdout) } : {}) },
        ...(trustProxy > 0 ? { trustProxy } : {}),
        events,
        ...(metrics ? { metrics: metrics.settings } : {}),
        ...(setup.redis ? { redis: setup.redis } : {}),
        ...(setup.mail ? { mail: setup.mail } : {}),
        ...(setup.branding ? { branding: setup.branding } : {}),
      });
      let address: string;
      try {
        address = await server.app.listen({ port, host: flags.host });
      } catch (e) {
        // The store and timers opened above would keep the process alive: close them, then say why in one line.
        await server.close().catch(() => undefined);
        throw listenFailure(e, port, flags.host);
      }
      if (metrics?.listen && server.metricsApp) {
        let metricsAddress: string;
        try {
          metricsAddress = await server.metricsApp.listen(metrics.listen);
        } catch (e) {
          // A port already taken is the operator's to fix: one line, and nothing left running.
          await server.close();
          throw new CliError(`the metrics cannot listen on ${metrics.listen.host}:${metrics.listen.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        server.app.log.info({ address: metricsAddress, token: metrics.settings.token !== undefined }, `metrics at ${metricsAddress}/metrics`);
      }
      const store = flags.databaseUrl ? { database: redactUrl(flags.databaseUrl) } : { data: flags.data };
      const { ttl, accessTokenAlg, idTokenAlg } = server.ctx.config;
      // The message names the public URL: `address` is only where this process listens, often not what people reach.
      const sinks = Object.keys(events).filter((k) => k !== 'closeTimeoutMs');
      const metricsServed = metrics ? { metrics: { mainPort: metrics.settings.token !== undefined, ...(metrics.listen ? { port: metrics.listen.port } : {}) } } : {};
      server.app.log.info({ issuer, address, ...store, redis: redisUrl ? redactUrl(redisUrl) : undefined, ttl, accessTokenAlg, idTokenAlg, ...(sinks.length > 0 ? { event_sinks: sinks } : {}), ...metricsServed, mail: setup.mail ? redactSmtpUrl(setup.mail.url) : 'off' }, `Tessera is ready at ${issuer}`);
      let closing = false;
      // Requests in flight are finished first; one that hangs does not keep the node from stopping.
      const stop = async (signal: string) => {
        if (closing) return;
        closing = true;
        server.app.log.info({ signal }, 'stopping: finishing requests in flight');
        setTimeout(() => {
          server.app.log.error(`requests still running after ${SHUTDOWN_TIMEOUT_MS / 1000} s: stopping anyway`);
          process.exit(1);
        }, SHUTDOWN_TIMEOUT_MS).unref();
        await server.close();
        server.app.log.info('stopped');
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
  // Lifetimes and algorithms, and --config: a flag, the environment or the file gives them (serve-settings.ts).
  settingOptions(serve);
  return serve;
}
