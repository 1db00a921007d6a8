import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { Browser } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { provisioningClient, SCIM, scimRequest, type ScimAnswer, type ScimBody } from '../helpers/scim.js';
import { ConfigError, makeConfig } from '../../src/core/config.js';
import { buildClient, checkSelfServiceClient, ClientMetadataError } from '../../src/core/clients/registration.js';

const CALLBACK = 'https://app.example.com/cb';
const { USER, GROUP, PATCH, ERROR, LIST } = SCIM;
type Body = ScimBody;
type Answer = ScimAnswer;

/** The whole SCIM suite, against whichever store `start` gives the server. */
function scimSuite(storeName: string, start: () => Promise<TestServer>): void {
  describe(`SCIM 2.0 (${storeName})`, () => {
    let server: TestServer;
    let token: string;
    let provisioner: { clientId: string; secret?: string };

    async function clientToken(scopes: string[], scope: string): Promise<{ token: string; clientId: string }> {
      const c = await server.addClient({ name: `svc ${scope}`, grantTypes: ['client_credentials'], scopes });
      const issued = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope }, basic(c.clientId, c.secret!));
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      return { token: issued.body['access_token'] as string, clientId: c.clientId };
    }

    before(async () => {
      server = await start();
      ({ token, ...provisioner } = await provisioningClient(server, 'Okta provisioning'));
    });
    after(() => server.close());

    /** A SCIM request as a provisioning client sends it: application/scim+json, the bearer token. */
    async function scim(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
      const answer = await scimRequest(server.issuer, token, method, path, body, headers);
      assert.equal(answer.body['unparsable'], undefined, `${method} ${path}: not JSON`);
      if (answer.text !== '') assert.match(answer.headers.get('content-type') ?? '', /^application\/scim\+json/, `${method} ${path}: ${answer.text}`);
      return answer;
    }

    const isError = (a: Answer, status: number, scimType?: string) => {
      assert.equal(a.status, status, JSON.stringify(a.body));
      assert.deepEqual(a.body['schemas'], [ERROR]);
      assert.equal(a.body['status'], String(status));
      assert.equal(typeof a.body['detail'], 'string');
      assert.equal(a.body['scimType'], scimType);
      assert.doesNotMatch(JSON.stringify(a.body), /at .*\.ts:\d+/, 'never a stack trace');
    };

    const filter = (f: string) => `/Users?filter=${encodeURIComponent(f)}`;
    const audit = async (type: string) => (await server.tessera.ctx.stores.audit.list({ type, limit: 1000 })).filter((e) => e.actor === `client:${provisioner.clientId}`);

    it('describes itself: ServiceProviderConfig, ResourceTypes, Schemas', async () => {
      const config = await scim('GET', '/ServiceProviderConfig');
      assert.equal(config.status, 200);
      assert.deepEqual([config.body['patch'].supported, config.body['filter'].supported, config.body['bulk'].supported, config.body['etag'].supported, config.body['sort'].supported], [true, true, false, true, false]);
      assert.equal(config.body['authenticationSchemes'][0].type, 'oauthbearertoken');
      const types = await scim('GET', '/ResourceTypes');
      assert.deepEqual(types.body['schemas'], [LIST]);
      assert.deepEqual(types.body['Resources'].map((r: Body) => r['endpoint']), ['/Users', '/Groups']);
      assert.equal((await scim('GET', '/ResourceTypes/User')).body['schema'], USER);
      const schemas = await scim('GET', '/Schemas');
      assert.deepEqual(schemas.body['Resources'].map((r: Body) => r['id']), [USER, GROUP]);
      assert.equal((await scim('GET', `/Schemas/${USER}`)).body['name'], 'User');
      isError(await scim('GET', '/Schemas/urn:nope'), 404);
      isError(await scim('GET', '/Bulk'), 404);
      isError(await scim('POST', '/ServiceProviderConfig', {}), 405);
    });

    it('refuses requests without a good token (401) or without the tessera:scim scope (403), in the SCIM error format', async () => {
      const bare = await fetch(`${server.issuer}/scim/v2/Users`);
      assert.equal(bare.status, 401);
      assert.match(bare.headers.get('www-authenticate') ?? '', /^Bearer realm="tessera"/);
      assert.match(bare.headers.get('content-type') ?? '', /^application\/scim\+json/);
      const body = (await bare.json()) as Body;
      assert.deepEqual([body['schemas'], body['status']], [[ERROR], '401']);
      const forged = await fetch(`${server.issuer}/scim/v2/Users`, { headers: { authorization: 'Bearer not.a.token' } });
      assert.equal(forged.status, 401);
      const auditor = await clientToken(['tessera:audit'], 'tessera:audit');
      const wrong = await fetch(`${server.issuer}/scim/v2/Users`, { headers: { authorization: `Bearer ${auditor.token}` } });
      assert.equal(wrong.status, 403);
      assert.match(wrong.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="tessera:scim"/);
      assert.equal(((await wrong.json()) as Body)['status'], '403');
      const inQuery = await fetch(`${server.issuer}/scim/v2/Users?access_token=${token}`);
      assert.equal(inQuery.status, 400, 'a token in the URL is refused');
      // A client whose SCIM token was issued keeps nothing once disabled.
      const other = await clientToken(['tessera:scim'], 'tessera:scim');
      assert.equal((await fetch(`${server.issuer}/scim/v2/Users`, { headers: { authorization: `Bearer ${other.token}` } })).status, 200);
      await server.tessera.ctx.stores.clients.setState(other.clientId, { disabled: true, tokensRevokedAt: server.tessera.ctx.now() }, server.tessera.ctx.now());
      assert.equal((await fetch(`${server.issuer}/scim/v2/Users`, { headers: { authorization: `Bearer ${other.token}` } })).status, 401);
    });

    it('RFC 7644 users: create, get, filter by userName eq, replace, patch, delete', async () => {
      // RFC 7644 §3.3
      const created = await scim('POST', '/Users', { schemas: [USER], userName: 'bjensen', externalId: 'bjensen', name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body['id'] as string;
      assert.equal(created.headers.get('location'), `${server.issuer}/scim/v2/Users/${id}`);
      assert.equal(created.headers.get('etag'), created.body['meta'].version);
      assert.match(created.headers.get('etag')!, /^W\/".+"$/);
      assert.deepEqual(
        { ...created.body, meta: { ...created.body['meta'], created: 'x', lastModified: 'x', version: 'x' } },
        {
          schemas: [USER],
          id,
          externalId: 'bjensen',
          userName: 'bjensen',
          name: { formatted: 'Ms. Barbara J Jensen III', givenName: 'Barbara', familyName: 'Jensen' },
          displayName: 'Ms. Barbara J Jensen III',
          emails: [],
          active: true,
          groups: [],
          meta: { resourceType: 'User', created: 'x', lastModified: 'x', location: `${server.issuer}/scim/v2/Users/${id}`, version: 'x' },
        },
      );
      assert.equal((await server.tessera.ctx.stores.users.findById(id))?.username, 'bjensen', 'the id is the sub');
      // §3.4.1
      const got = await scim('GET', `/Users/${id}`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('etag'), created.headers.get('etag'));
      // §3.4.2
      const listed = await scim('GET', filter('userName eq "BJENSEN"'));
      assert.deepEqual([listed.body['schemas'], listed.body['totalResults'], listed.body['startIndex'], listed.body['itemsPerPage']], [[LIST], 1, 1, 1]);
      assert.equal(listed.body['Resources'][0].id, id);
      // §3.5.1
      const replaced = await scim('PUT', `/Users/${id}`, {
        schemas: [USER],
        id,
        userName: 'bjensen',
        externalId: 'bjensen',
        name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane' },
        emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
      });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.deepEqual(replaced.body['emails'], [{ value: 'bjensen@example.com', type: 'work', primary: true }], 'the first address, as no primary is marked');
      assert.notEqual(replaced.headers.get('etag'), created.headers.get('etag'));
      // §3.5.2
      const patched = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Babs' }, { op: 'add', path: 'displayName', value: 'Babs Jensen' }] });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body['name'].givenName, 'Babs');
      assert.equal(patched.body['displayName'], 'Babs Jensen', 'a new displayName is the name');
      assert.equal((await server.tessera.ctx.stores.users.findById(id))?.name, 'Babs Jensen');
      // §3.6
      const deleted = await scim('DELETE', `/Users/${id}`);
      assert.equal(deleted.status, 204);
      isError(await scim('GET', `/Users/${id}`), 404);
      isError(await scim('DELETE', `/Users/${id}`), 404);
      assert.equal((await audit('user.created')).length >= 1, true, 'changes are audited with actor client:<id>');
      assert.ok((await audit('user.deleted')).some((e) => e.userId === id));
    });

    it('lists with filters (and, or, not, value paths, dates) and pages with startIndex and count', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const made = await scim('POST', '/Users', { schemas: [USER], userName: `pager${i}`, emails: [{ value: `pager${i}@${i % 2 ? 'odd' : 'even'}.example`, type: 'work', primary: true }], active: i !== 3 });
        assert.equal(made.status, 201, JSON.stringify(made.body));
        ids.push(made.body['id']);
      }
      const names = async (f: string, extra = '') => {
        const a = await scim('GET', `${filter(f)}${extra}`);
        assert.equal(a.status, 200, JSON.stringify(a.body));
        return { total: a.body['totalResults'] as number, names: (a.body['Resources'] as Body[]).map((r) => r['userName'] as string) };
      };
      assert.deepEqual((await names('userName sw "pager" and emails.value ew "odd.example"')).names, ['pager1', 'pager3', 'pager5']);
      assert.deepEqual((await names('userName sw "pager" and active eq false')).names, ['pager3']);
      assert.deepEqual((await names('userName eq "pager0" or userName eq "pager6"')).names, ['pager0', 'pager6']);
      assert.deepEqual((await names('userName sw "pager" and not (emails[type eq "work" and value co "even"])')).names, ['pager1', 'pager3', 'pager5']);
      assert.deepEqual((await names('userName sw "pager" and meta.lastModified gt "2000-01-01T00:00:00Z"')).total, 7);
      assert.deepEqual((await names('userName sw "pager" and meta.lastModified lt "2000-01-01T00:00:00Z"')).total, 0);
      assert.deepEqual((await names('userName co "ager" and userName ne "pager2" and externalId pr')).total, 0);
      const page = await names('userName sw "pager"', '&startIndex=3&count=2');
      assert.deepEqual(page, { total: 7, names: ['pager2', 'pager3'] });
      const past = await scim('GET', `${filter('userName sw "pager"')}&startIndex=50&count=2`);
      assert.deepEqual([past.body['totalResults'], past.body['itemsPerPage'], past.body['Resources']], [7, 0, []]);
      const zero = await scim('GET', `${filter('userName sw "pager"')}&count=0`);
      assert.deepEqual([zero.body['totalResults'], zero.body['Resources']], [7, []]);
      const only = await scim('GET', `${filter('userName eq "pager0"')}&attributes=userName`);
      assert.deepEqual(Object.keys(only.body['Resources'][0]).sort(), ['id', 'schemas', 'userName']);
      for (const id of ids) assert.equal((await scim('DELETE', `/Users/${id}`)).status, 204);
    });

    it('refuses malformed filters and bad paging with 400 (invalidFilter, invalidValue)', async () => {
      for (const bad of ['userName eq', 'userName eq bjensen', '(userName eq "x"', 'userName zz "x"', 'active gt true', 'emails[type eq "work"']) {
        isError(await scim('GET', filter(bad)), 400, 'invalidFilter');
      }
      isError(await scim('GET', '/Users?count=many'), 400, 'invalidValue');
      isError(await scim('GET', '/Users?filter=a%20pr&filter=b%20pr'), 400, 'invalidValue');
      isError(await scim('GET', '/Groups?filter=displayName%20eq'), 400, 'invalidFilter');
    });

    it('keeps userName unique in any case: 409 uniqueness on create, replace and patch; nothing changes', async () => {
      const first = await scim('POST', '/Users', { schemas: [USER], userName: 'unique.one' });
      const second = await scim('POST', '/Users', { schemas: [USER], userName: 'unique.two' });
      isError(await scim('POST', '/Users', { schemas: [USER], userName: 'UNIQUE.ONE' }), 409, 'uniqueness');
      isError(await scim('PUT', `/Users/${second.body['id']}`, { schemas: [USER], userName: 'Unique.One', name: { formatted: 'Would Change' } }), 409, 'uniqueness');
      isError(await scim('PATCH', `/Users/${second.body['id']}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'name.formatted', value: 'Changed' }, { op: 'replace', path: 'userName', value: 'unique.ONE' }] }), 409, 'uniqueness');
      const unchanged = await scim('GET', `/Users/${second.body['id']}`);
      assert.equal(unchanged.body['userName'], 'unique.two');
      assert.equal(unchanged.body['name'], undefined, 'a refused request writes nothing');
      assert.equal(unchanged.headers.get('etag'), second.headers.get('etag'));
      await scim('DELETE', `/Users/${first.body['id']}`);
      await scim('DELETE', `/Users/${second.body['id']}`);
    });

    it('honours If-Match: 412 for a stale version, the change for the current one', async () => {
      const made = await scim('POST', '/Users', { schemas: [USER], userName: 'etagged' });
      const id = made.body['id'];
      const v1 = made.headers.get('etag')!;
      const changed = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'name.formatted', value: 'First Change' }] }, { 'if-match': v1 });
      assert.equal(changed.status, 200);
      const v2 = changed.headers.get('etag')!;
      assert.notEqual(v2, v1);
      isError(await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'name.formatted', value: 'Lost Update' }] }, { 'if-match': v1 }), 412);
      isError(await scim('PUT', `/Users/${id}`, { schemas: [USER], userName: 'etagged', name: { formatted: 'Lost Update' } }, { 'if-match': v1 }), 412);
      isError(await scim('DELETE', `/Users/${id}`, undefined, { 'if-match': v1 }), 412);
      assert.equal((await scim('GET', `/Users/${id}`)).body['name'].formatted, 'First Change');
      assert.equal((await scim('PUT', `/Users/${id}`, { schemas: [USER], userName: 'etagged' }, { 'if-match': `"nope", ${v2}` })).status, 200);
      const group = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'etag-group' });
      const g1 = group.headers.get('etag')!;
      assert.equal((await scim('PATCH', `/Groups/${group.body['id']}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] }, { 'if-match': g1 })).status, 204);
      isError(await scim('PATCH', `/Groups/${group.body['id']}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: 'members' }] }, { 'if-match': g1 }), 412);
      assert.equal((await scim('DELETE', `/Users/${id}`, undefined, { 'if-match': '*' })).status, 204);
      await scim('DELETE', `/Groups/${group.body['id']}`);
    });

    it('RFC 7644 groups: create with a member, add and remove members by PATCH, filter, rename, delete', async () => {
      const alice = (await scim('POST', '/Users', { schemas: [USER], userName: 'g.alice' })).body['id'] as string;
      const bob = (await scim('POST', '/Users', { schemas: [USER], userName: 'g.bob' })).body['id'] as string;
      const created = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Tour-Guides', externalId: 'tg-1', members: [{ value: alice, display: 'g.alice' }] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body['id'] as string;
      assert.deepEqual(created.body['members'], [{ value: alice, display: 'g.alice', type: 'User', $ref: `${server.issuer}/scim/v2/Users/${alice}` }]);
      assert.equal(created.body['externalId'], 'tg-1');
      const member = (await scim('GET', `/Users/${alice}`)).body['groups'];
      assert.deepEqual(member, [{ value: id, display: 'Tour-Guides', $ref: `${server.issuer}/scim/v2/Groups/${id}` }]);
      const add = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: bob }] }] });
      assert.equal(add.status, 204);
      assert.deepEqual((await scim('GET', `/Groups/${id}`)).body['members'].map((m: Body) => m['value']).sort(), [alice, bob].sort());
      const inGroup = await scim('GET', `/Users?filter=${encodeURIComponent(`groups.value eq "${id}" and userName sw "g."`)}`);
      assert.deepEqual(inGroup.body['Resources'].map((u: Body) => u['userName']).sort(), ['g.alice', 'g.bob']);
      const byMember = await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${bob}"`)}`);
      assert.deepEqual(byMember.body['Resources'].map((g: Body) => g['id']), [id]);
      const byName = await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "tour-guides"')}&excludedAttributes=members`);
      assert.equal(byName.body['totalResults'], 1);
      assert.equal(byName.body['Resources'][0].members, undefined);
      const remove = await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${alice}"]` }] });
      assert.equal(remove.status, 204);
      assert.deepEqual((await scim('GET', `/Groups/${id}`)).body['members'].map((m: Body) => m['value']), [bob]);
      isError(await scim('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] }] }), 400, 'invalidValue');
      const renamed = await scim('PUT', `/Groups/${id}`, { schemas: [GROUP], displayName: 'Guides', members: [{ value: alice }] });
      assert.equal(renamed.status, 200);
      assert.deepEqual([renamed.body['displayName'], renamed.body['members'].map((m: Body) => m['value']), renamed.body['externalId']], ['Guides', [alice], undefined]);
      const other = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Others' });
      isError(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'GUIDES' }), 409, 'uniqueness');
      isError(await scim('PATCH', `/Groups/${other.body['id']}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'guides' }] }), 409, 'uniqueness');
      isError(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Has spaces' }), 400, 'invalidValue');
      assert.equal((await scim('DELETE', `/Groups/${id}`)).status, 204);
      isError(await scim('GET', `/Groups/${id}`), 404);
      assert.deepEqual((await scim('GET', `/Users/${alice}`)).body['groups'], []);
      for (const u of [alice, bob]) await scim('DELETE', `/Users/${u}`);
      await scim('DELETE', `/Groups/${other.body['id']}`);
    });

    it("Okta's provisioning requests (developer.okta.com, SCIM 2.0 guide), literally", async () => {
      // 1. Does the user exist? Okta asks by userName, with paging.
      const lookup = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "test.user@okta.local"')}&startIndex=1&count=100`);
      assert.equal(lookup.status, 200);
      assert.deepEqual(lookup.body, { schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
      // 2. Create it (Okta sends a password only when "Sync Password" is on; see the refusal below).
      const created = await scim('POST', '/Users', {
        schemas: [USER],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        active: true,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body['id'] as string;
      assert.deepEqual([created.body['userName'], created.body['displayName'], created.body['name'], created.body['emails'][0].value, created.body['active'], created.body['externalId']], [
        'test.user@okta.local',
        'Test User',
        { formatted: 'Test User', givenName: 'Test', familyName: 'User' },
        'test.user@okta.local',
        true,
        '00ujl29u0le5T6Aj10h7',
      ]);
      assert.equal(created.body['locale'], undefined, 'attributes Tessera does not keep are not echoed');
      // 3. Read it back.
      assert.equal((await scim('GET', `/Users/${id}`)).status, 200);
      // 4. Profile push: the whole user with PUT.
      const put = await scim('PUT', `/Users/${id}`, {
        schemas: [USER],
        id,
        userName: 'test.user@okta.local',
        name: { givenName: 'Another', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Another User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        active: true,
        meta: { resourceType: 'User' },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual([put.body['displayName'], put.body['name'].givenName], ['Another User', 'Another']);
      // 5. Deactivate and reactivate: PATCH without a path.
      const off = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
      assert.equal(off.status, 200);
      assert.equal(off.body['active'], false);
      const on = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] });
      assert.equal(on.body['active'], true);
      // Group push.
      const group = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Test-SCIMv2', members: [] });
      assert.equal(group.status, 201, JSON.stringify(group.body));
      const gid = group.body['id'] as string;
      assert.equal((await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Test-SCIMv2"')}&startIndex=1&count=100`)).body['totalResults'], 1);
      const rename = await scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { id: gid, displayName: 'Test-SCIMv2-Updated' } }] });
      assert.equal(rename.status, 204, JSON.stringify(rename.body));
      const addMember = await scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id, display: 'test.user@okta.local' }] }] });
      assert.equal(addMember.status, 204);
      const got = await scim('GET', `/Groups/${gid}`);
      assert.deepEqual([got.body['displayName'], got.body['members'].map((m: Body) => m['value'])], ['Test-SCIMv2-Updated', [id]]);
      const removeMember = await scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });
      assert.equal(removeMember.status, 204);
      assert.deepEqual((await scim('GET', `/Groups/${gid}`)).body['members'], []);
      assert.equal((await scim('DELETE', `/Groups/${gid}`)).status, 204);
      // A synced password must meet the password policy: Okta's example one is too short; nothing is created.
      isError(await scim('POST', '/Users', { schemas: [USER], userName: 'pw.user@okta.local', password: '1mz050nq', active: true }), 400, 'invalidValue');
      assert.equal((await scim('GET', filter('userName eq "pw.user@okta.local"'))).body['totalResults'], 0);
      await scim('DELETE', `/Users/${id}`);
    });

    it("Microsoft Entra ID's provisioning requests (learn.microsoft.com, SCIM endpoint tutorial), literally", async () => {
      const created = await scim('POST', '/Users', {
        schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales', employeeNumber: '42' },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body['id'] as string;
      assert.equal((await scim('GET', `/Users/${id}`)).status, 200);
      const query = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"')}`);
      assert.deepEqual([query.body['totalResults'], query.body['Resources'][0].id], [1, id]);
      // As Entra's validator writes it: spaces as '+', quotes as they are.
      const plus = await scim('GET', '/Users?filter=userName+eq+"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"');
      assert.deepEqual([plus.status, plus.body['totalResults']], [200, 1]);
      const none = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "non-existent user"')}`);
      assert.deepEqual([none.status, none.body['totalResults'], none.body['Resources']], [200, 0, []]);
      const byExternal = await scim('GET', `/Users?filter=${encodeURIComponent('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`);
      assert.equal(byExternal.body['totalResults'], 1);
      // Update User [Multi-valued properties]
      const multi = await scim('PATCH', `/Users/${id}`, {
        schemas: [PATCH],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ],
      });
      assert.equal(multi.status, 200, JSON.stringify(multi.body));
      assert.deepEqual([multi.body['emails'], multi.body['name'].familyName], [[{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }], 'updatedFamilyName']);
      // Update User [Single-valued properties]
      const single = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }] });
      assert.equal(single.status, 200);
      assert.equal(single.body['userName'], '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
      // Entra also adds a work address where there is none, and may send booleans as strings.
      const noMail = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'emails[type eq "work"]' }] });
      assert.deepEqual(noMail.body['emails'], []);
      const addMail = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'again@microsoft.com' }, { op: 'Add', path: 'title', value: 'ignored' }] });
      assert.equal(addMail.body['emails'][0].value, 'again@microsoft.com');
      // Disable User
      const disabled = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
      assert.equal(disabled.status, 200);
      assert.equal(disabled.body['active'], false);
      assert.equal((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"')}`)).body['Resources'][0].active, false);
      // Groups
      const group = await scim('POST', '/Groups', {
        schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      });
      assert.equal(group.status, 201, JSON.stringify(group.body));
      assert.deepEqual(group.body['members'], []);
      const gid = group.body['id'] as string;
      const getGroup = await scim('GET', `/Groups/${gid}?excludedAttributes=members`);
      assert.deepEqual([getGroup.status, getGroup.body['displayName'], getGroup.body['members']], [200, 'displayName', undefined]);
      const byName = await scim('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "displayName"')}`);
      assert.equal(byName.body['totalResults'], 1);
      const rename = await scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }] });
      assert.equal(rename.status, 204);
      const add = await scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }] });
      assert.equal(add.status, 204);
      assert.deepEqual((await scim('GET', `/Groups/${gid}`)).body['members'].map((m: Body) => m['value']), [id]);
      const remove = await scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: id }] }] });
      assert.equal(remove.status, 204);
      assert.deepEqual((await scim('GET', `/Groups/${gid}`)).body['members'], []);
      assert.equal((await scim('DELETE', `/Groups/${gid}`)).status, 204);
      assert.equal((await scim('DELETE', `/Users/${id}`)).status, 204);
    });

    it('deprovisioning (PATCH active false, PUT active false, DELETE) revokes tokens, consents and sessions at once', async () => {
      const app = await server.addClient({ name: 'App', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile'] });
      const config = await discover(server, app.clientId, app.secret);
      const ways: [string, (id: string, userName: string) => Promise<Answer>][] = [
        ['PATCH active false', (id) => scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] })],
        ['PUT active false', (id, userName) => scim('PUT', `/Users/${id}`, { schemas: [USER], userName, active: false })],
        ['DELETE', (id) => scim('DELETE', `/Users/${id}`)],
      ];
      for (const [way, deprovision] of ways) {
        const userName = `leaver-${way.split(' ')[0]!.toLowerCase()}`;
        const password = 'a long enough password for scim';
        const made = await scim('POST', '/Users', { schemas: [USER], userName, password });
        assert.equal(made.status, 201, JSON.stringify(made.body));
        assert.equal(made.body['password'], undefined, 'a password is never shown');
        const id = made.body['id'] as string;
        const browser = new Browser(server.issuer);
        const { tokens } = await codeFlow(server, config, CALLBACK, 'openid profile', { username: userName, password }, browser);
        const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
        const answer = await deprovision(id, userName);
        assert.ok(answer.status === 200 || answer.status === 204, `${way}: ${answer.status}`);
        await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token!), Error, `${way}: the refresh token stops`);
        assert.equal((await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${refreshed.access_token}` } })).status, 401, `${way}: the access token stops`);
        assert.match(((await browser.visit(`${server.issuer}/account`)) as { html: string }).html, /name="password"/, `${way}: the session is gone`);
        assert.deepEqual(await server.tessera.ctx.stores.grants.listByUser(id), [], `${way}: the consent is gone`);
        const events = (await audit(way === 'DELETE' ? 'user.deleted' : 'user.changed')).filter((e) => e.userId === id);
        assert.ok(events.length >= 1, `${way}: audited with actor client:${provisioner.clientId}`);
      }
    });

    it('answers random PATCH and PUT bodies with 200, 204 or a 4xx SCIM error, never a 500', async () => {
      const target = (await scim('POST', '/Users', { schemas: [USER], userName: 'fuzzed' })).body['id'] as string;
      const group = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'fuzzed-group' })).body['id'] as string;
      const ops = ['add', 'replace', 'remove', 'Replace', 'copy', 7, null];
      const paths = [undefined, 'userName', 'name', 'name.givenName', 'emails', 'emails[type eq "work"].value', 'emails[value co "@"]', 'active', 'members', `members[value eq "${target}"]`, 'displayName', 'externalId', 'meta.created', 'groups', 'password', 'x.y', '[', 'emails[', ''];
      const values = [undefined, null, true, 'False', 'fuzz', 'fuzz two', 'a@b.example', 42, [], [{ value: target }], [{ value: 'nobody' }], { active: false }, { userName: 'fuzzed' }, { displayName: 'fuzzed-group' }, { value: 'x' }, 'x'.repeat(300), 'longenough password 1'];
      let seed = 11;
      const pick = <T,>(list: T[]): T => list[(seed = (seed * 1103515245 + 12345) % 2147483648) % list.length]!;
      for (let i = 0; i < 150; i++) {
        const operation: Record<string, unknown> = { op: pick(ops) };
        const path = pick(paths);
        const value = pick(values);
        if (path !== undefined) operation['path'] = path;
        if (value !== undefined) operation['value'] = value;
        const resource = i % 3 === 0 ? `/Groups/${group}` : `/Users/${target}`;
        const bodies = [{ schemas: [PATCH], Operations: [operation] }];
        for (const b of bodies) {
          const a = await scim('PATCH', resource, b);
          assert.ok([200, 204, 400, 409].includes(a.status), `${JSON.stringify(b)} → ${a.status} ${JSON.stringify(a.body)}`);
          if (a.status >= 400) assert.deepEqual(a.body['schemas'], [ERROR]);
        }
        const put = await scim('PUT', resource, i % 3 === 0 ? { displayName: pick(values), members: pick(values) } : { userName: pick(values), active: pick(values), emails: pick(values), name: pick(values) });
        assert.ok([200, 400, 409].includes(put.status), `PUT → ${put.status} ${JSON.stringify(put.body)}`);
        // Keep the names the next round refers to.
        if (i % 3 === 0) await scim('PUT', `/Groups/${group}`, { displayName: 'fuzzed-group', members: [] });
        else await scim('PUT', `/Users/${target}`, { userName: 'fuzzed', active: true });
      }
      await scim('DELETE', `/Groups/${group}`);
      await scim('DELETE', `/Users/${target}`);
    });

    it('bursts: 10 parallel creations of one userName make exactly one user; 10 parallel deactivations all succeed', async () => {
      const creations = await Promise.all(Array.from({ length: 10 }, () => scim('POST', '/Users', { schemas: [USER], userName: 'burst.user', externalId: 'b' })));
      assert.deepEqual(creations.map((c) => c.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      for (const refused of creations.filter((c) => c.status === 409)) assert.equal(refused.body['scimType'], 'uniqueness');
      assert.equal((await scim('GET', filter('userName eq "burst.user"'))).body['totalResults'], 1);
      const id = creations.find((c) => c.status === 201)!.body['id'] as string;
      const offs = await Promise.all(Array.from({ length: 10 }, () => scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] })));
      assert.deepEqual(offs.map((o) => o.status), Array(10).fill(200));
      assert.equal((await server.tessera.ctx.stores.users.findById(id))?.disabled, true);
      const groupBurst = await Promise.all(Array.from({ length: 10 }, () => scim('POST', '/Groups', { schemas: [GROUP], displayName: 'burst-group' })));
      assert.deepEqual(groupBurst.map((c) => c.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      const gid = groupBurst.find((c) => c.status === 201)!.body['id'] as string;
      const adds = await Promise.all(Array.from({ length: 10 }, () => scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })));
      assert.deepEqual(adds.map((a) => a.status), Array(10).fill(204));
      assert.deepEqual(await server.tessera.ctx.stores.groups.listMembers(gid), [id]);
      await scim('DELETE', `/Groups/${gid}`);
      await scim('DELETE', `/Users/${id}`);
    });

    it('answers bad input of any kind with a SCIM error, never a 500, and stores nothing', async () => {
      const before = (await server.tessera.ctx.stores.users.list()).length;
      const made = await scim('POST', '/Users', { schemas: [USER], userName: 'sturdy', name: { formatted: 'Sturdy' } });
      const id = made.body['id'] as string;
      const cases: [string, string, unknown, Record<string, string> | undefined, number, string | undefined][] = [
        ['POST', '/Users', '{not json', undefined, 400, 'invalidSyntax'],
        ['POST', '/Users', '[]', undefined, 400, 'invalidSyntax'],
        ['POST', '/Users', 'null', undefined, 400, 'invalidSyntax'],
        ['POST', '/Users', { schemas: [USER] }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', { userName: 'has space' }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', { userName: 42 }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', { userName: 'ok.name', emails: 'x@example.com' }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', { userName: 'ok.name', emails: [{ value: 'not-an-address' }] }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', { userName: 'ok.name', name: 'flat' }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', { userName: 'ok.name', active: 'maybe' }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', { userName: 'ok.name', externalId: 'x'.repeat(300) }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', { userName: 'ok.name', name: { formatted: 'y'.repeat(300) } }, undefined, 400, 'invalidValue'],
        ['POST', '/Users', 'userName=x', { 'content-type': 'application/x-www-form-urlencoded' }, 400, 'invalidSyntax'],
        ['POST', '/Users', 'userName', { 'content-type': 'text/plain' }, 400, 'invalidSyntax'],
        ['POST', '/Users', JSON.stringify({ userName: 'x'.repeat(70 * 1024) }), undefined, 413, undefined],
        ['PUT', `/Users/${id}`, { userName: 'sturdy', active: 3 }, undefined, 400, 'invalidValue'],
        ['PUT', `/Users/${id}`, { userName: 'sturdy', password: 'short' }, undefined, 400, 'invalidValue'],
        ['PATCH', `/Users/${id}`, { Operations: 'replace' }, undefined, 400, 'invalidSyntax'],
        ['PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'name.formatted', value: 'Changed' }, { op: 'replace', path: 'emails[type eq "work"', value: 'x' }] }, undefined, 400, 'invalidPath'],
        ['PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'name.formatted', value: 'Changed' }, { op: 'replace', path: 'emails', value: [{ value: 'bad' }] }] }, undefined, 400, 'invalidValue'],
        ['PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'id', value: 'other' }] }, undefined, 400, 'mutability'],
        ['PATCH', `/Users/${id}`, { Operations: [{ op: 'remove', path: 'userName' }] }, undefined, 400, 'invalidValue'],
        ['PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'emails[value ew "none"].value', value: 'x@example.com' }] }, undefined, 400, 'noTarget'],
        ['PATCH', '/Users/no-such-id', { Operations: [{ op: 'replace', value: { active: false } }] }, undefined, 404, undefined],
        ['PUT', '/Users', { userName: 'x' }, undefined, 405, undefined],
        ['DELETE', '/Users', undefined, undefined, 405, undefined],
        ['GET', '/Users/a/b', undefined, undefined, 404, undefined],
        ['GET', '/Users/%E0%A4%A', undefined, undefined, 400, 'invalidSyntax'],
        ['POST', '/Groups', { displayName: 'g', members: [{ value: 'no-such-user' }] }, undefined, 400, 'invalidValue'],
        ['POST', '/Groups', { displayName: 'g', members: 'all' }, undefined, 400, 'invalidValue'],
        ['POST', '/Groups', {}, undefined, 400, 'invalidValue'],
      ];
      for (const [method, path, body, headers, status, scimType] of cases) {
        const a = await scim(method, path, body, headers ?? {});
        try {
          isError(a, status, scimType);
        } catch (e) {
          throw new Error(`${method} ${path} ${typeof body === 'string' ? body.slice(0, 40) : JSON.stringify(body)?.slice(0, 80)}: ${(e as Error).message}`);
        }
      }
      const now = await scim('GET', `/Users/${id}`);
      assert.deepEqual([now.body['userName'], now.body['name'], now.body['emails'], now.body['active']], ['sturdy', { formatted: 'Sturdy' }, [], true], 'refused requests changed nothing');
      assert.equal(now.headers.get('etag'), made.headers.get('etag'));
      assert.equal((await server.tessera.ctx.stores.users.list()).length, before + 1);
      assert.deepEqual((await server.tessera.ctx.stores.groups.list()).filter((g) => g.name === 'g'), []);
      await scim('DELETE', `/Users/${id}`);
    });
  });
}

describe('tessera:scim is a scope only operators give', () => {
  it('is refused as a self-service scope, and to clients registered dynamically', async () => {
    assert.throws(() => makeConfig({ issuer: 'https://id.example.com', selfServiceScopes: ['openid', 'tessera:scim'] }), ConfigError);
    assert.throws(() => makeConfig({ issuer: 'https://id.example.com', selfServiceScopes: ['tessera:audit'] }), ConfigError);
    const server = await startTestServer({ openRegistration: true });
    try {
      for (const scope of ['tessera:scim', 'tessera:audit', 'openid tessera:scim']) {
        const res = await fetch(`${server.issuer}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_name: 'Sneaky', grant_types: ['client_credentials'], response_types: [], scope }),
        });
        const body = (await res.json()) as Body;
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(body['error'], 'invalid_client_metadata');
      }
      assert.deepEqual((await server.tessera.ctx.stores.clients.list()).filter((c) => c.name === 'Sneaky'), []);
    } finally {
      await server.close();
    }
    // Even a self-service list that named it (were the configuration check bypassed) does not open it.
    const { client: c } = buildClient({ name: 'x', grantTypes: ['client_credentials'], scopes: ['tessera:scim'] }, Buffer.alloc(32), 1);
    assert.throws(() => checkSelfServiceClient(c, ['tessera:scim']), ClientMetadataError);
  });
});

scimSuite('SQLite', () => startTestServer());

scimSuite('PostgreSQL', () => startTestServer({}, undefined, { postgres: true }));
