import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveServe, type ServeFlags } from '../../src/cli/serve-config.js';
import { makeConfig } from '../../src/core/config.js';

const flags = (extra: Record<string, unknown> = {}): ServeFlags & Record<string, unknown> => ({ port: '9000', host: '127.0.0.1', data: './data', ...extra });
const allowed = (extra: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => makeConfig(resolveServe(flags(extra), env).config).allowAccountDeletion;

describe('--allow-account-deletion', () => {
  it('is off by default, on from the flag, the environment or the config file; a flag wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-deletion-'));
    try {
      assert.equal(allowed({}), false);
      assert.equal(allowed({ allowAccountDeletion: true }), true);
      assert.equal(allowed({}, { TESSERA_ALLOW_ACCOUNT_DELETION: 'true' }), true);
      assert.equal(allowed({}, { TESSERA_ALLOW_ACCOUNT_DELETION: 'false' }), false);
      const yaml = join(dir, 'tessera.yaml');
      writeFileSync(yaml, 'allowAccountDeletion: true\n');
      assert.equal(allowed({ config: yaml }), true);
      assert.equal(allowed({ config: yaml }, { TESSERA_ALLOW_ACCOUNT_DELETION: 'false' }), false, 'the environment wins over the file');
      assert.equal(allowed({ config: yaml, allowAccountDeletion: true }, { TESSERA_ALLOW_ACCOUNT_DELETION: 'false' }), true, 'the flag wins over the environment');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a value that is not true or false, naming where it came from', () => {
    assert.throws(() => allowed({}, { TESSERA_ALLOW_ACCOUNT_DELETION: 'yes' }), /TESSERA_ALLOW_ACCOUNT_DELETION must be true or false, not 'yes'/);
  });
});
