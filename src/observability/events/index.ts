import { ConfigError } from '../../core/config.js';
import type { EventSink } from '../../core/events/sink.js';
import { deadLetterFile } from './dead-letters.js';
import { checkNotLink, fileSink, type FileSinkOptions } from './file.js';
import type { SinkLog } from './sink-log.js';
import { webhookSink, webhookTarget, type WebhookOptions } from './webhook.js';
import { syslogSink, syslogTarget, type SyslogOptions } from './syslog.js';
import { facilityCode } from './syslog-format.js';

/** Which sinks `tessera serve` sends audit events to; each is off unless given. */
export interface EventSinkSettings {
  file?: Omit<FileSinkOptions, 'log'>;
  syslog?: Omit<SyslogOptions, 'log'>;
  webhook?: Omit<WebhookOptions, 'deadLetters' | 'log'> & { deadLetterFile: string };
  /** How long stopping waits for the sinks to deliver what they hold (default 3 s). */
  closeTimeoutMs?: number;
}

/** The sinks the settings name; a wrong setting fails here, at startup, with a ConfigError saying which. */
export function openEventSinks(settings: EventSinkSettings, log: SinkLog): EventSink[] {
  const sinks: EventSink[] = [];
  try {
    if (settings.file) sinks.push(fileSink({ ...settings.file, log }));
    if (settings.syslog) sinks.push(syslogSink({ ...settings.syslog, log }));
    if (settings.webhook) {
      const { deadLetterFile: path, ...webhook } = settings.webhook;
      const deadLetters = deadLetterFile(path, (err) => log.error({ err, path }, 'webhook: the dead-letter file cannot be written'));
      sinks.push(webhookSink({ ...webhook, deadLetters, log }));
    }
  } catch (e) {
    // What opened before the failing one is closed again.
    for (const sink of sinks) void sink.close(Date.now());
    throw e;
  }
  return sinks;
}

/**
 * Checks the settings as openEventSinks would at startup, opening and creating nothing: a wrong
 * setting throws the same ConfigError. `tessera doctor` reads a configuration through it.
 */
export function checkEventSinkSettings(settings: EventSinkSettings): void {
  if (settings.file) {
    const keep = settings.file.keep ?? 5;
    if (!Number.isInteger(keep) || keep < 1) throw new ConfigError('the events file must keep at least 1 rotated file');
    checkNotLink(settings.file.path, 'events file');
  }
  if (settings.syslog) {
    syslogTarget(settings.syslog.url);
    facilityCode(settings.syslog.facility ?? 'authpriv');
  }
  if (settings.webhook) {
    webhookTarget(settings.webhook);
    checkNotLink(settings.webhook.deadLetterFile, 'dead-letter file');
  }
}
