import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '../../src/store/sqlite/open.js';
import { storeContract } from './contract.js';

storeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
  return { stores: await openSqliteStores(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
