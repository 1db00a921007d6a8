import { hostname } from 'node:os';
import type { AuditSeverity } from '../../core/audit.js';
import { ConfigError } from '../../core/config.js';
import type { OutgoingEvent } from '../../core/events/schema.js';

/* The syslog message of an event, as RFC 5424 §6 lays it out. */

/** RFC 5424 §6.2.1, table 1. */
export const FACILITIES: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** Our severities on RFC 5424 §6.2.1 table 2: critical → 2 (Critical), warning → 4 (Warning), info → 6 (Informational). */
const SEVERITIES: Record<AuditSeverity, number> = { critical: 2, warning: 4, info: 6 };

export function facilityCode(name: string): number {
  const code = FACILITIES[name.toLowerCase()];
  if (code === undefined) throw new ConfigError(`the syslog facility must be one of ${Object.keys(FACILITIES).join(', ')}, not '${name}'`);
  return code;
}

/** A header field: printable US-ASCII without spaces (PRINTUSASCII, §6), at most `max` long; NILVALUE when empty. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** JSON with every character beyond ASCII escaped, so MSG is plain ASCII (MSG-ANY, §6.4) and needs no BOM. */
const asciiJson = (value: unknown) => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`: MSGID is the event type, no structured
 * data (an SD-ID of our own would need an IANA enterprise number, §7.2.2), MSG the event as JSON.
 */
export function syslogMessage(event: OutgoingEvent, facility: number, host = hostname()): string {
  const pri = facility * 8 + SEVERITIES[event.severity];
  return `<${pri}>1 ${event.time} ${headerField(host, 255)} tessera ${process.pid} ${headerField(event.type, 32)} - ${asciiJson(event)}`;
}
