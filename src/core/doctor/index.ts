import type { DoctorFacts } from './facts.js';
import type { CheckResult } from './result.js';
import { configCheck, issuerSchemeCheck } from './configuration.js';
import { discoveryCheck, readyCheck, serverClockCheck } from './deployment.js';
import { databaseCheck, databaseClockCheck, migrationsCheck } from './store.js';
import { pepperCheck } from './pepper.js';
import { keyChecks } from './keys.js';
import { redisCheck } from './redis.js';
import { proxyCheck } from './proxy.js';
import { permissionsCheck } from './files.js';
import { riskChecks } from './risks.js';
import { nodeCheck } from './runtime.js';

/**
 * Every check over what was found, in the order they are shown: the configuration, the running
 * deployment, the store, secrets and keys, the shared counters, files, risky settings. A check
 * whose facts could not be gathered (no configuration, the store did not open, --offline) is left
 * out; the check that failed says why.
 */
export function diagnose(facts: DoctorFacts): CheckResult[] {
  const results: (CheckResult | undefined)[] = [configCheck(facts), nodeCheck(facts.node.version, facts.node.engines, facts.now)];
  const { config, deployment, store } = facts;
  if (config) {
    results.push(issuerSchemeCheck(facts), proxyCheck(config, facts.issuerProblem === undefined));
    // When the server gives no answer at all, /ready on the same host says nothing more.
    if (deployment) results.push(discoveryCheck(deployment), deployment.discovery.answer ? readyCheck(deployment) : undefined, serverClockCheck(deployment));
    if (store) {
      results.push(databaseCheck(store), migrationsCheck(store), databaseClockCheck(store));
    }
    if (facts.pepper) results.push(pepperCheck(facts.pepper, store));
    if (store) results.push(...keyChecks(store, facts.now, facts.keyMaxAge));
    results.push(redisCheck(facts.redis, config), permissionsCheck(facts.looseFiles), ...riskChecks(config, store));
  }
  return results.filter((r): r is CheckResult => r !== undefined);
}

export type { CheckResult, CheckStatus } from './result.js';
export { exitCode, summarize } from './result.js';
export type { DoctorFacts } from './facts.js';
