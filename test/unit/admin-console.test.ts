import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, toCsv } from '../../src/core/admin-console/csv.js';
import { isAdminConsolePath } from '../../src/core/admin-console/paths.js';
import { safeReturnPath } from '../../src/core/interaction/sign-in.js';
import { makeConfig, ConfigError } from '../../src/core/config.js';

describe('admin console rules', () => {
  it('quotes every CSV cell and defuses formulas', () => {
    assert.equal(csvCell('plain'), '"plain"');
    assert.equal(csvCell('say "hi", then\r\nleave'), '"say ""hi"", then\r\nleave"');
    for (const start of ['=', '+', '-', '@', '\t', '\r']) assert.equal(csvCell(`${start}1+1`), `"'${start}1+1"`);
    assert.equal(csvCell(null), '""');
    assert.equal(csvCell(42), '"42"');
    assert.equal(toCsv(['a', 'b'], [[1, '=x']]), '"a","b"\r\n"1","\'=x"\r\n');
  });

  it('owns /admin and its pages, never the JSON faces under the same prefix', () => {
    for (const path of ['/admin', '/admin/users', '/admin/audit-log', '/admin/users/abc/disable']) assert.equal(isAdminConsolePath(path), true, path);
    for (const path of ['/admin/audit', '/admin/v1', '/admin/v1/users', '/administrator', '/console']) assert.equal(isAdminConsolePath(path), false, path);
  });

  it('lets a sign-in return to console pages only', () => {
    assert.equal(safeReturnPath('/admin/users'), '/admin/users');
    assert.equal(safeReturnPath('/admin/v1/users'), '/account');
    assert.equal(safeReturnPath('/admin/audit'), '/account');
    assert.equal(safeReturnPath('//evil.example/admin'), '/account');
    assert.equal(safeReturnPath('/admin/<script>'), '/account');
  });

  it('takes the admin role from the config, tessera-admin by default', () => {
    assert.equal(makeConfig({ issuer: 'http://localhost:9000' }).adminRole, 'tessera-admin');
    assert.equal(makeConfig({ issuer: 'http://localhost:9000', adminRole: 'ops' }).adminRole, 'ops');
    assert.throws(() => makeConfig({ issuer: 'http://localhost:9000', adminRole: 'not a role' }), ConfigError);
  });
});
