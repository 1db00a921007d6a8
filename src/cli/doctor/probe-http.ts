import type { HttpProbe } from '../../core/doctor/facts.js';

/** How long the running server gets to answer one request. */
const HTTP_TIMEOUT_MS = 5000;

/** The root cause of a failed fetch, as one short phrase (ECONNREFUSED, a certificate error, a timeout). */
function reason(e: unknown): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `no answer in ${HTTP_TIMEOUT_MS / 1000} s`;
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return typeof cause.message === 'string' && !cause.message.startsWith(cause.code) ? `${cause.code}: ${cause.message}` : String(cause.message ?? cause.code);
  return e instanceof Error ? e.message : String(e);
}

/** GETs `url` once (no redirects followed), noting when it left and when the answer came, for the clock check. */
export async function probeHttp(url: string): Promise<HttpProbe> {
  const sentAt = Date.now();
  try {
    const response = await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    const text = await response.text();
    const receivedAt = Date.now();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const date = response.headers.get('date');
    return { url, sentAt, receivedAt, answer: { status: response.status, ...(date ? { date } : {}), ...(body !== undefined ? { body } : {}) } };
  } catch (e) {
    return { url, sentAt, receivedAt: Date.now(), error: reason(e) };
  }
}
