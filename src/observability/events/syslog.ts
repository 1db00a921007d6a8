import { createSocket } from 'node:dgram';
import { connect as tcpConnect, isIP, isIPv6, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ConfigError } from '../../core/config.js';
import type { EventSink } from '../../core/events/sink.js';
import type { SinkLog } from './sink-log.js';
import { facilityCode, syslogMessage } from './syslog-format.js';

export interface SyslogOptions {
  /** `udp://host:514`, `tcp://host:514` or `tls://host:6514`. */
  url: string;
  /** Default `authpriv`: security messages, kept apart from the general log on most systems. */
  facility?: string;
  /** PEM certificates to trust for tls:// (besides the system's). */
  ca?: string;
  log: SinkLog;
}

/** Messages held while a TCP/TLS connection is down, before new ones are dropped (and that logged). */
const MAX_PENDING = 10_000;
const DEFAULT_PORTS: Record<string, number> = { 'udp:': 514, 'tcp:': 514, 'tls:': 6514 };

/** Parses and checks the URL: a bad one fails at startup. */
export function syslogTarget(url: string): { transport: 'udp' | 'tcp' | 'tls'; host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`the syslog URL '${url}' is not a URL such as udp://127.0.0.1:514, tcp://logs:514 or tls://logs:6514`);
  }
  const port = DEFAULT_PORTS[parsed.protocol];
  if (port === undefined) throw new ConfigError(`the syslog URL must start with udp://, tcp:// or tls://, not ${parsed.protocol}//`);
  if (!parsed.hostname) throw new ConfigError(`the syslog URL '${url}' names no host`);
  return { transport: parsed.protocol.slice(0, -1) as 'udp' | 'tcp' | 'tls', host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : port };
}

/**
 * Each event as an RFC 5424 message: one UDP datagram each (RFC 5426), or over one kept TCP or TLS
 * connection with octet-counting framing (`LEN SP MSG`, RFC 6587 §3.4.1, RFC 5425 §4.3). A dropped
 * connection is opened again with growing pauses; messages wait meanwhile, up to a bound.
 */
export function syslogSink(options: SyslogOptions): EventSink {
  const { transport, host, port } = syslogTarget(options.url);
  const facility = facilityCode(options.facility ?? 'authpriv');
  const { log } = options;
  const where = `${transport}://${host}:${port}`;
  let failing = false;
  const failed = (err: unknown) => {
    if (!failing) log.error({ err, syslog: where }, 'syslog: cannot send events; they are held (tcp, tls) or lost (udp) until it works again');
    failing = true;
  };
  const recovered = () => {
    if (failing) log.info({ syslog: where }, 'syslog: sending events again');
    failing = false;
  };

  if (transport === 'udp') {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    socket.on('error', failed);
    socket.unref();
    let sending = 0;
    let drained: (() => void) | undefined;
    return {
      name: 'syslog',
      send(event) {
        sending++;
        socket.send(syslogMessage(event, facility), port, host, (err) => {
          if (err) failed(err);
          else recovered();
          if (--sending === 0) drained?.();
        });
      },
      async close(deadline) {
        if (sending > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([new Promise<void>((r) => (drained = r)), new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
          clearTimeout(timer);
        }
        socket.close();
      },
    };
  }

  const pending: string[] = [];
  let socket: Socket | undefined;
  let connected = false;
  let closing = false;
  let pause = 500;
  let retry: NodeJS.Timeout | undefined;
  let dropping = false;

  // Nothing more is written while the socket's buffer is full (a collector that stopped reading):
  // messages then wait in `pending`, whose bound holds, instead of piling up in the socket unbounded.
  const flush = () => {
    while (connected && socket && !socket.writableNeedDrain && pending.length > 0) {
      const message = pending.shift()!;
      socket.write(`${Buffer.byteLength(message)} ${message}`); // when it fills the buffer, 'drain' resumes
    }
  };

  const open = () => {
    retry = undefined;
    const s: Socket = transport === 'tls'
      ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...(options.ca !== undefined ? { ca: options.ca } : {}) })
      : tcpConnect({ host, port });
    socket = s;
    s.on(transport === 'tls' ? 'secureConnect' : 'connect', () => {
      connected = true;
      pause = 500;
      recovered();
      flush();
    });
    s.on('drain', flush);
    s.on('data', () => {}); // A collector says nothing back; whatever it says is ignored.
    s.on('error', failed);
    s.on('close', () => {
      connected = false;
      if (socket === s) socket = undefined;
      if (closing) return;
      retry = setTimeout(open, pause);
      retry.unref();
      pause = Math.min(pause * 2, 30_000);
    });
  };
  open();

  return {
    name: 'syslog',
    send(event) {
      if (pending.length >= MAX_PENDING) {
        if (!dropping) log.error({ syslog: where }, 'syslog: too many events wait for the connection; new ones are dropped');
        dropping = true;
        return;
      }
      dropping = false;
      pending.push(syslogMessage(event, facility));
      flush();
    },
    async close(deadline) {
      closing = true;
      clearTimeout(retry);
      const s = socket;
      if (!s) {
        if (pending.length > 0) log.error({ syslog: where, unsent: pending.length }, 'syslog: stopping with events unsent');
        return;
      }
      while (pending.length > 0 && connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (pending.length > 0) log.error({ syslog: where, unsent: pending.length }, 'syslog: stopping with events unsent');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((r) => s.end(r)), new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
      clearTimeout(timer);
      s.destroy();
    },
  };
}
