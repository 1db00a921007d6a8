import { readFile } from 'node:fs/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Client, type ClientOptions } from 'ldapts';
import type { LdapSettings } from '../../core/federation/ports.js';
import { LdapFailure, LdapTimeout, type Stage } from './failures.js';

/** An unbind is sent and forgotten (RFC 4511 §4.3); this only bounds the wait for it to leave. */
const UNBIND_GRACE_MS = 200;

/** One LDAP connection, used by one caller at a time (the pool sees to that). */
export class Connection {
  lastUsed = Date.now();
  readonly client: Client;
  private readonly sockets: Socket[] = [];
  private lost = false;

  constructor(options: Omit<ClientOptions, 'createConnection' | 'createSecureConnection'>) {
    this.client = new Client({
      ...options,
      createConnection: this.oneSocket(netConnect as (...args: unknown[]) => Socket) as typeof netConnect,
      createSecureConnection: this.oneSocket(tlsConnect as (...args: unknown[]) => Socket) as typeof tlsConnect,
    });
  }

  get alive(): boolean {
    return !this.lost && this.client.isConnected;
  }

  /** Idle in the pool: an open connection alone does not keep the process running. */
  park(): void {
    this.lastUsed = Date.now();
    for (const socket of this.sockets) socket.unref();
  }

  unpark(): void {
    for (const socket of this.sockets) socket.ref();
  }

  /** Says goodbye (an unbind) when the connection still works; then the sockets go either way. */
  async close(): Promise<void> {
    if (this.alive) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, UNBIND_GRACE_MS).unref()));
      await Promise.race([this.client.unbind().catch(() => undefined), grace]);
      clearTimeout(timer);
    }
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * ldapts reconnects on its own when a connection drops, and the new one is anonymous, and for
   * StartTLS in clear text. A connection here makes one socket of each kind (plain, TLS); a lost one
   * fails its operation and the pool replaces it. And we watch the sockets ourselves: after StartTLS,
   * ldapts compares the plain socket's close with the TLS socket, so `isConnected` stays true on a
   * connection the server closed.
   */
  private oneSocket(make: (...args: unknown[]) => Socket): (...args: unknown[]) => Socket {
    let made = false;
    return (...args) => {
      if (made) throw Object.assign(new Error('the connection to the directory was lost'), { code: 'ECONNRESET' });
      made = true;
      const socket = make(...args);
      this.sockets.push(socket);
      const lose = () => {
        this.lost = true;
      };
      socket.once('close', lose).once('end', lose);
      return socket;
    };
  }
}

/**
 * Connects (TLS for ldaps://, or StartTLS before anything else is sent), then binds with `credentials`
 * when given (the service account). The whole opening must finish within the provider's timeout.
 */
export async function openConnection(settings: LdapSettings, credentials: { dn: string; password: string } | null): Promise<Connection> {
  const tls = await tlsOptions(settings);
  const secure = new URL(settings.url).protocol === 'ldaps:';
  const connection = new Connection({
    url: settings.url,
    timeout: settings.timeoutMs,
    connectTimeout: settings.timeoutMs,
    // Given TLS options, ldapts speaks TLS from the first byte, even to ldap://: StartTLS gets them later.
    ...(secure ? { tlsOptions: tls } : {}),
  });
  const { client } = connection;
  const open = async () => {
    if (settings.startTls) await step('starttls', () => client.startTLS(tls));
    if (credentials) await step('service_bind', () => client.bind(credentials.dn, credentials.password));
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LdapFailure(credentials ? 'service_bind' : 'connect', new LdapTimeout('timed out'))), settings.timeoutMs);
  });
  try {
    await Promise.race([open(), deadline]);
    return connection;
  } catch (error) {
    void connection.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function step(stage: Stage, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    // A TLS or socket error while binding over ldaps:// comes from connecting, not from the bind.
    const connecting = typeof (error as { code?: unknown } | null)?.code === 'string';
    throw new LdapFailure(connecting ? 'connect' : stage, error);
  }
}

/** Certificates are always checked, against the CA file when given, else the system's CAs. */
async function tlsOptions(settings: LdapSettings): Promise<ConnectionOptions> {
  const host = new URL(settings.url).hostname.replace(/^\[(.*)\]$/, '$1');
  let ca: string | undefined;
  if (settings.caFile !== null) {
    try {
      ca = await readFile(settings.caFile, 'utf8');
    } catch (error) {
      throw new LdapFailure('ca_file', error);
    }
  }
  return {
    host,
    // SNI takes host names only (RFC 6066 §3); the certificate is checked against `host` either way.
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(ca !== undefined ? { ca } : {}),
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  };
}
