import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ROOT, tessera, type Run } from './cli.js';
import { freePort } from './server.js';
import { createTestDatabase } from './postgres.js';

export const REDIS_URL = process.env['TESSERA_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface ClusterNode {
  name: string;
  url: string;
  process: ChildProcess;
  /** Everything the node printed (its JSON log lines). */
  output(): string;
}

export interface Cluster {
  /** The public URL: a round-robin proxy in front of the nodes, like nginx in docker-compose.yml. */
  issuer: string;
  databaseUrl: string;
  nodes: ClusterNode[];
  env: Record<string, string>;
  /** Runs the CLI against the shared database, as an operator on any machine would. */
  cli(args: string[], input?: string): Promise<Run>;
  cliJson<T = Record<string, unknown>>(args: string[], input?: string): Promise<T>;
  stop(): Promise<void>;
}

/** Waits until the node says it is ready (database and Redis reachable), or fails after 20 s. */
async function waitReady(node: ClusterNode): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (node.process.exitCode !== null) throw new Error(`${node.name} exited (${node.process.exitCode}): ${node.output()}`);
    try {
      if ((await fetch(`${node.url}/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${node.name} did not become ready: ${node.output()}`);
}

/** Appends the caller's address, as nginx's $proxy_add_x_forwarded_for does (tests name the client's address this way). */
function forwardedFor(req: IncomingMessage): string {
  const existing = req.headers['x-forwarded-for'];
  const remote = req.socket.remoteAddress ?? '';
  return existing ? `${Array.isArray(existing) ? existing.join(', ') : existing}, ${remote}` : remote;
}

/**
 * A load balancer for tests: sends each request to the next node, and on a refused connection
 * (a dead node) to the one after, as nginx's proxy_next_upstream does.
 */
function roundRobin(nodes: ClusterNode[]): Server {
  let next = 0;
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, tries: number): void => {
    const node = nodes[next++ % nodes.length]!;
    const target = new URL(node.url);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': forwardedFor(req), 'x-forwarded-proto': 'http' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e: NodeJS.ErrnoException) => {
      // Only a refused connection is retried: the request never reached the node, so it cannot have been acted on.
      if (e.code === 'ECONNREFUSED' && tries + 1 < nodes.length) forward(req, body, res, tries + 1);
      else if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    upstream.end(body);
  };
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, 0));
  });
}

/**
 * `count` real Tessera processes (`tessera serve`) on one fresh PostgreSQL database and the
 * machine's Redis, sharing a pepper, behind a round-robin proxy that is their issuer.
 */
export async function startCluster(count: number, extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  const lbPort = await freePort();
  const issuer = `http://127.0.0.1:${lbPort}`;
  const env: Record<string, string> = {
    TESSERA_DATABASE_URL: database.url,
    TESSERA_REDIS_URL: REDIS_URL,
    TESSERA_REDIS_PREFIX: `tessera-cluster-${randomBytes(4).toString('hex')}`,
    TESSERA_PEPPER: randomBytes(32).toString('base64url'),
    TESSERA_ISSUER: issuer,
    TESSERA_DATA_DIR: dataDir,
    // Two hops: the test client plays an outer proxy naming the client address, the round-robin proxy the load balancer.
    TESSERA_TRUST_PROXY: '2',
    TESSERA_ARGON2_MEMORY_KIB: '8192',
    TESSERA_ARGON2_TIME_COST: '1',
    ...extraEnv,
  };
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--port', String(port)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    nodes.push({ name: String.fromCharCode(65 + i), url: `http://127.0.0.1:${port}`, process: child, output: () => output });
  }
  // All nodes start at once: they migrate the empty database together, under the advisory lock.
  await Promise.all(nodes.map(waitReady));
  const proxy = roundRobin(nodes);
  await new Promise<void>((resolve) => proxy.listen(lbPort, '127.0.0.1', resolve));

  const cli = (args: string[], input?: string) => tessera(args, input, false, env);
  return {
    issuer,
    databaseUrl: database.url,
    nodes,
    env,
    cli,
    async cliJson<T>(args: string[], input?: string) {
      const run = await cli([...args, '--json'], input);
      if (run.code !== 0) throw new Error(`tessera ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
      return JSON.parse(run.stdout) as T;
    },
    async stop() {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await Promise.all(
        nodes.map(
          (n) =>
            new Promise<void>((resolve) => {
              if (n.process.exitCode !== null || n.process.signalCode !== null) return resolve();
              n.process.once('exit', () => resolve());
              n.process.kill('SIGTERM');
            }),
        ),
      );
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
      // The counters this cluster left in Redis.
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${env['TESSERA_REDIS_PREFIX']}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
