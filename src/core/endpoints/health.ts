import { json, type ProtocolResponse } from '../protocol.js';

/** A dependency the node needs to serve (the database, Redis): succeeds when it answers. */
export type ReadinessCheck = () => Promise<void>;

/** How long a dependency may take to answer before the node calls itself not ready. */
export const READINESS_TIMEOUT_MS = 2000;

const NO_STORE = { 'Cache-Control': 'no-store' };

function withTimeout(check: ReadinessCheck): Promise<'ok' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'unreachable'>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), READINESS_TIMEOUT_MS);
  });
  const answer = check().then(
    () => 'ok' as const,
    () => 'unreachable' as const,
  );
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/** Liveness: the process is up and its event loop answers. It never looks at dependencies, so a database outage does not get nodes restarted. */
export function healthEndpoint() {
  return async (): Promise<ProtocolResponse> => json(200, { status: 'ok' }, NO_STORE);
}

/**
 * Readiness: whether a load balancer should send this node traffic. 503 while a dependency does
 * not answer, and from the moment the node starts shutting down, so traffic drains away first.
 * The body names each dependency's state, never an address or an error message.
 */
export function readinessEndpoint(checks: Record<string, ReadinessCheck>, stopping: () => boolean) {
  return async (): Promise<ProtocolResponse> => {
    if (stopping()) return json(503, { status: 'stopping' }, NO_STORE);
    const names = Object.keys(checks);
    const states = await Promise.all(names.map((name) => withTimeout(checks[name]!)));
    const result = Object.fromEntries(names.map((name, i) => [name, states[i]]));
    const ready = states.every((s) => s === 'ok');
    return json(ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks: result }, NO_STORE);
  };
}
