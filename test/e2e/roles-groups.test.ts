import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tessera, tesseraJson } from '../helpers/cli.js';
import { discover } from '../helpers/oidc.js';
import { Browser, textOf } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { groupsOfUser } from '../../src/core/access/entitlements.js';

/**
 * Roles and groups (issue 18 §2): access tokens for an API carry the user's roles for it; with
 * `--rbac on` they carry only the API scopes those roles give; the ID token and /userinfo say
 * `groups` when that scope is granted. Each token reads membership afresh, so a change shows in
 * the next one (a refresh).
 */

const CALLBACK = 'https://app.example.com/cb';
const NOTES = 'https://notes.example.com';

describe('roles and groups', () => {
  let server: TestServer;
  let web: { clientId: string; secret?: string };
  let config: client.Configuration;
  let session: Browser;
  let password: string;
  let sub: string;
  const cli = (...args: string[]) => tessera([...args, ...server.storeArgs]);
  const ok = async (...args: string[]) => {
    const run = await cli(...args);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return run;
  };

  before(async () => {
    server = await startTestServer();
    await ok('api', 'create', '--identifier', NOTES, '--name', 'Notes', '--scope', 'notes:read=Read your notes', '--scope', 'notes:write=Change your notes');
    web = await server.addClient({ name: 'Dashboard', redirectUris: [CALLBACK], scopes: ['openid', 'profile', 'groups', 'offline_access', 'notes:read', 'notes:write'] });
    config = await discover(server, web.clientId, web.secret);
    ({ password, sub } = await server.addUser({ username: 'nora' }));
    await server.addUser({ username: 'omar' });
    session = new Browser(server.issuer);
  });
  after(() => server.close());

  /** A code flow for `scope` with `resource` in the signed-in browser; the token response. */
  async function signIn(scope: string, resource = NOTES): Promise<Record<string, unknown>> {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope, resource, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    let step = await session.visit(url.href);
    if (!('leftTo' in step) && /name="password"/.test(step.html)) step = await session.submit(step, { username: 'nora', password });
    if (!('leftTo' in step) && /name="decision"/.test(step.html)) step = await session.submit(step, { decision: 'allow' });
    if (!('leftTo' in step)) throw new Error(textOf(step.html));
    const code = new URL(step.leftTo).searchParams.get('code')!;
    const answer = await postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }, basic(web.clientId, web.secret!));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  }
  const refresh = async (tokens: Record<string, unknown>) => {
    const answer = await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(tokens['refresh_token']) }, basic(web.clientId, web.secret!));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };
  const userinfo = async (tokens: Record<string, unknown>) =>
    (await (await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${String(tokens['access_token'])}` } })).json()) as Record<string, unknown>;
  const access = (tokens: Record<string, unknown>) => decodeJwt(String(tokens['access_token']));
  const id = (tokens: Record<string, unknown>) => decodeJwt(String(tokens['id_token']));

  it('manages groups and roles from the CLI, refusing bad input with one clear line and changing nothing', async () => {
    await ok('group', 'create', 'staff', '--description', 'Everyone who works here');
    assert.match((await cli('group', 'create', 'STAFF')).stderr, /^tessera: error: a group named 'STAFF' exists already\n$/);
    assert.match((await cli('group', 'create', 'bad name')).stderr, /^tessera: error: a group name is 1 to 64/);
    await ok('group', 'add-member', 'staff', 'nora');
    assert.match((await cli('group', 'add-member', 'staff', 'nobody')).stderr, /^tessera: error: no user 'nobody'\n$/);
    assert.match((await cli('group', 'create', 'ops', '--map', 'no-such-idp=cn=ops')).stderr, /^tessera: error: no identity provider 'no-such-idp'\n$/);

    // An API's role, named through the API's name; a global one.
    await ok('api', 'role', 'add', 'Notes', 'editor', '--scope', 'notes:write', '--description', 'Edits notes');
    assert.match((await cli('api', 'role', 'add', 'Notes', 'viewer', '--scope', 'photos:read')).stderr, /^tessera: error: API 'https:\/\/notes\.example\.com' does not define 'photos:read'\n$/);
    assert.match((await cli('api', 'role', 'add', 'Notes', 'Editor')).stderr, /has a role 'Editor' already/);
    assert.match((await cli('role', 'create', 'auditor', '--scope', 'notes:reed')).stderr, /^tessera: error: no API defines 'notes:reed'\n$/);
    await ok('role', 'create', 'auditor', '--scope', 'notes:read');
    assert.match((await cli('role', 'grant', 'auditor')).stderr, /--user <username\|sub> or --group <name>/);
    assert.match((await cli('role', 'grant', 'nope', '--user', 'nora')).stderr, /no global role 'nope'/);

    // A burst of the same grant: one takes, the others find it done.
    const burst = await Promise.all(Array.from({ length: 6 }, () => tesseraJson<{ granted: boolean }>(['api', 'role', 'grant', NOTES, 'editor', '--group', 'staff', '--json', ...server.storeArgs])));
    assert.equal(burst.filter((r) => r.granted).length, 1);
    const shown = await tesseraJson<{ groups: string[]; scopes: string[]; api: string }>(['role', 'show', 'editor', '--api', NOTES, '--json', ...server.storeArgs]);
    assert.deepEqual(shown, { ...shown, api: NOTES, scopes: ['notes:write'], groups: ['staff'] });
    const group = await tesseraJson<{ members: { username: string }[] }>(['group', 'show', 'staff', '--json', ...server.storeArgs]);
    assert.deepEqual(group.members.map((m) => m.username), ['nora']);
    const roles = await tesseraJson<{ name: string; api: string | null }[]>(['role', 'list', '--json', ...server.storeArgs]);
    assert.deepEqual(roles.map((r) => `${r.api ?? '*'} ${r.name}`).sort(), ['* auditor', `${NOTES} editor`]);
  });

  it('puts roles in the API token and groups in the ID token and userinfo only when granted, and follows membership at the next token', async () => {
    const withGroups = await signIn('openid profile groups offline_access notes:read notes:write');
    assert.deepEqual(access(withGroups)['roles'], ['editor']);
    assert.equal(access(withGroups)['groups'], undefined, 'groups are for the app (ID token, userinfo), not the API');
    assert.deepEqual(id(withGroups)['groups'], ['staff']);
    assert.deepEqual((await userinfo(withGroups))['groups'], ['staff']);

    const without = await signIn('openid profile offline_access notes:read');
    assert.equal(id(without)['groups'], undefined, 'no groups claim without the groups scope');
    assert.equal((await userinfo(without))['groups'], undefined);

    await ok('group', 'remove-member', 'staff', 'nora');
    const after = await refresh(withGroups);
    assert.equal(access(after)['roles'], undefined, 'the role came through the group, which she left');
    assert.deepEqual(id(after)['groups'], []);
    await ok('role', 'grant', 'auditor', '--user', sub);
    await ok('group', 'add-member', 'staff', sub);
    const again = await refresh(after);
    assert.deepEqual([...(access(again)['roles'] as string[])].sort(), ['auditor', 'editor']);
    assert.deepEqual(id(again)['groups'], ['staff']);
    await ok('role', 'revoke', 'auditor', '--user', 'nora');
  });

  it('with --rbac on, withholds the API scopes her roles do not give, and gives them once a role does', async () => {
    const open = await signIn('openid offline_access notes:read notes:write');
    assert.equal(open['scope'], 'openid offline_access notes:read notes:write', 'without RBAC, consent alone decides');
    await ok('api', 'update', NOTES, '--rbac', 'on');
    const limited = await refresh(open);
    assert.equal(limited['scope'], 'openid offline_access notes:write', 'editor gives notes:write, nothing gives notes:read');
    assert.equal(access(limited)['scope'], 'openid offline_access notes:write');
    await ok('role', 'grant', 'auditor', '--group', 'staff');
    const widened = await refresh(limited);
    assert.equal(widened['scope'], 'openid offline_access notes:read notes:write', 'a global role gives notes:read');
    await ok('group', 'delete', 'staff');
    const none = await refresh(widened);
    assert.equal(none['scope'], 'openid offline_access', 'deleting the group took both roles');
    await ok('api', 'update', NOTES, '--rbac', 'off');
  });

  it('releases the user attributes the operator names for this client as claims, and no other', async () => {
    await ok('user', 'update', 'nora', '--attr', 'department=Sales', '--attr', 'cost_centre=4711');
    const before = await signIn('openid profile offline_access notes:read');
    assert.equal(id(before)['department'], undefined, 'no attribute is released until the operator names it');
    assert.equal((await userinfo(before))['department'], undefined);

    assert.match((await cli('client', 'update', web.clientId, '--claim', 'email')).stderr, /'email' is a claim Tessera sets itself/);
    assert.match((await cli('client', 'update', web.clientId, '--claim', 'Dept')).stderr, /'Dept' is not an attribute name/);
    await ok('client', 'update', web.clientId, '--claim', 'department', '--claim', 'title');
    const released = await refresh(before);
    assert.equal(id(released)['department'], 'Sales');
    assert.equal(id(released)['cost_centre'], undefined, 'cost_centre was not named for this client');
    assert.equal(id(released)['title'], undefined, 'a named attribute the user lacks is left out');
    assert.equal(access(released)['department'], undefined, 'attributes are for the app, not in the API token');
    const info = await userinfo(released);
    assert.equal(info['department'], 'Sales');
    assert.equal(info['sub'], sub);

    await ok('user', 'update', 'nora', '--attr', 'department=Support');
    const changed = await refresh(released);
    assert.equal(id(changed)['department'], 'Support', 'the next token says the new value');
    await ok('client', 'update', web.clientId, '--claim', 'none');
    assert.equal((await userinfo(await refresh(changed)))['department'], undefined, 'released no more');
  });

  it('lets the clients an API names introspect its tokens, and no other', async () => {
    const rs = await server.addClient({ name: 'Notes API', grantTypes: ['client_credentials'], scopes: [] });
    const other = await server.addClient({ name: 'Someone else', grantTypes: ['client_credentials'], scopes: [] });
    const token = String((await signIn('openid notes:read'))['access_token']);
    const introspect = async (who: { clientId: string; secret?: string }) => (await postForm(`${server.issuer}/introspect`, { token }, basic(who.clientId, who.secret!))).body;
    assert.deepEqual(await introspect(rs), { active: false });
    assert.match((await cli('api', 'update', NOTES, '--introspection-client', 'no-such-client')).stderr, /no client 'no-such-client'/);
    await ok('api', 'update', NOTES, '--introspection-client', rs.clientId);
    const seen = await introspect(rs);
    assert.equal(seen['active'], true);
    assert.equal(seen['aud'], NOTES);
    assert.deepEqual(await introspect(other), { active: false });
  });

  it('counts a user in a group while their upstream provider says so, by provider and group', async () => {
    const stores = server.tessera.ctx.stores;
    const now = Math.floor(Date.now() / 1000);
    await stores.identityProviders.create({ id: 'idp-corp', name: 'corp', kind: 'oidc', displayName: 'Corp', enabled: false, priority: 10, domains: [], settings: '{}', createdAt: now, updatedAt: now, version: 1 });
    await ok('group', 'create', 'engineers', '--map', 'corp=CN=Eng,OU=Groups,DC=corp');
    const omar = (await stores.users.findByUsername('omar'))!;
    assert.deepEqual(await groupsOfUser(stores, omar.id), []);
    const identity = { providerId: 'idp-corp', subject: 'omar-upstream', userId: omar.id, username: 'omar', email: null, groups: ['cn=eng,ou=groups,dc=corp'], createdAt: now, lastSignInAt: now };
    await stores.federatedIdentities.link(identity);
    assert.deepEqual((await groupsOfUser(stores, omar.id)).map((g) => g.name), ['engineers'], 'provider group names compare as DNs do, ignoring case');
    await stores.federatedIdentities.touch('idp-corp', 'omar-upstream', { username: 'omar', email: null, groups: ['cn=sales,ou=groups,dc=corp'] }, now + 1);
    assert.deepEqual(await groupsOfUser(stores, omar.id), [], 'the next sign-in there said otherwise');
  });
});
