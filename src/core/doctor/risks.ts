import type { ConfigFacts, StoreFacts } from './facts.js';
import { ok, warn, type CheckResult } from './result.js';

/** OWASP's argon2id settings of equal strength (memory KiB, iterations); any one of them, or more, is enough. */
const OWASP_ARGON2 = [
  [47104, 1],
  [19456, 2],
  [12288, 3],
  [9216, 4],
  [7168, 5],
] as const;

/** Settings that are allowed but weaken what security.md promises by default. */
export function riskChecks(config: ConfigFacts, store: StoreFacts | undefined): CheckResult[] {
  const results: CheckResult[] = [];
  const clients = store?.passwordGrantClients;
  if (clients && 'value' in clients) {
    const ids = clients.value;
    results.push(
      ids.length > 0
        ? warn('risk.password-grant', `${ids.length} client(s) may use the password grant, which sees users' passwords and cannot ask for a second factor: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`, 'remove the grant where no legacy app needs it: tessera client update ID --grant-type … (the grants it keeps)')
        : ok('risk.password-grant', 'no client may use the password grant'),
    );
  }
  results.push(
    config.consoleUsers === 'all'
      ? warn('risk.console-users', 'the developer console is open to everyone who can sign in (--console-users all): anyone may register apps that ask your users for consent', 'name who may: --console-users alice,bob (TESSERA_CONSOLE_USERS)')
      : ok('risk.console-users', config.consoleUsers.length === 0 ? 'the developer console is off' : `the developer console is open to ${config.consoleUsers.length} named user(s)`),
  );
  results.push(
    config.openRegistration
      ? warn('risk.open-registration', 'anyone may register a client at /register without an initial access token (--open-registration)', 'turn it off and hand out tokens: tessera registration-token create')
      : ok('risk.open-registration', 'registering at /register needs an initial access token'),
  );
  const { minLength, rejectCommon } = config.passwordPolicy;
  const weak = [...(minLength < 12 ? [`passwords of ${minLength} characters are accepted (TESSERA_PASSWORD_MIN_LENGTH)`] : []), ...(rejectCommon ? [] : ['common passwords are accepted (TESSERA_PASSWORD_REJECT_COMMON=false)'])];
  results.push(
    weak.length > 0
      ? warn('risk.password-policy', weak.join('; '), 'unset TESSERA_PASSWORD_MIN_LENGTH (or set 12 or more) and TESSERA_PASSWORD_REJECT_COMMON')
      : ok('risk.password-policy', `passwords need ${minLength} characters and are checked against common ones`),
  );
  const { memoryCost, timeCost } = config.argon2;
  results.push(
    OWASP_ARGON2.some(([m, t]) => memoryCost >= m && timeCost >= t)
      ? ok('risk.argon2', `argon2id with ${memoryCost} KiB and ${timeCost} pass(es): at least OWASP's baseline`)
      : warn('risk.argon2', `argon2id with ${memoryCost} KiB and ${timeCost} pass(es) is below OWASP's baseline (19456 KiB with 2 passes, or an equivalent)`, 'unset TESSERA_ARGON2_MEMORY_KIB and TESSERA_ARGON2_TIME_COST, or raise them; hashes are remade at each user\'s next sign-in'),
  );
  if (config.webhook) {
    results.push(
      new URL(config.webhook.url).protocol === 'https:'
        ? ok('risk.webhook-http', 'audit events go to the webhook over https')
        : warn('risk.webhook-http', `audit events (usernames, addresses) go to ${config.webhook.url} over plain http (--webhook-allow-insecure-http), readable and forgeable on the way`, 'use an https URL for the receiver (--webhook-ca-file for a private CA) and drop --webhook-allow-insecure-http'),
    );
  }
  const metricsHost = config.metrics?.listenHost;
  if (metricsHost !== undefined) {
    // Metrics name clients, routes and sign-in failure rates: not for anyone who can reach the port.
    const loopback = metricsHost === 'localhost' || metricsHost === '::1' || metricsHost.startsWith('127.');
    results.push(
      loopback || config.metrics?.token
        ? ok('risk.metrics-exposed', loopback ? `the metrics listener answers on ${metricsHost} only` : `the metrics listener on ${metricsHost} asks for the token`)
        : warn('risk.metrics-exposed', `the metrics listener on ${metricsHost} answers anyone who can reach it, without a token`, 'bind it to 127.0.0.1 (drop --metrics-host) or give --metrics-token-file so scrapers must send the token'),
    );
  }
  return results;
}
