import { OAUTH_ERROR_CODES } from '../../core/errors.js';

/*
 * Label values come from requests, so each is drawn from a bounded set: a label per distinct value
 * a stranger can send would let anyone grow the metrics (and Prometheus) without limit.
 */

/** Labels for requests that matched no route. */
export const UNMATCHED = 'unmatched';
/** What stands for every value past the bound. */
export const OTHER = 'other';

const ERROR_CODES: ReadonlySet<string> = new Set(OAUTH_ERROR_CODES);

/** The OAuth error code as a label: a spec code, else `other`. */
export const errorLabel = (code: string | undefined): string => (code !== undefined && ERROR_CODES.has(code) ? code : OTHER);

/** `2xx`, `4xx`, …: the status as a label. */
export const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;

/**
 * Client ids as a label: the first `max` distinct ids seen of clients an operator registered
 * (`vouched`) get their own value, every later one and every other client is `other` (0: all are
 * `other`). Ids only reach here from requests that authenticated as the client, and clients that
 * register themselves (open registration, the developer console) are never named, so strangers
 * cannot use up the places.
 */
export function clientIdLabels(max: number, vouched: (clientId: string) => boolean): (clientId: string | null) => string {
  const named = new Set<string>();
  return (clientId) => {
    if (clientId === null || !vouched(clientId)) return OTHER;
    if (named.has(clientId)) return clientId;
    if (named.size >= max) return OTHER;
    named.add(clientId);
    return clientId;
  };
}
