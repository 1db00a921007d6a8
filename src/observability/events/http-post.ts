import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The most of an answer's body read (and thrown away) before its connection is dropped instead. */
const MAX_DRAIN = 64 * 1024;

export type PostResult = { status: number; retryAfter: string | undefined } | { error: string };

export interface Poster {
  post(headers: Record<string, string>, body: string): Promise<PostResult>;
  /** Drops kept-alive connections and aborts what is in flight. */
  close(): void;
}

/**
 * POSTs to one URL over kept-alive connections (one TLS handshake serves many events). Redirects are
 * not followed: a receiver that moved is answered as a failure the operator sees, not silently.
 */
export function poster(url: URL, options: { ca?: string; timeoutMs: number; maxSockets: number }): Poster {
  const https = url.protocol === 'https:';
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets, ...(options.ca !== undefined ? { ca: options.ca } : {}) })
    : new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets });
  const inFlight = new Set<AbortController>();
  return {
    post(headers, body) {
      const abort = new AbortController();
      inFlight.add(abort);
      const timer = setTimeout(() => abort.abort(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      return new Promise<PostResult>((resolve) => {
        const req = (https ? httpsRequest : httpRequest)(url, {
          method: 'POST',
          agent,
          signal: abort.signal,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Tessera', ...headers },
        });
        req.on('response', (res) => {
          // The status is the answer: a receiver that said 2xx has the event, whatever its body does next.
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
          // The body is not needed, but is read for the connection to be reused: at most MAX_DRAIN bytes
          // within the timeout, else the connection is dropped (an endless or trickling body must not
          // hold one of the sockets for ever).
          let read = 0;
          const cut = setTimeout(() => res.destroy(), options.timeoutMs);
          res.on('data', (d: Buffer) => {
            read += d.length;
            if (read > MAX_DRAIN) res.destroy();
          });
          res.on('error', () => {});
          res.on('close', () => clearTimeout(cut));
        });
        req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: abort.signal.aborted ? String((abort.signal.reason as Error | undefined)?.message ?? 'aborted') : (e.code ?? e.message) }));
        req.end(body);
      }).finally(() => {
        clearTimeout(timer);
        inFlight.delete(abort);
      });
    },
    close() {
      for (const abort of inFlight) abort.abort(new Error('the server is stopping'));
      agent.destroy();
    },
  };
}
