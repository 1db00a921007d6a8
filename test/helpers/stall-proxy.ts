import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy that can stop passing bytes while keeping every connection open: a peer (PostgreSQL,
 * Redis) that stalls, as when its host is overloaded or paused, rather than one that refuses.
 * Bytes sent meanwhile are held and delivered on `resume`, as a paused peer would read them later.
 */
export interface StallProxy {
  port: number;
  stall(): void;
  resume(): void;
  /** Stalls, from then on, the one connection on which the client next sends bytes containing `pattern` (one statement of one request). */
  stallOn(pattern: string): void;
  /** Whether a `stallOn` pattern was seen. */
  stalledOnPattern(): boolean;
  close(): Promise<void>;
}

export async function startStallProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<StallProxy> {
  let stalled = false;
  let pattern: string | undefined;
  let patternSeen = false;
  const frozen = new Set<Socket>();
  const held: { to: Socket; data: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (data: Buffer) => {
      if (pattern !== undefined && data.includes(pattern)) {
        pattern = undefined;
        patternSeen = true;
        frozen.add(from).add(to);
      }
      if (frozen.has(from)) return;
      if (stalled) held.push({ to, data });
      else to.write(data);
    });
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, targetHost);
    for (const s of [inbound, outbound]) sockets.add(s);
    forward(inbound, outbound);
    forward(outbound, inbound);
    const end = () => {
      for (const s of [inbound, outbound]) {
        sockets.delete(s);
        s.destroy();
      }
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return {
    port: address.port,
    stall() {
      stalled = true;
    },
    stallOn(text) {
      pattern = text;
    },
    stalledOnPattern: () => patternSeen,
    resume() {
      stalled = false;
      for (const { to, data } of held.splice(0)) if (!to.destroyed) to.write(data);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
