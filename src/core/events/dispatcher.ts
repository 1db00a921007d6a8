import { randomUUID } from 'node:crypto';
import type { AuditObserver } from '../audit.js';
import { outgoingEvent } from './schema.js';
import type { EventSink } from './sink.js';

export interface EventDispatcher {
  /** The audit observer that hands each event to every sink. */
  observe: AuditObserver;
  /** Closes every sink, waiting at most `timeoutMs` for what they still hold. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Hands every audit event to each sink, in one outgoing form with one id, so that receivers that
 * read several sinks can tell the same event apart from a second one. A sink that throws (it must
 * not) is reported and does not keep the others from their copy, nor fail the request.
 */
export function eventDispatcher(
  sinks: readonly EventSink[],
  context: { issuer: string; requestId: () => string | undefined; onError: (sink: string, error: unknown) => void },
): EventDispatcher {
  return {
    observe(event) {
      if (sinks.length === 0) return;
      const outgoing = outgoingEvent(event, randomUUID(), context.issuer, context.requestId() ?? null);
      for (const sink of sinks) {
        try {
          sink.send(outgoing);
        } catch (error) {
          context.onError(sink.name, error);
        }
      }
    },
    async close(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      await Promise.all(sinks.map((sink) => sink.close(deadline).catch((error: unknown) => context.onError(sink.name, error))));
    },
  };
}
