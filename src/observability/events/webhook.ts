import { ConfigError } from '../../core/config.js';
import type { OutgoingEvent } from '../../core/events/schema.js';
import type { EventSink } from '../../core/events/sink.js';
import type { DeadLetters } from './dead-letters.js';
import { poster, type PostResult } from './http-post.js';
import type { SinkLog } from './sink-log.js';
import { webhookHeaders, webhookKey } from './standard-webhooks.js';

export interface WebhookOptions {
  url: string;
  /** `whsec_<base64>`. */
  secret: string;
  /** Where the secret came from, for messages. */
  secretSource: string;
  /** Plain http is refused unless the operator says so: events would cross the network readable and forgeable by anyone on the path. */
  allowInsecureHttp?: boolean;
  /** PEM certificates to trust for the receiver (a private CA), besides the system's. */
  ca?: string;
  /** Attempts per event before it is set aside (default 8). */
  attempts?: number;
  /** The first retry waits about this long, each next one twice as long (default 1 s)… */
  retryBaseMs?: number;
  /** …up to this (default 5 min). */
  retryMaxMs?: number;
  timeoutMs?: number;
  /** Events held (waiting, in flight or waiting to retry) before new ones are set aside (default 10 000). */
  queueSize?: number;
  concurrency?: number;
  deadLetters: DeadLetters;
  log: SinkLog;
}

interface Job {
  event: OutgoingEvent;
  body: string;
  attempts: number;
  lastError: string | null;
  done: boolean;
}

/** Answers worth trying again: the receiver is overloaded or down for now (RFC 9110 §15.6, RFC 6585 §4 for 429). */
const retryable = (r: PostResult) => 'error' in r || r.status >= 500 || r.status === 429 || r.status === 408;

/** Retry-After in seconds (RFC 9110 §10.2.3), when the receiver gave one that way. */
const retryAfterMs = (r: PostResult) => ('retryAfter' in r && r.retryAfter !== undefined && /^\d+$/.test(r.retryAfter) ? Number(r.retryAfter) * 1000 : 0);

/**
 * Sends each event as a signed POST (Standard Webhooks). `send` only queues: a slow or dead receiver
 * never slows the request that made the event. Failures are retried with exponential backoff and
 * jitter; an event that runs out of attempts, is refused by the receiver, or finds the queue full is
 * written to the dead-letter file and logged, so none is lost without a trace.
 */
/** The receiver's URL and the signing key, checked as startup does: a wrong one is a ConfigError. */
export function webhookTarget(options: Pick<WebhookOptions, 'url' | 'secret' | 'secretSource' | 'allowInsecureHttp'>): { url: URL; key: Buffer } {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ConfigError(`the webhook URL '${options.url}' is not a URL`);
  }
  if (url.protocol === 'http:' && !options.allowInsecureHttp) {
    throw new ConfigError(`the webhook URL ${url.origin} is plain http: events would travel readable by anyone on the way; use https (or, for a receiver on this machine or a private network, allow it with --webhook-allow-insecure-http)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`the webhook URL must be https, not ${url.protocol}`);
  if (url.username || url.password) throw new ConfigError('the webhook URL must not hold a user name or password: events are signed with the webhook secret');
  return { url, key: webhookKey(options.secret, options.secretSource) };
}

export function webhookSink(options: WebhookOptions): EventSink {
  const { url, key } = webhookTarget(options);
  const attempts = options.attempts ?? 8;
  const base = options.retryBaseMs ?? 1000;
  const max = options.retryMaxMs ?? 300_000;
  const queueSize = options.queueSize ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const http = poster(url, { ...(options.ca !== undefined ? { ca: options.ca } : {}), timeoutMs: options.timeoutMs ?? 10_000, maxSockets: concurrency });
  const { deadLetters, log } = options;
  const target = url.origin + url.pathname;

  const ready: Job[] = [];
  const later = new Map<NodeJS.Timeout, Job>();
  const running = new Set<Promise<void>>();
  let inFlight = 0;
  let held = 0;
  let closing = false;
  let overflowing = false;
  let idle: (() => void) | undefined;

  const finish = (job: Job) => {
    if (job.done) return;
    job.done = true;
    held--;
    if (overflowing && held < queueSize / 2) overflowing = false;
    if (held === 0) idle?.();
  };

  const setAside = (job: Job, reason: string) => {
    if (job.done) return;
    deadLetters.add({ sink: 'webhook', reason, attempts: job.attempts, last_error: job.lastError, event: job.event });
    log.error({ event_id: job.event.id, type: job.event.type, reason, attempts: job.attempts, last_error: job.lastError, url: target, dead_letters: deadLetters.path }, `webhook: event not delivered (${reason}); kept in the dead-letter file`);
    finish(job);
  };

  // Exponential with "equal jitter": half the step fixed, half random, so retries after an outage spread out.
  const backoff = (attempt: number) => {
    const step = Math.min(max, base * 2 ** (attempt - 1));
    return step / 2 + Math.random() * (step / 2);
  };

  // The receiver answered again: what waits for its retry goes now, not minutes later.
  const wakeAll = () => {
    for (const [timer, job] of later) {
      clearTimeout(timer);
      ready.push(job);
    }
    later.clear();
  };

  const deliver = async (job: Job) => {
    job.attempts++;
    const result = await http.post(webhookHeaders(key, job.event.id, Math.floor(Date.now() / 1000), job.body), job.body);
    if (job.done) return;
    if ('status' in result && result.status >= 200 && result.status < 300) {
      finish(job);
      wakeAll();
      return;
    }
    job.lastError = 'error' in result ? result.error : `HTTP ${result.status}`;
    if (!retryable(result)) return setAside(job, 'refused');
    if (job.attempts >= attempts) return setAside(job, 'attempts_exhausted');
    if (closing) return setAside(job, 'shutdown');
    const timer = setTimeout(() => {
      later.delete(timer);
      ready.push(job);
      pump();
    }, Math.min(max, Math.max(backoff(job.attempts), retryAfterMs(result))));
    later.set(timer, job);
  };

  function pump() {
    while (inFlight < concurrency && ready.length > 0) {
      const job = ready.shift()!;
      if (job.done) continue;
      inFlight++;
      const delivery = deliver(job).finally(() => {
        inFlight--;
        running.delete(delivery);
        pump();
      });
      running.add(delivery);
    }
  }

  return {
    name: 'webhook',
    send(event) {
      const job: Job = { event, body: JSON.stringify(event), attempts: 0, lastError: null, done: false };
      held++;
      if (held > queueSize) {
        if (!overflowing) log.warn({ queue_size: queueSize, url: target }, 'webhook: the queue is full; events go to the dead-letter file until it drains');
        overflowing = true;
        setAside(job, 'queue_full');
        return;
      }
      ready.push(job);
      pump();
    },
    async close(deadline) {
      closing = true;
      // One last try each for what waits to retry.
      wakeAll();
      pump();
      if (held > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
        ]);
        clearTimeout(timer);
      }
      for (const job of [...ready, ...later.values()]) setAside(job, 'shutdown');
      for (const timer of later.keys()) clearTimeout(timer);
      later.clear();
      ready.length = 0;
      // What is still in flight is aborted, and set aside as it fails.
      http.close();
      await Promise.allSettled([...running]);
      await deadLetters.close();
    },
  };
}
