import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser, isPage, textOf } from '../helpers/browser.js';
import { grantAdminRole, openAdminConsole, setupAdmin } from '../helpers/admin-console.js';
import { createRole, grantRole } from '../../src/core/admin/roles.js';
import { addGroupMember, createGroup, removeGroupMember } from '../../src/core/admin/groups.js';

describe('admin console: the role named by --admin-role', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ adminRole: 'ops' });
  });
  after(() => server.close());

  it('opens to members of a group holding the configured role, and to no holder of the default one', async () => {
    const admin = setupAdmin(server);
    const member = await server.addUser({ username: 'gina' });
    await createRole(admin, { name: 'ops' }, {});
    await createGroup(admin, 'operators', {});
    await grantRole(admin, { name: 'ops' }, { group: 'operators' });
    await addGroupMember(admin, 'operators', member.username);
    const { browser, page } = await openAdminConsole(server, member);
    assert.equal(page.status, 200);
    assert.match(textOf(page.html), /Dashboard/);

    // Leaving the group takes the console away at the next request.
    await removeGroupMember(admin, 'operators', member.username);
    assert.equal(isPage(await browser.visit(`${server.issuer}/admin`)).status, 403);

    const other = await server.addUser({ username: 'hank' });
    await grantAdminRole(server, other.username, 'tessera-admin');
    const browser2 = new Browser(server.issuer);
    const login = isPage(await browser2.visit(`${server.issuer}/admin`));
    const refused = isPage(await browser2.submit(login, { username: other.username, password: other.password }));
    assert.equal(refused.status, 403);
  });
});
