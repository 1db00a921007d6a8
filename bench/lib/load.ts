import autocannon, { type Request } from 'autocannon';

/** One request of a scenario: what counts as a good answer, and what to learn from it. */
export interface Step {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Builds the request from what earlier answers taught (a code, a refresh token). */
  setup?: (request: { path: string; body?: string; headers?: Record<string, string> }, context: Record<string, unknown>) => { path: string; body?: string; headers?: Record<string, string> };
  good: (status: number) => boolean;
  /** Reads a good answer; `false` means it was not good after all (an inactive introspection, say). */
  learn?: (body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) => boolean | void;
}

export interface LoadResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and answers that were not the expected ones. */
  errors: number;
  requests: number;
  seconds: number;
}

/** Drives `url` with autocannon: `connections` at once, for `seconds` or until `amount` requests. */
export async function runLoad(url: string, steps: Step[], options: { connections: number; seconds?: number; amount?: number }): Promise<LoadResult> {
  let bad = 0;
  const requests: Request[] = steps.map((step) => ({
    method: step.method,
    path: step.path,
    ...(step.headers ? { headers: step.headers } : {}),
    ...(step.body !== undefined ? { body: step.body } : {}),
    ...(step.setup ? { setupRequest: step.setup as unknown as Request['setupRequest'] } : {}),
    onResponse: (status: number, body: string, context: object, headers?: object) => {
      if (!step.good(status)) {
        bad++;
        return;
      }
      if (step.learn?.(body, context as Record<string, unknown>, (headers ?? {}) as Record<string, string | string[]>) === false) bad++;
    },
  }));
  const result = await autocannon({
    url,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    requests,
    timeout: 10,
  });
  return {
    reqPerSec: options.amount !== undefined ? result.requests.total / Math.max(result.duration, 0.001) : result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + bad,
    requests: result.requests.total,
    seconds: result.duration,
  };
}

/** A response header by name, whatever its case. */
export function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
