import { Counter, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { AuditEvent, AuditObserver } from '../../core/audit.js';
import type { StoreTelemetry } from '../../store/telemetry.js';
import type { CacheLookupObserver } from '../../core/cache-lookups.js';
import type { OperationTimer } from '../../store/timed-stores.js';
import type { Client } from '../../core/clients/client.js';
import { clientIdLabels, errorLabel, statusClass } from './labels.js';
import { SIGN_IN_METHODS, signInOf } from './sign-ins.js';
import { registerScrapeGauges, type GaugeSources } from './scrape-gauges.js';
import { HotCounter, HotHistogram } from './hot-series.js';

export interface MetricsOptions {
  /** How many distinct client ids get their own `client_id` label; the rest are `other` (0: none). */
  clientIdLabels: number;
  /** How long one reading of the scrape-time gauges is reused (default 5 s). */
  gaugeCacheMs?: number;
}

/** One finished HTTP request, as the HTTP shell reports it. */
export interface RequestObservation {
  /** The route's pattern (`/interaction/:id`), or `unmatched`. */
  route: string;
  method: string;
  status: number;
  seconds: number;
  /** The OAuth error code a 4xx answer carried. */
  error: string | undefined;
}

/**
 * This process's metrics, in a registry of its own (each node exposes only what it counted; a
 * second server in one process, as in tests, does not share counters). Everything reports through
 * the functions here; the core never sees prom-client.
 */
export interface Metrics {
  observeAudit: AuditObserver;
  observeRequest(request: RequestObservation): void;
  rateLimitRefused(limiter: string): void;
  store: StoreTelemetry;
  storeTimer: OperationTimer;
  /** Each client the store found: who registered it decides whether its id may become a label. */
  clientFound(client: Pick<Client, 'clientId' | 'origin'>): void;
  /** The core's caches: signing keys and verified tokens. */
  coreCacheLookup: CacheLookupObserver;
  /** Registers the gauges read at scrape time, once what they read exists. */
  watch(sources: GaugeSources): void;
  /** The Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool's lint refuses; nodejs_active_handles{type} and its
  // siblings carry the same numbers per type.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Counter<L>({ name, help, labelNames, registers });

  // What every request touches is kept in hot series (hot-series.ts); the registry reads them when scraped.
  const hot = <M extends HotCounter | HotHistogram>(metric: M): M => {
    registry.registerMetric(metric as unknown as Metric);
    return metric;
  };
  const requests = hot(new HotCounter('tessera_http_requests_total', 'HTTP requests answered, by route pattern, method and status class', ['route', 'method', 'status_class']));
  const duration = hot(new HotHistogram('tessera_http_request_duration_seconds', 'time to answer HTTP requests, by route pattern and method', ['route', 'method'], HTTP_BUCKETS));
  const requestErrors = hot(new HotCounter('tessera_http_request_errors_total', 'refused requests (4xx) by route and OAuth error code (other: a code outside the specs)', ['route', 'error']));
  const tokens = hot(new HotCounter('tessera_tokens_issued_total', 'token responses, by grant type and client (the first N clients by name, then other)', ['grant_type', 'client_id']));
  const rotations = counter('tessera_refresh_rotations_total', 'refresh tokens rotated (each refresh_token grant that succeeded)');
  const reuse = counter('tessera_refresh_reuse_detected_total', 'rotated refresh tokens presented again: their family was revoked');
  const signIns = counter('tessera_sign_ins_total', 'sign-in steps by outcome and method (password, totp, backup_code, directory, upstream, second_factor)', ['outcome', 'method']);
  // Each series exists at 0 from the start: a series that first appears holding N makes increase()
  // and rate() miss those N, so a burst of failed sign-ins on a quiet node would never be seen.
  for (const outcome of ['success', 'failure'] as const) for (const method of SIGN_IN_METHODS) signIns.inc({ outcome, method }, 0);
  const lockouts = counter('tessera_lockouts_total', 'sign-in locks: too many failed passwords for a username');
  const refusals = counter('tessera_rate_limit_refusals_total', 'attempts a rate limiter refused, by limiter', ['limiter']);
  const stepUps = counter('tessera_mfa_step_ups_total', 'times a second factor was asked for on top of a sign-in or session (risk, client or policy)');
  const consents = counter('tessera_consents_total', 'consents given and revoked', ['action']);
  const cacheLookups = hot(new HotCounter('tessera_cache_lookups_total', 'lookups in the per-node caches: clients, keys (a miss is an unknown kid), verified_tokens (bypass: not trusted while its change feed was down)', ['cache', 'result']));
  const auditBatches = hot(new HotHistogram('tessera_audit_batch_size', 'audit events written by one group commit', [], [1, 2, 5, 10, 20, 50, 100, 200, 500]));
  const allBatches = auditBatches.of();
  const storeDuration = hot(new HotHistogram('tessera_store_operation_duration_seconds', 'time of the store calls on the hot paths, by operation', ['operation'], STORE_BUCKETS));

  // Clients an operator registered, as the store last found them: the only ones named in labels. It
  // grows with the operator's clients only; a token request finds its client before it is counted.
  const operatorClients = new Set<string>();
  const clientLabel = clientIdLabels(options.clientIdLabels, (id) => operatorClients.has(id));
  const cacheLookup = (cache: string, result: string) => void cacheLookups.of(cache, result).value++;
  const observeAudit = (event: AuditEvent): void => {
    const signIn = signInOf(event);
    if (signIn) signIns.inc(signIn);
    switch (event.type) {
      case 'token.issued':
      case 'token.refreshed':
        // The token endpoint records the grant type as the reason.
        tokens.of(event.reason ?? 'unknown', clientLabel(event.clientId)).value++;
        if (event.type === 'token.refreshed') rotations.inc();
        break;
      case 'refresh.reuse':
        reuse.inc();
        break;
      case 'login.lockout':
        lockouts.inc();
        break;
      case 'login.step_up':
        stepUps.inc();
        break;
      case 'consent.given':
        consents.inc({ action: 'given' });
        break;
      case 'consent.revoked':
        consents.inc({ action: 'revoked' });
        break;
      default:
    }
  };

  return {
    observeAudit,
    observeRequest({ route, method, status, seconds, error }) {
      const verb = KNOWN_METHODS.has(method) ? method : 'other';
      requests.of(route, verb, statusClass(status)).value++;
      duration.observe(duration.of(route, verb), seconds);
      if (status >= 400 && status < 500) requestErrors.of(route, errorLabel(error)).value++;
    },
    rateLimitRefused: (limiter) => refusals.inc({ limiter }),
    store: {
      cacheLookup,
      auditBatch: (size) => auditBatches.observe(allBatches, size),
    },
    coreCacheLookup: cacheLookup,
    clientFound({ clientId, origin }) {
      if (origin === 'operator') operatorClients.add(clientId);
      else operatorClients.delete(clientId);
    },
    storeTimer(operation) {
      const series = storeDuration.of(operation);
      return (seconds) => storeDuration.observe(series, seconds);
    },
    watch: (sources) => registerScrapeGauges(registry, sources, options.gaugeCacheMs ?? 5000),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

