import type { Connection } from './connection.js';
import { isResult, isTimeout, LdapFailure, LdapTimeout } from './failures.js';

/** Servers and firewalls drop connections left idle; ours are closed before that, not found dead later. */
const IDLE_MS = 60_000;

type Grant = (connection: Connection | null) => void;

/**
 * At most `max` connections, each lent to one caller at a time. A caller waits at most `waitMs` for
 * one. A connection that failed other than by an LDAP result (lost, stalled) is closed, never lent again.
 */
export class ConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: { grant: Grant; timer: NodeJS.Timeout }[] = [];
  /** Connections open, opening or lent. */
  private count = 0;
  private closed = false;

  constructor(
    private readonly open: () => Promise<Connection>,
    private readonly max: number,
    private readonly waitMs: number,
  ) {}

  async use<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    const first = await this.acquire();
    try {
      return await this.run(first.connection, work);
    } catch (error) {
      // An idle connection the server dropped just as it was lent: once more, on another one.
      if (!first.reused || isResult(error) || isTimeout(error)) throw error;
    }
    return this.run((await this.acquire()).connection, work);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { grant, timer } of this.waiting.splice(0)) {
      clearTimeout(timer);
      grant(null);
    }
    await Promise.all(this.idle.splice(0).map((c) => c.close()));
  }

  private async run<T>(connection: Connection, work: (connection: Connection) => Promise<T>): Promise<T> {
    let healthy = false;
    try {
      const result = await work(connection);
      healthy = true;
      return result;
    } catch (error) {
      healthy = isResult(error);
      throw error;
    } finally {
      this.release(connection, healthy && connection.alive);
    }
  }

  private async acquire(): Promise<{ connection: Connection; reused: boolean }> {
    if (this.closed) throw new LdapFailure('connect', new Error('the directory was closed'));
    const idle = this.takeIdle();
    if (idle) return { connection: idle, reused: true };
    if (this.count < this.max) this.count += 1;
    else {
      const granted = await this.wait();
      if (granted) return { connection: granted, reused: true };
      if (this.closed) throw new LdapFailure('connect', new Error('the directory was closed'));
      // Granted a place instead: it is ours already (counted).
    }
    try {
      const connection = await this.open();
      connection.unpark();
      return { connection, reused: false };
    } catch (error) {
      this.freePlace();
      throw error;
    }
  }

  private takeIdle(): Connection | undefined {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (c.alive && Date.now() - c.lastUsed < IDLE_MS) {
        c.unpark();
        return c;
      }
      void c.close();
      this.count -= 1;
    }
    return undefined;
  }

  private wait(): Promise<Connection | null> {
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new LdapFailure('connect', new LdapTimeout('timed out waiting for a free connection')));
        }, this.waitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** A connection comes back: to the next waiter, or to the idle list; a broken one leaves its place to the next waiter. */
  private release(connection: Connection, healthy: boolean): void {
    if (!healthy || this.closed) {
      void connection.close();
      this.freePlace();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.grant(connection);
      return;
    }
    connection.park();
    this.idle.push(connection);
  }

  private freePlace(): void {
    const waiter = this.waiting.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.grant(null);
    } else this.count -= 1;
  }
}
