import type { Server } from 'node:http';

/**
 * The side of a test provider process that its test talks to, over the IPC channel (never over
 * HTTP, so the provider's own endpoints stay those of a real provider): which misbehaviour is on,
 * and which requests it has answered.
 */
export type ControlMessage = { id: number; op: 'misbehave'; mode: string | null } | { id: number; op: 'requests' } | { id: number; op: 'stop' };

export interface Control {
  /** The misbehaviour the test turned on, or null. */
  readonly mode: string | null;
  /** Remembers a request (method and path, never the query: it holds codes). */
  record(method: string | undefined, url: string | undefined): void;
}

export function startControl(server: Server, issuer: string, modes: readonly string[]): Control {
  let mode: string | null = null;
  const requests: string[] = [];
  const stop = () => {
    server.close();
    // A stalled request holds its socket open; a provider that stops drops it.
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('message', (message: ControlMessage) => {
    switch (message.op) {
      case 'misbehave':
        if (message.mode !== null && !modes.includes(message.mode)) {
          process.send?.({ id: message.id, error: `unknown mode ${message.mode}; known: ${modes.join(', ')}` });
          return;
        }
        mode = message.mode;
        process.send?.({ id: message.id });
        return;
      case 'requests':
        process.send?.({ id: message.id, requests: [...requests] });
        return;
      case 'stop':
        stop();
    }
  });
  // The test that started this process is gone: so is the provider.
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.send?.({ ready: true, issuer });
  return {
    get mode() {
      return mode;
    },
    record(method, url) {
      requests.push(`${method ?? 'GET'} ${new URL(url ?? '/', 'http://x').pathname}`);
    },
  };
}

/** Reads an application/x-www-form-urlencoded body (small: a test's forms). */
export async function readForm(req: import('node:http').IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 65_536) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
