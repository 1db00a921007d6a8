import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  /** Every request that reached it, answered or not. */
  deliveries: Delivery[];
  /** Decides each answer (default 204); `'hang'` answers nothing, as a stalled receiver (recorded with status 0). */
  answer: (delivery: Omit<Delivery, 'status'>, index: number) => number | 'hang';
  /** Stops it and drops every open connection, as a crashed receiver would. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  revive(): Promise<void>;
}

/** A real HTTPS webhook receiver on a real socket. */
export async function startWebhookReceiver(tls: { key: string; cert: string }, port = 0): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    port,
    deliveries: [],
    answer: () => 204,
    kill: async () => {},
    revive: async () => {},
  };
  let server: Server;
  const listen = async () => {
    server = createServer(tls, (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        const got = { headers: req.headers, body };
        const status = receiver.answer(got, receiver.deliveries.length);
        receiver.deliveries.push({ ...got, status: status === 'hang' ? 0 : status });
        if (status !== 'hang') res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(receiver.port, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address === 'object' && address) receiver.port = address.port;
    receiver.url = `https://127.0.0.1:${receiver.port}/hooks/tessera`;
  };
  receiver.kill = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  receiver.revive = listen;
  await listen();
  return receiver;
}
