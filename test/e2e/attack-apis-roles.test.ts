import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tessera, tesseraJson, type Run } from '../helpers/cli.js';
import { discover } from '../helpers/oidc.js';
import { Browser, isPage, textOf } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * Attack review of issue 18 (APIs as RFC 8707 resources, groups, roles, RBAC, API introspection
 * clients). Each test is one attack and asserts the correct behaviour; the bugs they found (an RBAC
 * bypass without resource, an API under the issuer, ambiguous role names and user references,
 * foreign key races, raw control characters in CLI errors) are fixed.
 */

const CALLBACK = 'https://app.example.com/cb';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const NOTES = 'https://notes.example.com';
const PHOTOS = 'https://photos.example.com/api';
const LEDGER = 'https://ledger.example.com';
const TEMP = 'https://temp.example.com';

type Body = Record<string, unknown>;
const scopeOf = (body: Body) => String(body['scope'] ?? '').split(' ').filter((s) => s !== '');
const access = (body: Body) => decodeJwt(String(body['access_token']));
/** A CLI fault shows a stack; a mistake is exactly one `tessera: error: …` line (no raw control characters: no CR, no escape sequences) and exit 1. */
const oneLine = (run: Run) => /^tessera: error: [^\x00-\x08\x0a-\x1f\x7f]*\n$/.test(run.stderr);

describe('attack: APIs, resource indicators, roles, groups', () => {
  let server: TestServer;
  let web: { clientId: string; secret?: string };
  let config: client.Configuration;
  let session: Browser;
  let nora: { sub: string; password: string };
  const cli = (...args: string[]) => tessera([...args, ...server.storeArgs]);
  const ok = async (...args: string[]) => {
    const run = await cli(...args);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return run;
  };
  const token = (form: Record<string, string> | string, who: { clientId: string; secret?: string } = web) => postForm(`${server.issuer}/token`, form, basic(who.clientId, who.secret!));
  const refresh = (rt: unknown, more: Record<string, string> = {}) => token({ grant_type: 'refresh_token', refresh_token: String(rt), ...more });

  before(async () => {
    server = await startTestServer();
    await ok('api', 'create', '--identifier', NOTES, '--name', 'Notes', '--scope', 'notes:read=Read your notes', '--scope', 'notes:write=Change your notes');
    await ok('api', 'create', '--identifier', PHOTOS, '--name', 'Photos', '--scope', 'photos:read=See your photos');
    await ok('api', 'create', '--identifier', LEDGER, '--name', 'Ledger', '--scope', 'ledger:read=See the books', '--scope', 'ledger:write=Change the books', '--rbac', 'on');
    await ok('api', 'create', '--identifier', TEMP, '--name', 'Temp', '--scope', 'temp:read=Temp');
    const scopes = ['openid', 'profile', 'groups', 'offline_access', 'notes:read', 'notes:write', 'photos:read', 'ledger:read', 'ledger:write', 'temp:read'];
    web = await server.addClient({ name: 'Dashboard', redirectUris: [CALLBACK], scopes });
    config = await discover(server, web.clientId, web.secret);
    nora = await server.addUser({ username: 'nora' });
    session = new Browser(server.issuer);
  });
  after(() => server.close());

  /** Signs in (once) and consents in the browser; the code, and a function redeeming it with extra form fields. */
  async function authorize(scope: string, resources: string[] = []) {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    for (const r of resources) url.searchParams.append('resource', r);
    let step = await session.visit(url.href);
    if (!('leftTo' in step) && /name="password"/.test(step.html)) step = await session.submit(step, { username: 'nora', password: nora.password });
    if (!('leftTo' in step) && /name="decision"/.test(step.html)) step = await session.submit(step, { decision: 'allow' });
    if (!('leftTo' in step)) throw new Error(textOf(step.html));
    const back = new URL(step.leftTo);
    const code = back.searchParams.get('code');
    const base = { grant_type: 'authorization_code', code: code ?? '', redirect_uri: CALLBACK, code_verifier: verifier };
    return {
      error: back.searchParams.get('error'),
      redeem: (more: Record<string, string> = {}) => token({ ...base, ...more }),
      /** A raw body, for repeated parameters. */
      redeemRaw: (extra: string) => token(`${new URLSearchParams(base).toString()}&${extra}`),
    };
  }
  async function tokensFor(scope: string, resources: string[], resource?: string): Promise<Body> {
    const answer = await (await authorize(scope, resources)).redeem(resource ? { resource } : {});
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  }

  it('refuses every other spelling of a granted resource at /token, and a refused redemption spends nothing', async () => {
    const code = await authorize('openid offline_access notes:read', [NOTES]);
    const variants = [`${NOTES}/`, 'HTTPS://NOTES.EXAMPLE.COM', 'https://notes.example.com:443', 'https%3A%2F%2Fnotes.example.com', 'https://notes.example.com/%2e', `${NOTES}?tenant=other`, `${NOTES}#frag`, PHOTOS, 'notes', ' https://notes.example.com'];
    for (const resource of variants) {
      const refused = await code.redeem({ resource });
      assert.equal(refused.status, 400, `${resource}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body['error'], 'invalid_target', resource);
    }
    // RFC 8707 lets resource repeat at /token; Tessera gives one API per token, so two is refused, before the code is spent.
    const twice = await code.redeemRaw(`resource=${encodeURIComponent(NOTES)}&resource=${encodeURIComponent(NOTES)}`);
    assert.equal(twice.status, 400, JSON.stringify(twice.body));
    const two = await code.redeemRaw(`resource=${encodeURIComponent(NOTES)}&resource=${encodeURIComponent(PHOTOS)}`);
    assert.equal(two.status, 400, JSON.stringify(two.body));
    const good = await code.redeem({ resource: NOTES });
    assert.equal(good.status, 200, `the refused requests did not burn the code: ${JSON.stringify(good.body)}`);
    assert.equal(access(good.body).aud, NOTES);
  });

  it('at /authorize and device authorization: 11 distinct resources are refused, repeats of one count once, variants of a name are unknown', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `https://api${i}.example.com`);
    assert.equal((await authorize('openid', eleven)).error, 'invalid_target');
    const repeats = await authorize('openid notes:read', Array.from({ length: 12 }, () => NOTES));
    assert.equal(repeats.error, null, 'the same resource twelve times is one resource');
    assert.equal(access((await repeats.redeem()).body).aud, NOTES);
    assert.equal((await authorize('openid notes:read', [`${NOTES}/`])).error, 'invalid_target');
    const tv = await server.addClient({ name: 'TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid', 'notes:read'] });
    const form = new URLSearchParams({ client_id: tv.clientId, scope: 'openid notes:read' });
    for (const r of eleven) form.append('resource', r);
    const refused = await postForm(`${server.issuer}/device_authorization`, form.toString());
    assert.equal(refused.status, 400);
    assert.equal(refused.body['error'], 'invalid_target');
  });

  it('redeems a code exactly once under a burst mixing its granted API and others, and the losers revoke nothing', async () => {
    const code = await authorize('openid offline_access notes:read', [NOTES]);
    const burst = await Promise.all([
      ...Array.from({ length: 3 }, () => code.redeem({ resource: PHOTOS })),
      code.redeem({ resource: NOTES }),
      ...Array.from({ length: 3 }, () => code.redeem({ resource: `${NOTES}/` })),
    ]);
    assert.equal(burst.filter((r) => r.status === 200).length, 1, JSON.stringify(burst.map((r) => r.body['error'] ?? r.status)));
    for (const r of burst.filter((r) => r.status !== 200)) {
      assert.equal(r.status, 400);
      assert.equal(r.body['error'], 'invalid_target', 'a request for another API is no replay');
    }
    const winner = burst.find((r) => r.status === 200)!;
    const next = await refresh(winner.body['refresh_token']);
    assert.equal(next.status, 200, `nothing was revoked: ${JSON.stringify(next.body)}`);
  });

  it('a refused refresh spends nothing, even in a concurrent burst; a mixed burst rotates once and stays consistent', async (t) => {
    const first = await tokensFor('openid offline_access notes:read', [NOTES]);
    const invalid = [PHOTOS, `${NOTES}/`, 'HTTPS://NOTES.EXAMPLE.COM', `${NOTES}?a=b`, 'not a uri', TEMP, `${NOTES}#x`, 'https://unknown.example.com'];
    const refused = await Promise.all(invalid.map((resource) => refresh(first['refresh_token'], { resource })));
    for (const [i, r] of refused.entries()) {
      assert.equal(r.status, 400, invalid[i]);
      assert.equal(r.body['error'], 'invalid_target', invalid[i]);
    }
    const second = await refresh(first['refresh_token'], { resource: NOTES });
    assert.equal(second.status, 200, `the refused refreshes did not spend it: ${JSON.stringify(second.body)}`);

    // One valid refresh among invalid ones: those checked before the rotation are invalid_target;
    // those after present a rotated token, which RFC 9700 §4.14.2 treats as reuse (family revoked).
    const mixed = await Promise.all([...invalid.slice(0, 4).map((resource) => refresh(second.body['refresh_token'], { resource })), refresh(second.body['refresh_token'], { resource: NOTES }), ...invalid.slice(4).map((resource) => refresh(second.body['refresh_token'], { resource }))]);
    const outcomes = mixed.map((r) => (r.status === 200 ? 200 : `${r.status} ${String(r.body["error"])} ${String(r.body["error_description"])}`));
    t.diagnostic(`mixed burst outcomes: ${JSON.stringify(outcomes)}`);
    assert.ok(mixed.filter((r) => r.status === 200).length <= 1);
    assert.ok(mixed.every((r) => r.status === 200 || (r.status === 400 && ['invalid_target', 'invalid_grant'].includes(String(r.body['error'])))), JSON.stringify(outcomes));
    // Decided: reuse of a rotated token is the breach signal whatever else the request says, so the
    // whole lineage dies (even the winner's fresh tokens, checked after recording); otherwise the winner lives on.
    const reused = mixed.some((r) => /already used/.test(String(r.body['error_description'])));
    const winner = mixed.find((r) => r.status === 200);
    if (winner) assert.equal((await refresh(winner.body['refresh_token'])).status === 200, !reused);
    if (reused) assert.equal((await refresh(second.body['refresh_token'], { resource: NOTES })).body['error'], 'invalid_grant');
  });

  it("never puts another API's scope in a token, and scope never widens at refresh (a refused one spends nothing)", async () => {
    const both = await tokensFor('openid offline_access notes:read photos:read', [NOTES, PHOTOS], PHOTOS);
    assert.deepEqual(scopeOf(both).sort(), ['offline_access', 'openid', 'photos:read']);
    const widen = await refresh(both['refresh_token'], { resource: NOTES, scope: 'openid notes:write' });
    assert.equal(widen.body['error'], 'invalid_scope');
    const smuggle = await refresh(both['refresh_token'], { resource: NOTES, scope: 'photos:read' });
    assert.equal(smuggle.status, 200, 'the refused widening did not spend the token');
    assert.equal(access(smuggle.body).aud, NOTES);
    assert.ok(!scopeOf(smuggle.body).includes('photos:read') && !String(access(smuggle.body)['scope'] ?? '').includes('photos'), "a NOTES token never carries PHOTOS' scope");
    const back = await refresh(smuggle.body['refresh_token'], { resource: NOTES });
    assert.deepEqual(scopeOf(back.body).sort(), ['notes:read', 'offline_access', 'openid'], 'narrowing one token keeps the grant');
  });

  describe('RBAC (--rbac on): Ledger gives ledger:read through the role bookkeeper, ledger:write through nothing nora holds', () => {
    before(async () => {
      await ok('api', 'role', 'add', LEDGER, 'bookkeeper', '--scope', 'ledger:read');
      await ok('api', 'role', 'add', LEDGER, 'clerk', '--scope', 'ledger:write');
      await ok('api', 'role', 'grant', LEDGER, 'bookkeeper', '--user', 'nora');
    });

    it('withholds ledger:write on the code flow, at a narrowing refresh, on the device flow and on the password grant', async () => {
      const coded = await tokensFor('openid offline_access ledger:read ledger:write', [LEDGER]);
      assert.deepEqual(scopeOf(coded).sort(), ['ledger:read', 'offline_access', 'openid']);
      assert.deepEqual(access(coded)['roles'], ['bookkeeper']);
      const narrowed = await refresh(coded['refresh_token'], { scope: 'ledger:write' });
      assert.equal(narrowed.status, 200);
      assert.ok(!scopeOf(narrowed.body).includes('ledger:write') && !String(access(narrowed.body)['scope']).includes('ledger:write'), 'narrowing to a withheld scope does not give it');

      const tv = await server.addClient({ name: 'Ledger TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid', 'ledger:read', 'ledger:write'] });
      const start = (await postForm(`${server.issuer}/device_authorization`, { client_id: tv.clientId, scope: 'openid ledger:read ledger:write', resource: LEDGER })).body;
      let page = isPage(await session.visit(String(start['verification_uri_complete'])));
      if (/name="user_code"/.test(page.html)) page = isPage(await session.submit(page, { user_code: String(start['user_code']) }));
      isPage(await session.submit(page, { decision: 'allow' }));
      const device = await postForm(`${server.issuer}/token`, { grant_type: DEVICE_GRANT, device_code: String(start['device_code']), client_id: tv.clientId });
      assert.equal(device.status, 200, JSON.stringify(device.body));
      assert.deepEqual(scopeOf(device.body).sort(), ['ledger:read', 'openid']);

      const legacy = await server.addClient({ name: 'Legacy', grantTypes: ['password'], scopes: ['openid', 'ledger:read', 'ledger:write'] });
      const pwd = await token({ grant_type: 'password', username: 'nora', password: nora.password, scope: 'openid ledger:read ledger:write', resource: LEDGER }, legacy);
      assert.equal(pwd.status, 200, JSON.stringify(pwd.body));
      assert.deepEqual(scopeOf(pwd.body).sort(), ['ledger:read', 'openid']);

      // Documented: client_credentials is the operator's to scope, RBAC does not apply (a machine has no roles).
      const machine = await server.addClient({ name: 'Ledger sync', grantTypes: ['client_credentials'], scopes: ['ledger:write'] });
      const cc = await token({ grant_type: 'client_credentials', resource: LEDGER }, machine);
      assert.equal(cc.body['scope'], 'ledger:write');
      assert.equal(access(cc.body).sub, machine.clientId, 'and its subject is the client, never a user');
    });

    it('a token without resource (aud = the issuer) does not carry ledger:write either: RBAC applies however the token is asked for', async () => {
      // docs/apis.md: "an app receives a scope of this API only if the user holds it through a role — however the consent went".
      const coded = await tokensFor('openid offline_access ledger:read ledger:write', []);
      assert.equal(access(coded).aud, server.issuer);
      assert.ok(!scopeOf(coded).includes('ledger:write'), `code flow without resource: scope is '${String(coded['scope'])}'`);
      const legacy = await server.addClient({ name: 'Legacy 2', grantTypes: ['password'], scopes: ['openid', 'ledger:read', 'ledger:write'] });
      const pwd = await token({ grant_type: 'password', username: 'nora', password: nora.password, scope: 'openid ledger:write' }, legacy);
      assert.ok(!scopeOf(pwd.body).includes('ledger:write'), `password grant without resource: scope is '${String(pwd.body['scope'])}'`);
    });

    it('after `role revoke` returns, no refresh (of five lineages, in a burst) carries the revoked scope', async () => {
      const lineages = await Promise.all(Array.from({ length: 5 }, () => tokensFor('openid offline_access ledger:read ledger:write', [LEDGER])));
      await ok('api', 'role', 'grant', LEDGER, 'clerk', '--user', nora.sub);
      const held = await Promise.all(lineages.map((l) => refresh(l['refresh_token'])));
      assert.ok(held.every((r) => scopeOf(r.body).includes('ledger:write')), 'the role gives it');
      // The revoke and refreshes race; whatever they answer, none fails.
      const [revoke, ...during] = await Promise.all([cli('api', 'role', 'revoke', LEDGER, 'clerk', '--user', 'nora'), ...held.map((r) => refresh(r.body['refresh_token']))]);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.ok(during.every((r) => r.status === 200), JSON.stringify(during.map((r) => r.body)));
      const afterRevoke = await Promise.all(during.map((r) => refresh(r.body['refresh_token'])));
      for (const r of afterRevoke) {
        assert.equal(r.status, 200);
        assert.ok(!scopeOf(r.body).includes('ledger:write') && !String(access(r.body)['scope']).includes('ledger:write'));
        assert.deepEqual(access(r.body)['roles'], ['bookkeeper']);
      }
    });
  });

  it("lets an API's introspection client see that API's access tokens only: not another API's, not refresh tokens, not Tessera's own", async () => {
    const rs = await server.addClient({ name: 'Notes API', grantTypes: ['client_credentials'], scopes: [] });
    await ok('api', 'update', NOTES, '--introspection-client', rs.clientId);
    const forNotes = await tokensFor('openid offline_access notes:read', [NOTES]);
    const forPhotos = await tokensFor('openid offline_access photos:read', [PHOTOS]);
    const forIssuer = await tokensFor('openid offline_access notes:read', []);
    const introspect = async (tokenValue: unknown, headers: Record<string, string> = basic(rs.clientId, rs.secret!), more: Record<string, string> = {}) =>
      postForm(`${server.issuer}/introspect`, { token: String(tokenValue), ...more }, headers);
    assert.equal((await introspect(forNotes['access_token'])).body['active'], true);
    assert.deepEqual((await introspect(forPhotos['access_token'])).body, { active: false });
    assert.deepEqual((await introspect(forNotes['refresh_token'], undefined, { token_type_hint: 'refresh_token' })).body, { active: false });
    assert.deepEqual((await introspect(forIssuer['access_token'])).body, { active: false });
    // No credentials, a public client, a wrong secret: refused outright.
    assert.equal((await introspect(forNotes['access_token'], {})).status, 401);
    const spa = await server.addClient({ name: 'SPA', type: 'public', redirectUris: [CALLBACK], scopes: ['openid'] });
    const publicCaller = await introspect(forNotes['access_token'], {}, { client_id: spa.clientId });
    assert.equal(publicCaller.status, 401);
    assert.equal(publicCaller.body['error'], 'invalid_client');
    assert.equal((await introspect(forNotes['access_token'], basic(rs.clientId, 'wrong'))).status, 401);
  });

  it("refuses an API whose identifier is the issuer (its introspection client would read every client's tokens for Tessera itself) or a client's id", async () => {
    // A careless operator: `api create --identifier <the issuer>`. Tokens without resource have aud = the issuer.
    const other = await tokensFor('openid offline_access', []);
    const rs = await server.addClient({ name: 'Curious API', grantTypes: ['client_credentials'], scopes: [] });
    const created = await cli('api', 'create', '--identifier', server.issuer, '--name', 'Self', '--introspection-client', rs.clientId);
    assert.equal(created.code, 1);
    assert.ok(oneLine(created), created.stderr);
    assert.match(created.stderr, /is this server's issuer/);
    for (const spelling of [`${server.issuer}/`, server.issuer.replace('http://', 'HTTP://')]) {
      assert.match((await cli('api', 'create', '--identifier', spelling, '--name', 'Self')).stderr, /is this server's issuer/, spelling);
    }
    assert.match((await cli('api', 'create', '--identifier', rs.clientId, '--name', 'Lookalike')).stderr, /is this server's issuer|is a client's id|absolute URI/);
    // Even an API stored under the issuer (by a version that allowed it) is neither a resource nor a way into others' tokens.
    const now = Math.floor(Date.now() / 1000);
    const stores = server.tessera.ctx.stores;
    await stores.apis.create({ id: 'self-api', identifier: server.issuer, name: 'Self', scopes: [], accessTokenTtl: null, accessTokenAlg: null, rbac: false, introspectionClients: [rs.clientId], createdAt: now, updatedAt: now, version: 1 });
    try {
      const seen = await postForm(`${server.issuer}/introspect`, { token: String(other['access_token']) }, basic(rs.clientId, rs.secret!));
      assert.deepEqual(seen.body, { active: false }, "another client's token for Tessera itself is not the API's to read");
      const named = await refresh(other['refresh_token'], { resource: server.issuer });
      assert.equal(named.body['error'], 'invalid_target');
    } finally {
      await stores.apis.delete('self-api');
    }
  });

  it('claims: no groups without the groups scope (also for an API token), no roles claim when none are held', async () => {
    await ok('group', 'create', 'readers');
    await ok('group', 'add-member', 'readers', 'nora');
    const plain = await tokensFor('openid offline_access notes:read', [NOTES]);
    assert.equal(access(plain)['roles'], undefined, 'nora holds no role of Notes');
    assert.equal(access(plain)['groups'], undefined);
    assert.equal(decodeJwt(String(plain['id_token']))['groups'], undefined);
    const info = (await (await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${String(plain['access_token'])}` } })).json()) as Body;
    assert.equal(info['groups'], undefined);
    const withGroups = await tokensFor('openid groups notes:read', [NOTES]);
    const shown = (await (await fetch(`${server.issuer}/userinfo`, { headers: { authorization: `Bearer ${String(withGroups['access_token'])}` } })).json()) as Body;
    assert.deepEqual(shown['groups'], ['readers']);
    await ok('group', 'delete', 'readers');
  });

  it('an API deleted mid-lineage: refresh, code and device code are refused with invalid_target, never a 500, and one created again does not revive them', async () => {
    const lineage = await tokensFor('openid offline_access temp:read', [TEMP]);
    const pending = await authorize('openid temp:read', [TEMP]);
    const tv = await server.addClient({ name: 'Temp TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid', 'temp:read'] });
    const start = (await postForm(`${server.issuer}/device_authorization`, { client_id: tv.clientId, scope: 'openid temp:read', resource: TEMP })).body;
    let page = isPage(await session.visit(String(start['verification_uri_complete'])));
    if (/name="user_code"/.test(page.html)) page = isPage(await session.submit(page, { user_code: String(start['user_code']) }));
    isPage(await session.submit(page, { decision: 'allow' }));
    await ok('api', 'delete', TEMP);
    const answers = await Promise.all([
      refresh(lineage['refresh_token']),
      refresh(lineage['refresh_token'], { resource: TEMP }),
      pending.redeem(),
      postForm(`${server.issuer}/token`, { grant_type: DEVICE_GRANT, device_code: String(start['device_code']), client_id: tv.clientId }),
    ]);
    for (const a of answers) {
      assert.equal(a.status, 400, JSON.stringify(a.body));
      assert.ok(['invalid_target', 'invalid_grant'].includes(String(a.body['error'])), JSON.stringify(a.body));
    }
    // An API created again under the same identifier is another API: the old lineage stays dead.
    await new Promise((r) => setTimeout(r, 1100)); // creation times are in seconds
    await ok('api', 'create', '--identifier', TEMP, '--name', 'Temp again', '--scope', 'temp:read=Something else now');
    const revived = await refresh(lineage['refresh_token']);
    assert.equal(revived.status, 400, JSON.stringify(revived.body));
    assert.equal(revived.body['error'], 'invalid_target');
    assert.match(String(revived.body['error_description']), /created anew/);
  });

  it('refuses a global role named like an API role (and the reverse), even when both are created at once, so the roles claim stays unambiguous', async () => {
    await ok('api', 'role', 'add', NOTES, 'admin', '--scope', 'notes:write', '--description', 'Runs Notes');
    // Meant for something else entirely: as a global role, Notes' roles claim would show it as 'admin' too.
    const global = await cli('role', 'create', 'Admin', '--description', 'Photos moderators');
    assert.equal(global.code, 1);
    assert.ok(oneLine(global), global.stderr);
    assert.match(global.stderr, /taken by the role 'admin' of API 'https:\/\/notes\.example\.com'/);
    await ok('role', 'create', 'moderator');
    const reverse = await cli('api', 'role', 'add', PHOTOS, 'MODERATOR');
    assert.match(reverse.stderr, /^tessera: error: 'MODERATOR' is taken by the global role 'moderator'/);
    await ok('api', 'role', 'add', PHOTOS, 'admin', '--description', 'Roles of different APIs never meet in one claim');

    // Both at once, in bursts: at most one of the two kinds survives, never both.
    for (const name of ['auditor-race', 'owner-race', 'viewer-race']) {
      await Promise.all([
        ...Array.from({ length: 3 }, () => cli('role', 'create', name)),
        ...Array.from({ length: 3 }, () => cli('api', 'role', 'add', NOTES, name.toUpperCase())),
      ]);
      const kinds = (await tesseraJson<{ name: string; api: string | null }[]>(['role', 'list', '--json', ...server.storeArgs])).filter((r) => r.name.toLowerCase() === name);
      assert.ok(kinds.length <= 1, `${name}: ${JSON.stringify(kinds)}`);
    }
  });

  it('`role grant --user <sub>` and `group add-member <sub>` reach the user with that sub, never one whose username is that sub', async () => {
    const victim = await server.addUser({ username: 'victoria' });
    // A username may look like a sub (a JIT account takes its upstream preferred_username).
    const squatter = await server.addUser({ username: victim.sub });
    await ok('role', 'create', 'auditor-x', '--scope', 'notes:read');
    await ok('group', 'create', 'finance');
    const grant = await cli('role', 'grant', 'auditor-x', '--user', victim.sub);
    const member = await cli('group', 'add-member', 'finance', victim.sub);
    const role = await tesseraJson<{ users: string[] }>(['role', 'show', 'auditor-x', ...server.storeArgs]);
    const group = await tesseraJson<{ members: { sub: string; username: string }[] }>(['group', 'show', 'finance', ...server.storeArgs]);
    // The sub wins: it is unique and never changes.
    assert.equal(grant.code, 0, grant.stderr);
    assert.equal(member.code, 0, member.stderr);
    assert.deepEqual(role.users, ['victoria'], `the role went to the squatter (username ${squatter.username})`);
    assert.deepEqual(group.members.map((m) => m.username), ['victoria'], 'the squatter joined finance');
  });

  it('refuses bad names and flags at the CLI with one line, exit 1, changing nothing (control characters shown escaped)', async () => {
    const before = await tesseraJson<unknown[]>(['group', 'list', ...server.storeArgs]);
    const rolesBefore = await tesseraJson<unknown[]>(['role', 'list', ...server.storeArgs]);
    const attempts: string[][] = [
      ['group', 'create', 'x'.repeat(65)],
      ['group', 'create', 'y'.repeat(20000)],
      ['group', 'create', 'ståff'],
      ['group', 'create', 'stаff'], // Cyrillic а
      ['group', 'create', 'ops', '--map', 'corp'],
      ['group', 'create', 'ops', '--map', '=cn=ops'],
      ['group', 'create', 'ops', '--map', 'corp='],
      ['group', 'create', 'ops', '--map', 'nope=cn=ops'],
      ['group', 'create', 'ops', '--description', 'a\u0007bell'],
      ['role', 'create', 'r'.repeat(65)],
      ['role', 'create', 'røle'],
      ['role', 'create', 'ok-role', '--scope', 'nope:read'],
      ['api', 'role', 'add', NOTES, 'ed\titor'],
      ['group', 'create', 'evil\nline'],
      ['group', 'create', 'evil\u001b[31mred'],
      ['role', 'create', 'evil\r\ntessera: all good'],
      ['group', 'add-member', 'nobody-group', 'x\ny'],
      ['role', 'grant', 'nope\nnope', '--user', 'nora'],
      ['group', 'create', 'ops', '--map', 'corp\nx=cn=ops'],
    ];
    const runs = await Promise.all(attempts.map((a) => cli(...a)));
    const bad = runs.map((r, i) => ({ args: JSON.stringify(attempts[i]).slice(0, 80), code: r.code, stderr: r.stderr.slice(0, 160) })).filter((r, i) => runs[i]!.code !== 1 || !oneLine(runs[i]!));
    assert.deepEqual(bad, [], 'each is one `tessera: error: …` line and exit 1');
    assert.deepEqual(await tesseraJson<unknown[]>(['group', 'list', ...server.storeArgs]), before);
    assert.deepEqual(await tesseraJson<unknown[]>(['role', 'list', ...server.storeArgs]), rolesBefore);
  });

  it('concurrent grant/delete, add-member/delete, role add/api delete from the CLI: no stack, no orphan rows', async () => {
    await ok('api', 'create', '--identifier', 'https://race.example.com', '--name', 'Race', '--scope', 'race:go=Go');
    await ok('role', 'create', 'racer', '--scope', 'race:go');
    await ok('group', 'create', 'runners');
    await ok('role', 'grant', 'racer', '--group', 'runners');
    const runs = await Promise.all([
      ...Array.from({ length: 3 }, () => cli('role', 'grant', 'racer', '--user', 'nora')),
      cli('role', 'delete', 'racer'),
      ...Array.from({ length: 3 }, () => cli('group', 'add-member', 'runners', 'nora')),
      cli('group', 'delete', 'runners'),
      ...Array.from({ length: 3 }, (_, i) => cli('api', 'role', 'add', 'https://race.example.com', `lap${i}`, '--scope', 'race:go')),
      cli('api', 'delete', 'https://race.example.com'),
    ]);
    for (const r of runs) assert.ok(r.code === 0 || (r.code === 1 && oneLine(r)), `exit ${r.code}: ${r.stderr.slice(0, 300)}`);
    const db = new Sqlite(join(server.dataDir, 'tessera.sqlite'), { readonly: true });
    try {
      const count = (q: string) => (db.prepare(q).get() as { n: number }).n;
      assert.equal(count("select count(*) n from roles where name_key in ('racer','lap0','lap1','lap2')"), 0);
      assert.equal(count("select count(*) n from groups where name_key = 'runners'"), 0);
      assert.equal(count('select count(*) n from role_users where role_id not in (select id from roles)'), 0);
      assert.equal(count('select count(*) n from role_groups where role_id not in (select id from roles) or group_id not in (select id from groups)'), 0);
      assert.equal(count('select count(*) n from group_members where group_id not in (select id from groups)'), 0);
      assert.equal(count("select count(*) n from roles where api_id is not null and api_id not in (select id from apis)"), 0);
    } finally {
      db.close();
    }
  });
});

describe('attack: role and group stores on PostgreSQL under concurrent deletes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({}, undefined, { postgres: true });
  });
  after(async () => {
    await server.close();
  });

  it('grant / add-member / API role create racing a delete find "nothing to do", never a foreign key violation', async () => {
    const stores = server.tessera.ctx.stores;
    const user = await server.addUser({ username: 'nora' });
    const failures: string[] = [];
    const collect = (settled: PromiseSettledResult<unknown>[]) => settled.forEach((s) => s.status === 'rejected' && failures.push(String((s.reason as Error).message).slice(0, 120)));
    for (let i = 0; i < 30; i++) {
      const role = { id: randomUUID(), apiId: null, name: `r${i}`, description: '', scopes: [], createdAt: 1, updatedAt: 1 };
      await stores.roles.create(role);
      collect(await Promise.allSettled([stores.roles.grant(role.id, { kind: 'user', id: user.sub }, 1), stores.roles.delete(role.id)]));
      const group = { id: randomUUID(), name: `g${i}`, description: '', mappings: [], externalId: null, createdAt: 1, updatedAt: 1 };
      await stores.groups.create(group);
      collect(await Promise.allSettled([stores.groups.addMember(group.id, user.sub, 1), stores.groups.delete(group.id)]));
      const api = { id: randomUUID(), identifier: `https://a${i}.example.com`, name: `a${i}`, scopes: [], accessTokenTtl: null, accessTokenAlg: null, rbac: false, introspectionClients: [], createdAt: 1, updatedAt: 1, version: 1 };
      await stores.apis.create(api);
      collect(await Promise.allSettled([stores.roles.create({ ...role, id: randomUUID(), apiId: api.id }), stores.apis.delete(api.id)]));
    }
    const kinds = [...new Set(failures)];
    assert.deepEqual(kinds, [], `${failures.length} operations threw (the CLI shows a stack trace for each)`);
  });
});
