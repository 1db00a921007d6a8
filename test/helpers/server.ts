import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type MailSettings, type MetricsSettings, type Tessera } from '../../src/server.js';
import { buildClient, type ClientInput } from '../../src/core/clients/registration.js';
import { buildUser, type NewUserInput } from '../../src/core/accounts/users.js';
import { buildApi, type ApiInput } from '../../src/core/apis/apis.js';
import type { ConfigInput } from '../../src/core/config.js';
import type { LoggerOptions } from '../../src/http/app.js';
import type { GateOptions } from '../../src/core/accounts/password-gate.js';
import { createTestDatabase } from './postgres.js';
import type { EventSinkSettings } from '../../src/observability/events/index.js';
import type { Branding } from '../../src/ui/theme.js';

/** Cheap argon2 for tests only: the real parameters are exercised by the CLI tests. */
const TEST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export interface TestServer {
  issuer: string;
  dataDir: string;
  port: number;
  /** Where the /metrics listener of its own answers (`metrics.separateListener`). */
  metricsUrl?: string;
  /** The PostgreSQL database, when TESSERA_TEST_STORE=postgres. */
  databaseUrl?: string;
  /** The CLI's flags for this server's store (and pepper): `--data`, and `--database-url` on PostgreSQL. */
  storeArgs: string[];
  tessera: Tessera;
  /** Moves the server's clock forward by `seconds`. */
  advance(seconds: number): void;
  /** Registers a client; `clientId` fixes its id (e.g. a resource server named in the token audience). */
  addClient(input: ClientInput & { clientId?: string }): Promise<{ clientId: string; secret?: string }>;
  addUser(input: Partial<NewUserInput> & { username: string }): Promise<{ sub: string; username: string; password: string }>;
  /** Defines an API (resource server) that requests may name as `resource`. */
  addApi(input: ApiInput & { identifier: string; name: string }): Promise<void>;
  close(): Promise<void>;
}

/** A data directory, and on TESSERA_TEST_STORE=postgres a PostgreSQL database of its own. */
export interface TestStore {
  dataDir: string;
  database?: { url: string };
  remove(): Promise<void>;
}

/** A store of its own; on PostgreSQL when `kind` says so or TESSERA_TEST_STORE=postgres. */
export async function createTestStore(kind?: 'postgres'): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
  // TESSERA_TEST_STORE=postgres runs the same tests on a PostgreSQL database of their own.
  const onPostgres = kind === 'postgres' || process.env['TESSERA_TEST_STORE'] === 'postgres';
  const database = onPostgres ? await createTestDatabase() : undefined;
  return {
    dataDir,
    ...(database ? { database } : {}),
    async remove() {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A real Tessera on a real socket with its own temporary store. */
export async function startTestServer(
  config: Partial<ConfigInput> = {},
  logger?: LoggerOptions,
  options: {
    trustProxy?: boolean;
    redis?: { url: string; prefix: string };
    passwordHashing?: GateOptions;
    store?: TestStore;
    /** On a PostgreSQL database of its own whatever TESSERA_TEST_STORE says (ignored with `store`). */
    postgres?: boolean;
    port?: number;
    /** Where audit events are sent as they happen (docs/events.md). */
    events?: EventSinkSettings;
    /** Prometheus metrics (docs/observability.md); a listener of their own listens on a free port (`metricsUrl`). */
    metrics?: MetricsSettings;
    /** Email through this mail server (test/helpers/mail-sink.ts); off when absent. */
    mail?: MailSettings;
    /** The brand and theme of the pages (resolveBranding reads them as serve does). */
    branding?: Branding;
  } = {},
): Promise<TestServer> {
  // A store the caller owns (to restart a server on it) is left in place on close.
  const owned = options.store === undefined;
  const store = options.store ?? (await createTestStore(options.postgres ? 'postgres' : undefined));
  const { dataDir, database } = store;
  // A server restarted on its store keeps its port, and so its issuer.
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  let offset = 0;
  const tessera = await createServer({
    dataDir,
    ...(database ? { databaseUrl: database.url } : {}),
    config: { issuer, ...config },
    argon2: TEST_ARGON2,
    ...(logger ? { logger } : {}),
    // The test client plays the one proxy in front of the server: its X-Forwarded-For names the client.
    ...(options.trustProxy ? { trustProxy: 1 } : {}),
    ...(options.redis ? { redis: options.redis } : {}),
    ...(options.passwordHashing ? { passwordHashing: options.passwordHashing } : {}),
    ...(options.events ? { events: options.events } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.mail ? { mail: options.mail } : {}),
    ...(options.branding ? { branding: options.branding } : {}),
    now: () => Math.floor(Date.now() / 1000) + offset,
  });
  await tessera.app.listen({ port, host: '127.0.0.1' });
  const metricsAddress = tessera.metricsApp ? await tessera.metricsApp.listen({ port: 0, host: '127.0.0.1' }) : undefined;
  const { ctx } = tessera;
  return {
    issuer,
    dataDir,
    port,
    ...(metricsAddress ? { metricsUrl: `${metricsAddress}/metrics` } : {}),
    ...(database ? { databaseUrl: database.url } : {}),
    storeArgs: ['--data', dataDir, ...(database ? ['--database-url', database.url] : [])],
    tessera,
    advance(seconds) {
      offset += seconds;
    },
    async addClient({ clientId, ...input }) {
      const { client, secret } = buildClient(input, ctx.pepper, ctx.now());
      if (clientId !== undefined) client.clientId = clientId;
      await ctx.stores.clients.create(client);
      return secret === undefined ? { clientId: client.clientId } : { clientId: client.clientId, secret };
    },
    async addUser(input) {
      const password = input.password ?? 'a long enough password';
      const user = await buildUser({ ...input, password }, ctx.passwords, ctx.now());
      await ctx.stores.users.create(user);
      return { sub: user.id, username: user.username, password };
    },
    async addApi(input) {
      await ctx.stores.apis.create(buildApi(input, ctx.now()));
    },
    async close() {
      await tessera.close();
      if (owned) await store.remove();
    },
  };
}
