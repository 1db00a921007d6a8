import type { HttpProbe } from '../../core/doctor/facts.js';

/** How long the running server gets to answer one request. */
const HTTP_TIMEOUT_MS = 5000;
/** The most of an answer read: a discovery document is a few kB, and a hostile server must not fill memory. */
const MAX_BODY_BYTES = 1024 * 1024;

class TooLarge extends Error {}

/** The body as text, refusing (and no longer reading) one larger than MAX_BODY_BYTES. */
async function boundedText(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new TooLarge(`answered more than ${MAX_BODY_BYTES / 1024 / 1024} MiB, which doctor does not read`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The root cause of a failed fetch, as one short phrase (ECONNREFUSED, a certificate error, a timeout). */
function reason(e: unknown): string {
  if (e instanceof TooLarge) return e.message;
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
    const text = await boundedText(response);
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
