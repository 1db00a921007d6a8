import type { DoctorFacts } from './facts.js';
import { error, ok, type CheckResult } from './result.js';
import { isLoopbackHost } from '../hosts.js';

/** `config`: serve would start with these flags, variables and config file. */
export function configCheck(facts: DoctorFacts): CheckResult {
  if (facts.configProblem !== undefined) {
    return error('config', `serve would refuse this configuration: ${facts.configProblem}`, 'correct the flag, environment variable or config-file key the message names');
  }
  const store = facts.config?.store;
  const where = store?.kind === 'postgres' ? `PostgreSQL at ${store.url}` : `the embedded store in ${store?.dataDir}`;
  return ok('config', `serve accepts this configuration (${where})`);
}

/** `issuer.https`: https, or plain http only on this machine (serve refuses anything else). */
export function issuerSchemeCheck(facts: DoctorFacts): CheckResult | undefined {
  if (!facts.config) return undefined;
  if (facts.issuerProblem !== undefined) {
    return error('issuer.https', facts.issuerProblem, 'set --issuer (TESSERA_ISSUER) to the https URL clients use; plain http is allowed only for localhost and loopback addresses');
  }
  const url = new URL(facts.config.issuer);
  if (url.protocol === 'https:') return ok('issuer.https', `${facts.config.issuer} is https: cookies are Secure with the __Host- prefix, and HSTS is sent`);
  if (isLoopbackHost(url.hostname)) {
    return ok('issuer.https', `${facts.config.issuer} is plain http on a loopback host: fine on this machine (cookies are not Secure); anywhere else needs https`);
  }
  return error('issuer.https', `${facts.config.issuer} is not https`, 'set --issuer (TESSERA_ISSUER) to the https URL clients use');
}
