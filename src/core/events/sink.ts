import type { OutgoingEvent } from './schema.js';

/**
 * Somewhere events are sent as they happen (a file, syslog, a webhook). The port the adapters in
 * src/observability/events implement; the core knows no socket or file.
 */
export interface EventSink {
  /** For log lines: `file`, `syslog`, `webhook`. */
  readonly name: string;
  /**
   * Takes one event. It runs on the path of the request that caused the event, so it returns at
   * once and never throws: it only queues, and delivers later.
   */
  send(event: OutgoingEvent): void;
  /** Delivers what is queued, giving up at `deadline` (ms since the epoch); what is then undelivered is set aside as the sink documents. */
  close(deadline: number): Promise<void>;
}
