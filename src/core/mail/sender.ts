import { randomUUID } from 'node:crypto';
import type { Stores } from '../../store/ports.js';
import type { AuditLog } from '../audit.js';
import type { MailTransport } from './mail.js';
import { openContent } from './outbox.js';

/** How the sender retries; every number has a default that suits a mail server that is down for minutes to hours. */
export interface RetryPolicy {
  /** Attempts before a message is given up (default 8: about 2 hours with the defaults below). */
  attempts: number;
  /** Wait after the first failure, doubled after each one (default 60 s)... */
  baseSeconds: number;
  /** ...up to this (default 1 h). */
  maxSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseSeconds: 60, maxSeconds: 3600 };

/** How long a node holds the messages it claimed: longer than any send can take (the transport times out well before). */
export const CLAIM_SECONDS = 120;
/** Messages claimed in one round: a burst drains in a few rounds, and a node never hoards the queue. */
const BATCH = 10;

export interface SenderLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** The wait before attempt `attempts + 1`: exponential, capped. */
export function backoff(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, attempts - 1));
}

/**
 * The outbox's sender, one per node: each round claims the due messages no node holds (the store
 * makes the claim atomic, so in a cluster one node sends each message), sends them, and records
 * the outcome. A failure waits out the backoff; the last allowed one gives the message up, with a
 * log line and an audit event. A node that dies mid-send lets its claims lapse for another to take.
 */
export function outboxSender(deps: {
  stores: Pick<Stores, 'mailOutbox'>;
  pepper: Buffer;
  now(): number;
  transport: MailTransport;
  audit: AuditLog;
  log: SenderLog;
  retry?: Partial<RetryPolicy>;
}) {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...deps.retry };
  const node = randomUUID();
  const { mailOutbox } = deps.stores;

  async function giveUp(id: string, template: string, attempts: number, error: string): Promise<void> {
    if (!(await mailOutbox.markFailed(id, node, deps.now(), error))) return;
    deps.log.error({ mail: id, template, attempts, error }, `gave up sending a ${template} email after ${attempts} attempts`);
    await deps.audit.record({ type: 'mail.failed', outcome: 'failure', reason: `${template}: ${error}`.slice(0, 200) });
  }

  /** One round: sends every message due now; answers how many it sent. */
  async function round(): Promise<number> {
    let sent = 0;
    for (;;) {
      const now = deps.now();
      const claimed = await mailOutbox.claimDue(node, now, now + CLAIM_SECONDS, BATCH);
      for (const message of claimed) {
        const content = openContent(deps.pepper, message.content);
        // Sealed under another pepper: no node of this deployment can ever open it.
        if (!content) {
          await giveUp(message.id, message.template, message.attempts, 'the message cannot be opened with this pepper');
          continue;
        }
        try {
          await deps.transport.send({ ...content, to: message.recipient, messageId: message.id });
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          if (message.attempts >= policy.attempts) await giveUp(message.id, message.template, message.attempts, error);
          else {
            const wait = backoff(policy, message.attempts);
            await mailOutbox.markRetry(message.id, node, deps.now() + wait, error);
            deps.log.warn({ mail: message.id, template: message.template, attempt: message.attempts, retryIn: wait, error }, `sending a ${message.template} email failed; trying again in ${wait} s`);
          }
          continue;
        }
        if (await mailOutbox.markSent(message.id, node, deps.now())) sent++;
      }
      if (claimed.length < BATCH) return sent;
    }
  }

  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Runs a round now, or right after the one in progress (a message queued meanwhile is not missed). */
  function nudge(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = round()
      .then(
        () => undefined,
        (err: unknown) => deps.log.error({ err }, 'the mail sender failed a round'),
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void nudge();
        }
      });
    return running;
  }

  return {
    node,
    nudge,
    /** Rounds every `seconds` (for retries and for messages other nodes queued); the timer never keeps the process alive. */
    start(seconds: number) {
      timer = setInterval(() => void nudge(), seconds * 1000);
      timer.unref();
      void nudge();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
      deps.transport.close();
    },
  };
}

export type OutboxSender = ReturnType<typeof outboxSender>;
