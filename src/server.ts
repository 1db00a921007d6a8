import { passkeySignInEndpoint } from './core/interaction/passkey-sign-in.js';
import { accountSecurityEndpoints } from './core/interaction/account-security/endpoints.js';
import type { FastifyInstance } from 'fastify';
import { makeConfig, type ConfigInput } from './core/config.js';
import { systemClock, type Context } from './core/context.js';
import { KeyRing } from './core/keys/key-ring.js';
import { createPasswordHasher, type Argon2Params } from './core/accounts/passwords.js';
import type { GateOptions } from './core/accounts/password-gate.js';
import type { Grant } from './core/grants/grant.js';
import { authorizationCodeGrant } from './core/grants/authorization-code.js';
import { refreshTokenGrant } from './core/grants/refresh-token.js';
import { clientCredentialsGrant } from './core/grants/client-credentials.js';
import { tokenEndpoint } from './core/endpoints/token.js';
import { authorizationEndpoint } from './core/endpoints/authorize/index.js';
import { userinfoEndpoint } from './core/endpoints/userinfo.js';
import { adminAuditEndpoint } from './core/endpoints/admin-audit.js';
import { adminApi } from './core/admin-api/index.js';
import { scimEndpoints } from './core/scim/endpoints.js';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './core/accounts/users.js';
import { adminConsoleEndpoint } from './core/admin-console/index.js';
import { discoveryEndpoint, jwksEndpoint } from './core/endpoints/discovery.js';
import { healthEndpoint, readinessEndpoint, type ReadinessCheck } from './core/endpoints/health.js';
import { interactionEndpoints } from './core/interaction/endpoints.js';
import { accountEndpoints } from './core/interaction/account.js';
import { signInEndpoint } from './core/interaction/sign-in.js';
import { passwordResetEndpoints } from './core/interaction/password-reset.js';
import { languageEndpoint } from './core/interaction/language-choice.js';
import { signupEndpoints } from './core/interaction/signup/endpoints.js';
import { verificationEndpoints } from './core/interaction/signup/verification.js';
import { secondFactorEndpoint } from './core/interaction/second-factor.js';
import { deviceEndpoints } from './core/interaction/device.js';
import { deviceAuthorizationEndpoint } from './core/endpoints/device-authorization.js';
import { deviceCodeGrant } from './core/grants/device-code.js';
import { passwordGrant } from './core/grants/password.js';
import { memoryLimiterFactory } from './limits/memory.js';
import { redisLimiterFactory } from './limits/redis.js';
import { buildLimiters } from './limits/attempts.js';
import { createAuditLog, type AuditObserver } from './core/audit.js';
import { registrationEndpoints } from './core/endpoints/registration.js';
import { homeEndpoint } from './core/endpoints/home.js';
import { developerConsoleEndpoints } from './core/interaction/developer-console.js';
import { revocationEndpoint } from './core/endpoints/revocation.js';
import { introspectionEndpoint } from './core/endpoints/introspection.js';
import { endSessionEndpoint } from './core/endpoints/end-session.js';
import { cleanUp, every, type CleanupReport } from './core/lifecycle/maintenance.js';
import { openSqliteStores } from './store/sqlite/open.js';
import { openPostgresStores } from './store/postgres/open.js';
import type { Stores } from './store/ports.js';
import type { StoreTelemetry } from './store/telemetry.js';
import { buildHttpApp, type LoggerOptions } from './http/app.js';
import { metricsApp } from './http/metrics.js';
import { createMetrics } from './observability/metrics/metrics.js';
import { reportingFoundClients, timedStores } from './store/timed-stores.js';
import { countingRefusals } from './limits/refusal-counting.js';
import { currentRequestId, requestLog } from './http/request-log.js';
import { openEventSinks, type EventSinkSettings } from './observability/events/index.js';
import { eventDispatcher } from './core/events/dispatcher.js';
import { federationRegistry } from './core/federation/registry.js';
import { upstreamSignInEndpoints } from './core/federation/upstream-sign-in.js';
import { directoriesReadiness } from './core/federation/readiness.js';
import { federationAdapters } from './federation/adapters.js';
import { preparePepper } from './pepper.js';
import { JWT_LIFETIME_SETTING } from './core/keys/rotation.js';
import { longestJwtLifetime } from './core/tokens/lifetimes.js';
import { looseDataPermissions } from './data-dir.js';
import { smtpProblem, smtpTransport, type SmtpSettings } from './mail/smtp.js';
import { outboxMailer } from './core/mail/outbox.js';
import { outboxSender, type OutboxSender, type RetryPolicy } from './core/mail/sender.js';
import { renderMail } from './ui/mail/templates.js';
import { servedLook } from './http/look.js';
import { overrideMessages } from './ui/i18n/translator.js';
import type { Branding } from './ui/theme.js';

/** The grants this server offers, in the order discovery lists them. */
export const GRANTS: readonly Grant[] = [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant, deviceCodeGrant, passwordGrant];

export interface StoreLocation {
  /** The embedded store's directory; also where the pepper file lives when TESSERA_PEPPER is not set. */
  dataDir: string;
  /** PostgreSQL instead of the embedded store (TESSERA_DATABASE_URL). */
  databaseUrl?: string;
}

/** Opens the store (bringing its schema up to date); `onMigrated` hears which migrations that applied. */
export async function openStores(
  location: StoreLocation,
  onMigrated?: (applied: string[]) => void,
  sqlite: { backgroundCheckpoints?: boolean; onError?: (error: unknown) => void } = {},
  telemetry?: StoreTelemetry,
): Promise<Stores> {
  return location.databaseUrl
    ? openPostgresStores(location.databaseUrl, { ...(onMigrated ? { onMigrated } : {}), ...(telemetry ? { telemetry } : {}) })
    : openSqliteStores(location.dataDir, onMigrated, { ...sqlite, ...(telemetry ? { telemetry } : {}) });
}

export interface ServerOptions extends StoreLocation {
  config: ConfigInput;
  argon2?: Argon2Params;
  /** What new passwords set through the admin API must meet (the CLI's TESSERA_PASSWORD_* settings). */
  passwordPolicy?: PasswordPolicy;
  /** How many password hashes run and wait at once before sign-ins get 503 (default: the cores, 16 waiting per core). */
  passwordHashing?: GateOptions;
  logger?: boolean | LoggerOptions;
  /** Proxies in front of the node whose X-Forwarded-* headers are believed (hops); none by default. */
  trustProxy?: number;
  /** Redis for the counters of the rate limits, shared by every node (TESSERA_REDIS_URL). */
  redis?: { url: string; prefix?: string };
  /** Where audit events are sent as they happen (file, syslog, webhook); none by default. */
  events?: EventSinkSettings;
  /** Prometheus metrics; off when absent. */
  metrics?: MetricsSettings;
  /** Email (password reset); the features that need it are off when absent. */
  mail?: MailSettings;
  /** The brand and theme of the pages (--brand-*, --theme-dir), checked by the CLI; the built-in look when absent. */
  branding?: Branding;
  now?: () => number;
}

export interface MailSettings extends SmtpSettings {
  /** How often each node looks for mail due (retries, mail other nodes queued); default 10 s. Mail queued here goes at once. */
  pollSeconds?: number;
  retry?: Partial<RetryPolicy>;
}

export interface MetricsSettings {
  /** Serve /metrics on the main port, to requests bearing this token (--metrics-token-file). */
  token?: string;
  /** Also serve /metrics on a listener of its own (`Tessera.metricsApp`, --metrics-port); it asks for `token` too when one is set. */
  separateListener?: boolean;
  /** Distinct client ids labelled by name (default 20). */
  clientIdLabels?: number;
  /** How long one reading of the scrape-time gauges is reused (default 5 s). */
  gaugeCacheMs?: number;
}

export interface Tessera {
  app: FastifyInstance;
  /** The /metrics listener of its own, when `metrics.separateListener` is set; the caller makes it listen. */
  metricsApp?: FastifyInstance;
  ctx: Context;
  /** Runs the background cleanup now (it also runs every `intervals.cleanup` seconds). */
  cleanUp(): Promise<CleanupReport>;
  close(): Promise<void>;
}

/** The composition root: config, store, keys, endpoints, HTTP. */
export async function createServer(options: ServerOptions): Promise<Tessera> {
  const config = makeConfig(options.config);
  // Wrong mail settings fail before anything opens, in one line.
  const mailProblem = options.mail ? smtpProblem(options.mail) : undefined;
  if (mailProblem) throw new Error(mailProblem);
  // Set once the logger exists; the store's background work reports through it.
  let logStoreError: (error: unknown) => void = () => {};
  const metrics = options.metrics ? createMetrics({ clientIdLabels: options.metrics.clientIdLabels ?? 20, ...(options.metrics.gaugeCacheMs !== undefined ? { gaugeCacheMs: options.metrics.gaugeCacheMs } : {}) }) : undefined;
  const opened = await openStores(options, undefined, { backgroundCheckpoints: true, onError: (error) => logStoreError(error) }, metrics?.store);
  const stores = metrics ? timedStores(reportingFoundClients(opened, (client) => metrics.clientFound(client)), metrics.storeTimer) : opened;
  const now = options.now ?? systemClock;
  // Failure counters are shared through Redis when there is one, else kept in this process.
  const redis = options.redis ? redisLimiterFactory(options.redis.url, options.redis.prefix) : undefined;
  const limiterFactory = redis?.factory ?? memoryLimiterFactory;
  // Count in Redis from the first request (until it connects, each node counts in memory).
  const redisConnected = redis ? await redis.connected() : true;
  const readiness: Record<string, ReadinessCheck> = { database: () => stores.ping(), ...(redis ? { redis: () => redis.state() } : {}) };
  let stopping = false;
  const { pepper, sealedKeys } = await preparePepper(stores, options.dataDir);
  // Where this deployment answers, for commands that print URLs to register elsewhere (`idp show`).
  await stores.settings.set('issuer', config.issuer);
  await stores.settings.set(JWT_LIFETIME_SETTING, String(longestJwtLifetime(config, [])));
  const keys = new KeyRing(stores.keys, pepper, metrics?.coreCacheLookup);
  await keys.load(now());
  const auditObservers: AuditObserver[] = [];
  // A theme's own words for some messages: process-wide, as the catalogs are.
  for (const { locale, namespaces } of options.branding?.messages ?? []) {
    for (const [namespace, messages] of Object.entries(namespaces)) overrideMessages(locale, namespace, messages);
  }
  let mailSender: OutboxSender | undefined;
  const ctx: Context = {
    config,
    stores,
    keys,
    pepper,
    passwords: await createPasswordHasher(options.argon2, options.passwordHashing),
    // RFC 8628 §5.1: 5 wrong user codes per 15 minutes per session, 20 per IP, then 15 minutes' wait.
    limits: buildLimiters(metrics ? countingRefusals(limiterFactory, metrics.rateLimitRefused) : limiterFactory, config),
    // The HTTP app is built with this context, so its logger is attached once it exists (below).
    // Observers are added below once what they report to exists (the logger, metrics, sinks).
    audit: createAuditLog(stores.audit, now, auditObservers),
    federation: federationRegistry(stores.identityProviders, federationAdapters, pepper, stores.changes),
    // Mail is queued in the outbox and sent by this node's sender (started below, once there is a logger).
    ...(options.mail ? { mail: outboxMailer({ stores, pepper, now }, (template) => renderMail(template, options.branding?.brand.name), () => void mailSender?.nudge()) } : {}),
    now,
  };
  readiness['directories'] = directoriesReadiness(ctx);
  const ready = readinessEndpoint(readiness, () => stopping);
  const metricsAccess = metrics ? { ...(options.metrics?.token !== undefined ? { token: options.metrics.token } : {}), render: () => metrics.render() } : undefined;
  if (metrics) {
    auditObservers.push(metrics.observeAudit);
    metrics.watch({ stats: stores.stats, signingKeys: () => stores.keys.all(), ready: async () => {
      const answer = await ready();
      return answer.kind === 'json' && answer.status === 200;
    }, now });
  }
  const app = buildHttpApp(
    {
      authorize: authorizationEndpoint(ctx),
      token: tokenEndpoint(ctx, GRANTS),
      revocation: revocationEndpoint(ctx),
      introspection: introspectionEndpoint(ctx),
      endSession: endSessionEndpoint(ctx),
      account: accountEndpoints(ctx),
      accountSecurity: accountSecurityEndpoints(ctx, options.passwordPolicy ?? DEFAULT_PASSWORD_POLICY),
      federation: upstreamSignInEndpoints(ctx),
      signIn: signInEndpoint(ctx),
      language: languageEndpoint(ctx),
      passwordReset: passwordResetEndpoints(ctx, options.passwordPolicy ?? DEFAULT_PASSWORD_POLICY, () => requestLog() ?? app.log),
      signup: signupEndpoints(ctx, options.passwordPolicy ?? DEFAULT_PASSWORD_POLICY),
      verification: verificationEndpoints(ctx),
      secondFactor: secondFactorEndpoint(ctx),
      passkeySignIn: passkeySignInEndpoint(ctx),
      deviceAuthorization: deviceAuthorizationEndpoint(ctx),
      device: deviceEndpoints(ctx),
      registration: registrationEndpoints(ctx),
      developerConsole: developerConsoleEndpoints(ctx),
      userinfo: userinfoEndpoint(ctx),
      adminAudit: adminAuditEndpoint(ctx),
      adminApi: adminApi(ctx, options.passwordPolicy),
      scim: scimEndpoints(ctx, { passwordPolicy: options.passwordPolicy ?? DEFAULT_PASSWORD_POLICY }),
      adminConsole: adminConsoleEndpoint(ctx, options.passwordPolicy),
      discovery: discoveryEndpoint(ctx, GRANTS),
      home: homeEndpoint(ctx),
      jwks: jwksEndpoint(ctx),
      health: healthEndpoint(),
      ready,
      interaction: interactionEndpoints(ctx),
    },
    {
      secureCookies: config.secureCookies,
      https: config.issuer.startsWith('https:'),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      ...(metrics ? { observeRequest: (r: Parameters<typeof metrics.observeRequest>[0]) => metrics.observeRequest(r) } : {}),
      // On the main port only behind a token: the port is public, the numbers are not for everyone.
      ...(metricsAccess?.token !== undefined ? { metrics: metricsAccess } : {}),
      look: servedLook(options.branding),
    },
  );
  const separateMetrics = metricsAccess && options.metrics?.separateListener ? metricsApp(metricsAccess) : undefined;
  // An event of a request is logged with that request's id.
  auditObservers.push((event) => (requestLog() ?? app.log).info({ audit: event }, 'audit'));
  let sinks;
  try {
    sinks = openEventSinks(options.events ?? {}, app.log);
  } catch (e) {
    await app.close();
    await ctx.federation.close();
    await stores.close();
    await redis?.close();
    throw e;
  }
  const events = eventDispatcher(sinks, {
    issuer: config.issuer,
    requestId: currentRequestId,
    onError: (sink, err) => app.log.error({ err, sink }, 'an event sink failed'),
  });
  auditObservers.push(events.observe);
  for (const loose of looseDataPermissions(options.dataDir)) {
    app.log.warn(loose, `${loose.path} is open to other users of this machine (mode ${loose.mode}): it holds the store or the pepper; chmod ${loose.want.slice(1)} it`);
  }
  if (sealedKeys.length > 0) app.log.info({ kids: sealedKeys }, 'sealed signing keys that an earlier release stored in clear');
  if (config.signup.mode !== 'off' && !options.mail) app.log.warn('sign-up (--signup) needs mail to confirm addresses, and no mail server is configured (--smtp-url): sign-up stays off');
  if (!redisConnected) app.log.warn('Redis does not answer yet: rate-limit counters are kept in memory until it does');
  const logError = (what: string) => (err: unknown) => app.log.error({ err }, what);
  logStoreError = logError('the embedded store\'s background checkpoint failed; SQLite checkpoints in requests again');
  // Another node (or the CLI) rotated or pruned keys: take them up now rather than at the next reload.
  stores.changes?.subscribe((change) => {
    if (change === 'reset' || change.kind === 'keys') keys.reload().catch(logError('reloading signing keys failed'));
  });
  if (options.mail) {
    mailSender = outboxSender({ stores, pepper, now, transport: smtpTransport(options.mail), audit: ctx.audit, log: app.log, ...(options.mail.retry ? { retry: options.mail.retry } : {}) });
    mailSender.start(options.mail.pollSeconds ?? 10);
  }
  const jobs = [
    every(config.intervals.cleanup, () => cleanUp(ctx), logError('cleanup failed')),
    every(config.intervals.keyReload, () => keys.reload(), logError('reloading signing keys failed')),
  ];
  return {
    app,
    ...(separateMetrics ? { metricsApp: separateMetrics } : {}),
    ctx,
    cleanUp: () => cleanUp(ctx),
    async close() {
      // /ready answers 503 from now on; Fastify stops accepting connections and finishes the requests in flight.
      stopping = true;
      await Promise.all(jobs.map((job) => job.stop()));
      await app.close();
      // A send in progress finishes (or fails and is retried by whichever node looks next).
      await mailSender?.stop();
      await separateMetrics?.close();
      // Events of the last requests still go out, within a bounded wait.
      await events.close(options.events?.closeTimeoutMs ?? 3000);
      await ctx.federation.close();
      await stores.close();
      await redis?.close();
    },
  };
}
