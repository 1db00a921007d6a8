import { json, type ProtocolResponse } from '../protocol.js';

/**
 * A dependency of the node: 'ok' when it answers; 'degraded' when the node serves without it for
 * now (Redis: counting in memory); a throw or no answer in time means the node cannot serve.
 */
export type ReadinessCheck = () => Promise<'ok' | 'degraded' | 'absent' | void>;

/** How long a dependency may take to answer before the node calls itself not ready. */
export const READINESS_TIMEOUT_MS = 2000;

const NO_STORE = { 'Cache-Control': 'no-store' };

function withTimeout(check: ReadinessCheck): Promise<'ok' | 'degraded' | 'absent' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'unreachable'>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), READINESS_TIMEOUT_MS);
  });
  const answer = check().then(
    (state) => state ?? ('ok' as const),
    () => 'unreachable' as const,
  );
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/** Liveness: the process is up and its event loop answers. It never looks at dependencies, so a database outage does not get nodes restarted. */
export function healthEndpoint() {
  return async (): Promise<ProtocolResponse> => json(200, { status: 'ok' }, NO_STORE);
}

/**
 * Readiness: whether a load balancer should send this node traffic. 503 while a dependency it
 * cannot serve without does not answer, and from the moment the node starts shutting down, so
 * traffic drains away first. A degraded dependency (Redis) is reported but keeps the node in.
 * The body names each dependency's state, never an address or an error message.
 */
export function readinessEndpoint(checks: Record<string, ReadinessCheck>, stopping: () => boolean) {
  return async (): Promise<ProtocolResponse> => {
    if (stopping()) return json(503, { status: 'stopping' }, NO_STORE);
    const names = Object.keys(checks);
    const states = await Promise.all(names.map((name) => withTimeout(checks[name]!)));
    // 'absent': nothing of that kind is configured now (no directory), so nothing to report.
    const result = Object.fromEntries(names.map((name, i) => [name, states[i]]).filter(([, state]) => state !== 'absent'));
    const ready = states.every((s) => s !== 'unreachable');
    return json(ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks: result }, NO_STORE);
  };
}
