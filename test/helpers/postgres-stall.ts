import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/core/config.js';
import { createTestDatabase } from './postgres.js';
import { startTestServer, type TestServer } from './server.js';
import { startStallProxy, type StallProxy } from './stall-proxy.js';

/** A test server on a PostgreSQL database of its own, reached through a proxy the test can stall. */
export interface ServerOnStallablePostgres {
  server: TestServer;
  proxy: StallProxy;
  close(): Promise<void>;
}

export async function serverOnStallablePostgres(config: Partial<ConfigInput> = {}): Promise<ServerOnStallablePostgres> {
  const database = await createTestDatabase();
  const target = new URL(database.url);
  const proxy = await startStallProxy(Number(target.port || 5432), target.hostname);
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-stall-'));
  const server = await startTestServer(config, undefined, { store: { dataDir, database: { url: viaProxy.toString() }, remove: async () => {} } });
  return {
    server,
    proxy,
    async close() {
      proxy.resume();
      await server.close();
      await proxy.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
