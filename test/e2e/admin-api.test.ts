import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';
import { ADMIN_ROUTES } from '../../src/core/admin-api/index.js';

/**
 * The admin API (/admin/v1) end to end: real client-credentials tokens, every resource, scopes,
 * problem details, pagination, ETag/If-Match, and the OpenAPI document checked by a validator.
 */

type Body = Record<string, unknown>;
interface Answer {
  status: number;
  body: Body;
  headers: Headers;
}

describe('admin API', () => {
  let server: TestServer;
  let adminToken: string;
  let readToken: string;
  let otherToken: string;
  let adminClientId: string;

  async function clientToken(scopes: string[]): Promise<{ token: string; clientId: string }> {
    const client = await server.addClient({ name: `admin ${scopes.join(' ')}`, grantTypes: ['client_credentials'], scopes });
    const answer = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: scopes.join(' ') }, basic(client.clientId, client.secret!));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return { token: String(answer.body['access_token']), clientId: client.clientId };
  }

  async function call(method: string, path: string, body?: unknown, token: string | null = adminToken, headers: Record<string, string> = {}): Promise<Answer> {
    const init: RequestInit = { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${server.issuer}/admin/v1${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Body), headers: response.headers };
  }
  const ok = async (method: string, path: string, body?: unknown, expected = 200): Promise<Body> => {
    const answer = await call(method, path, body);
    assert.equal(answer.status, expected, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const isProblem = (answer: Answer, status: number) => {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(answer.body['status'], status);
    assert.equal(typeof answer.body['detail'], 'string');
    assert.equal(answer.body['type'], 'about:blank');
  };

  before(async () => {
    server = await startTestServer();
    const admin = await clientToken(['tessera:admin']);
    adminToken = admin.token;
    adminClientId = admin.clientId;
    readToken = (await clientToken(['tessera:admin:read'])).token;
    otherToken = (await clientToken(['tessera:audit'])).token;
  });
  after(() => server.close());

  it('serves an OpenAPI 3.1 document that a validator accepts and that lists every route', async () => {
    const response = await fetch(`${server.issuer}/admin/v1/openapi.json`);
    assert.equal(response.status, 200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    assert.equal(document.openapi, '3.1.0');
    const result = await new Validator().validate(document as never);
    assert.equal(result.valid, true, String(JSON.stringify(result.errors ?? null)).slice(0, 2000));
    const documented = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const served = ADMIN_ROUTES.map((r) => `${r.method} /admin/v1${r.path}`);
    assert.deepEqual(documented.sort(), served.sort());
    assert.equal(new Set(ADMIN_ROUTES.map((r) => r.operationId)).size, ADMIN_ROUTES.length, 'operation ids are unique');
  });

  it('refuses no token (401), a user-less token without the scope (403), and writes with a read-only token (403)', async () => {
    const none = await call('GET', '/users', undefined, null);
    isProblem(none, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer /);
    isProblem(await call('GET', '/users', undefined, 'not-a-token'), 401);
    const wrong = await call('GET', '/users', undefined, otherToken);
    isProblem(wrong, 403);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    assert.equal((await call('GET', '/users', undefined, readToken)).status, 200);
    const write = await call('POST', '/groups', { name: 'readers' }, readToken);
    isProblem(write, 403);
    assert.match(String(write.body['detail']), /read-only/);
    isProblem(await call('GET', '/groups?name=x', undefined, readToken), 400);
  });

  it('a user signing in cannot use a token of theirs, even one carrying the admin scope name', async () => {
    // A client allowed tessera:admin for users: the user's token still is no admin token.
    const { password } = await server.addUser({ username: 'mallory' });
    const legacy = await server.addClient({ name: 'legacy', grantTypes: ['password'], scopes: ['tessera:admin'] });
    const answer = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: 'mallory', password, scope: 'tessera:admin' }, basic(legacy.clientId, legacy.secret!));
    if (answer.status === 200) isProblem(await call('GET', '/users', undefined, String(answer.body['access_token'])), 403);
  });

  it('manages APIs, groups, roles and memberships, and audits each change with the admin client as actor', async () => {
    const api = await ok('POST', '/apis', { identifier: 'https://notes.example.com', name: 'Notes', scopes: [{ name: 'notes:read', description: 'Read notes' }] }, 201);
    assert.equal(api['identifier'], 'https://notes.example.com');
    const apiId = String(api['id']);
    isProblem(await call('POST', '/apis', { identifier: 'https://notes.example.com', name: 'Again' }), 409);
    isProblem(await call('POST', '/apis', { identifier: 'not a uri', name: 'Bad' }), 400);
    isProblem(await call('POST', '/apis', { identifier: server.issuer, name: 'Self' }), 400);
    const shown = await call('GET', `/apis/${apiId}`);
    assert.equal(shown.status, 200);
    assert.ok(shown.headers.get('etag'));
    const patched = await ok('PATCH', `/apis/${apiId}`, { rbac: true });
    assert.equal(patched['rbac'], true);

    const group = await ok('POST', '/groups', { name: 'editors', description: 'Edit things' }, 201);
    const groupId = String(group['id']);
    const { sub } = await server.addUser({ username: 'nora' });
    assert.deepEqual(await ok('PUT', `/groups/${groupId}/members/${sub}`), { changed: true });
    assert.deepEqual(await ok('PUT', `/groups/${groupId}/members/${sub}`), { changed: false });
    isProblem(await call('PUT', `/groups/${groupId}/members/nora`), 404); // users are named by sub on the network
    const members = await ok('GET', `/groups/${groupId}/members`);
    assert.deepEqual(members['items'], [{ sub, username: 'nora' }]);

    const role = await ok('POST', '/roles', { name: 'reader', api_id: apiId, scopes: ['notes:read'] }, 201);
    const roleId = String(role['id']);
    isProblem(await call('POST', '/roles', { name: 'READER' }), 409); // a global role named like the API's
    isProblem(await call('POST', '/roles', { name: 'writer', api_id: apiId, scopes: ['notes:write'] }), 400);
    assert.deepEqual(await ok('PUT', `/roles/${roleId}/groups/${groupId}`), { changed: true });
    isProblem(await call('PUT', `/roles/${roleId}/teams/${groupId}`), 404);
    assert.deepEqual(await ok('GET', `/roles/${roleId}/holders`), { users: [], groups: [groupId] });
    const apiRoles = await ok('GET', `/roles?api_id=${apiId}`);
    assert.deepEqual((apiRoles['items'] as Body[]).map((r) => r['name']), ['reader']);

    const events = await ok('GET', `/audit-events?type=role.granted`);
    const granted = (events['items'] as Body[])[0]!;
    assert.equal(granted['actor'], `client:${adminClientId}`);
    assert.match(String(granted['reason']), /reader to group editors/);

    await ok('DELETE', `/roles/${roleId}`, undefined, 204);
    await ok('DELETE', `/groups/${groupId}`, undefined, 204);
    await ok('DELETE', `/apis/${apiId}`, undefined, 204);
    isProblem(await call('GET', `/apis/${apiId}`), 404);
  });

  it('updates and unlocks users by sub; refuses bad fields with a pointer to each, changing nothing', async () => {
    const { sub } = await server.addUser({ username: 'omar', email: 'omar@example.com' });
    const user = await ok('GET', `/users/${sub}`);
    assert.equal(user['username'], 'omar');
    assert.deepEqual(user['mfa'], { totp: 'none', enrolled_at: null, backup_codes_remaining: 0 });
    const changed = await ok('PATCH', `/users/${sub}`, { name: 'Omar K', attributes: { department: 'Sales' } });
    assert.equal(changed['name'], 'Omar K');
    assert.deepEqual(changed['attributes'], { department: 'Sales' });

    const bad = await call('PATCH', `/users/${sub}`, { name: 'x', sub: 'other', email_verified: 'yes' });
    isProblem(bad, 400);
    assert.ok((bad.body['errors'] as Body[]).length >= 1);
    isProblem(await call('PATCH', `/users/${sub}`, { attributes: { email: 'evil@example.com' } }), 400);
    isProblem(await call('PATCH', `/users/${sub}`, '{"name":', adminToken), 400);
    isProblem(await call('PATCH', `/users/${sub}`, 'name=x', adminToken, { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    assert.equal((await ok('GET', `/users/${sub}`))['name'], 'Omar K', 'nothing changed');
    const found = await ok('GET', '/users?username=OMAR');
    assert.deepEqual((found['items'] as Body[]).map((u) => u['sub']), [sub]);
    assert.equal((await ok('POST', `/users/${sub}/unlock`))['sub'], sub);
    isProblem(await call('GET', '/users/no-such-user'), 404);
    isProblem(await call('DELETE', `/users/${sub}/nothing-here`), 404);
    isProblem(await call('PUT', `/users/${sub}`), 405);
  });

  it("creates a user who signs in; lists and revokes their consents; disabling stops their tokens at once; deletes them", async () => {
    isProblem(await call('POST', '/users', { username: 'quinn', password: 'short' }), 400);
    const created = await ok('POST', '/users', { username: 'quinn', email: 'quinn@example.com', password: 'a long enough password for quinn' }, 201);
    const sub = String(created['sub']);
    isProblem(await call('POST', '/users', { username: 'QUINN' }), 409);
    const burst = await Promise.all(Array.from({ length: 6 }, () => call('POST', '/users', { username: 'rita' })));
    assert.equal(burst.filter((a) => a.status === 201).length, 1, JSON.stringify(burst.map((a) => a.status)));
    assert.ok(burst.every((a) => a.status === 201 || a.status === 409));

    const app = await server.addClient({ name: 'Legacy app', grantTypes: ['password', 'refresh_token'], scopes: ['openid', 'offline_access'] });
    const signIn = await postForm(`${server.issuer}/token`, { grant_type: 'password', username: 'quinn', password: 'a long enough password for quinn', scope: 'openid offline_access' }, basic(app.clientId, app.secret!));
    assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
    const consents = await ok('GET', `/users/${sub}/consents`);
    assert.deepEqual((consents['items'] as Body[]).map((c) => c['client_id']), [app.clientId]);
    assert.deepEqual((await ok('GET', `/users/${sub}/sessions`))['items'], []);

    await ok('PUT', `/users/${sub}/password`, { password: 'another long enough password' }, 204);
    const disabled = await ok('POST', `/users/${sub}/disable`);
    assert.equal(disabled['disabled'], true);
    const refresh = await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(signIn.body['refresh_token']) }, basic(app.clientId, app.secret!));
    assert.equal(refresh.status, 400, 'the refresh token stopped with the disable');
    const introspected = await postForm(`${server.issuer}/introspect`, { token: String(signIn.body['access_token']) }, basic(app.clientId, app.secret!));
    assert.deepEqual(introspected.body, { active: false });
    assert.equal((await ok('POST', `/users/${sub}/enable`))['disabled'], false);
    assert.deepEqual(await ok('DELETE', `/users/${sub}/mfa`), { changed: false });
    assert.deepEqual(await ok('DELETE', `/users/${sub}/consents/${app.clientId}`), { changed: false }, 'the disable revoked it already');

    const events = await ok('GET', `/audit-events?user=${sub}`);
    const reasons = (events['items'] as Body[]).filter((e) => e['actor'] === `client:${adminClientId}`).map((e) => `${String(e['type'])}:${String(e['reason'])}`);
    assert.ok(reasons.includes('user.changed:disabled') && reasons.includes('user.changed:password_set') && reasons.includes('user.created:null'), reasons.join(','));
    await ok('DELETE', `/users/${sub}`, undefined, 204);
    isProblem(await call('GET', `/users/${sub}`), 404);
  });

  it('registers a client that then gets tokens; rotates its secret, disables and deletes it; 412 on a stale ETag', async () => {
    const created = await ok('POST', '/clients', { client_name: 'Billing sync', grant_types: ['client_credentials'], scope: 'tessera:audit' }, 201);
    const clientId = String(created['client_id']);
    const secret = String(created['client_secret']);
    assert.ok(secret.length >= 40);
    const token = async (s: string) => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'tessera:audit' }, basic(clientId, s));
    const first = await token(secret);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const shown = await call('GET', `/clients/${clientId}`);
    assert.equal(shown.body['client_secret'], undefined, 'the secret is shown once');
    isProblem(await call('POST', '/clients', { client_name: 'Bad', redirect_uris: ['http://evil.example.com/cb'], grant_types: ['authorization_code'] }), 400);
    isProblem(await call('POST', '/clients', { client_name: 'Bad', scope: 7 }), 400);

    const renamed = await call('PATCH', `/clients/${clientId}`, { client_name: 'Billing export' }, adminToken, { 'if-match': shown.headers.get('etag')! });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    isProblem(await call('PATCH', `/clients/${clientId}`, { client_name: 'Stale' }, adminToken, { 'if-match': shown.headers.get('etag')! }), 412);
    assert.equal((await ok('GET', `/clients/${clientId}`))['client_name'], 'Billing export');

    const rotated = await ok('POST', `/clients/${clientId}/secret`);
    assert.equal((await token(secret)).status, 401, 'the old secret stops at once');
    const second = await token(String(rotated['client_secret']));
    assert.equal(second.status, 200);
    assert.equal((await ok('PATCH', `/clients/${clientId}`, { disabled: true }))['disabled'], true);
    const audit = await fetch(`${server.issuer}/admin/audit?limit=1`, { headers: { authorization: `Bearer ${String(second.body['access_token'])}` } });
    assert.equal(audit.status, 401, "a disabled client's token stops at once");
    await ok('DELETE', `/clients/${clientId}`, undefined, 204);
    isProblem(await call('GET', `/clients/${clientId}`), 404);
    const listed = await ok('GET', '/clients?limit=200');
    assert.ok((listed['items'] as Body[]).some((c) => c['client_id'] === adminClientId));
  });

  it('rotates signing keys (the new key is published) and issues registration tokens that dynamic registration takes once', async () => {
    const before = (await ok('GET', '/keys'))['items'] as Body[];
    const rotated = (await ok('POST', '/keys/rotate', { algs: ['ES256'] }))['items'] as Body[];
    const fresh = rotated.find((k) => k['alg'] === 'ES256' && k['state'] === 'active' && !before.some((b) => b['kid'] === k['kid']));
    assert.ok(fresh, JSON.stringify(rotated));
    const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    assert.ok(jwks.keys.some((k) => k.kid === fresh['kid']));
    isProblem(await call('POST', '/keys/rotate', { algs: ['HS256'] }), 400);
    assert.ok(Array.isArray((await ok('POST', '/keys/prune'))['pruned']));

    const issued = await ok('POST', '/registration-tokens', { uses: 1 }, 201);
    const register = () =>
      fetch(`${server.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${String(issued['token'])}` },
        body: JSON.stringify({ client_name: 'Registered', redirect_uris: ['https://app.example.com/cb'] }),
      });
    const registrations = await Promise.all([register(), register(), register()]);
    assert.equal(registrations.filter((r) => r.status === 201).length, 1, 'a one-use token registers one client, even in a burst');
    const tokens = (await ok('GET', '/registration-tokens'))['items'] as Body[];
    assert.equal(tokens.find((t) => t['id'] === issued['id'])?.['state'], 'used_up');
    assert.ok(!JSON.stringify(tokens).includes(String(issued['token'])));
    await ok('DELETE', `/registration-tokens/${String(issued['id'])}`, undefined, 204);
    isProblem(await call('DELETE', `/registration-tokens/${String(issued['id'])}`), 404);
  });

  it('answers 412 to a write based on a stale read, and of a burst with the same ETag at most one wins', async () => {
    const { sub } = await server.addUser({ username: 'petra' });
    const read = await call('GET', `/users/${sub}`);
    const etag = read.headers.get('etag')!;
    const first = await call('PATCH', `/users/${sub}`, { name: 'Petra 1' }, adminToken, { 'if-match': etag });
    assert.equal(first.status, 200);
    assert.notEqual(first.headers.get('etag'), etag);
    isProblem(await call('PATCH', `/users/${sub}`, { name: 'Petra 2' }, adminToken, { 'if-match': etag }), 412);
    isProblem(await call('PATCH', `/users/${sub}`, { name: 'Petra 2' }, adminToken, { 'if-match': `W/${etag}` }), 412);
    assert.equal((await ok('GET', `/users/${sub}`))['name'], 'Petra 1');
    assert.equal((await call('PATCH', `/users/${sub}`, { name: 'Petra 3' }, adminToken, { 'if-match': '*' })).status, 200);

    const group = await ok('POST', '/groups', { name: 'burst', description: 'v0' }, 201);
    const tag = (await call('GET', `/groups/${String(group['id'])}`)).headers.get('etag')!;
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => call('PATCH', `/groups/${String(group['id'])}`, { description: `v${i + 1}` }, adminToken, { 'if-match': tag })));
    assert.equal(burst.filter((a) => a.status === 200).length, 1, JSON.stringify(burst.map((a) => a.status)));
    assert.ok(burst.every((a) => a.status === 200 || a.status === 412), JSON.stringify(burst.map((a) => a.status)));
  });

  it('pages lists with a cursor that neither repeats nor skips items added meanwhile', async () => {
    for (let i = 0; i < 7; i++) await ok('POST', '/groups', { name: `page-${i}` }, 201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Body = await ok('GET', `/groups?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(page['items'] as Body[]).map((g) => String(g['id'])));
      cursor = page['next_cursor'] as string | null;
      if (pages++ === 0) await ok('POST', '/groups', { name: 'page-late' }, 201);
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, 'no repeats');
    const all = await ok('GET', '/groups?limit=200');
    const ids = (all['items'] as Body[]).map((g) => String(g['id']));
    assert.ok(ids.filter((id) => !seen.includes(id)).length <= 1, 'only the one added meanwhile may be missed');
    isProblem(await call('GET', '/groups?cursor=garbage'), 400);
    isProblem(await call('GET', '/groups?limit=0'), 400);
    isProblem(await call('GET', '/groups?limit=1&limit=2'), 400);
  });

  it('reads the audit log at /admin/v1/audit-events and still at /admin/audit, with admin or audit scopes', async () => {
    const page = await ok('GET', '/audit-events?limit=2');
    assert.equal((page['items'] as Body[]).length, 2);
    const next = await ok('GET', `/audit-events?limit=2&cursor=${String(page['next_cursor'])}`);
    assert.ok(Number((next['items'] as Body[])[0]!['id']) < Number((page['items'] as Body[])[1]!['id']));
    isProblem(await call('GET', '/audit-events?type=nope'), 400);
    for (const token of [adminToken, readToken, otherToken]) {
      const legacy = await fetch(`${server.issuer}/admin/audit?limit=1`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(legacy.status, 200);
    }
    isProblem(await call('GET', '/audit-events', undefined, otherToken), 403);
  });

  it('manages and tests identity providers without ever showing a secret', async () => {
    const created = await ok('POST', '/identity-providers', { name: 'corp', kind: 'oidc', display_name: 'Corp', secret: 's3cret-value', oidc: { issuer: 'https://idp.example.com', clientId: 'tessera' } }, 201);
    assert.equal(created['has_secret'], true);
    assert.ok(!JSON.stringify(created).includes('s3cret-value'));
    assert.equal((await ok('POST', '/identity-providers/corp/disable'))['enabled'], false);
    assert.equal((await ok('POST', '/identity-providers/corp/enable'))['enabled'], true);
    assert.equal((await ok('PATCH', '/identity-providers/corp', { display_name: 'Corp SSO' }))['display_name'], 'Corp SSO');
    isProblem(await call('POST', '/identity-providers', { name: 'bad', kind: 'oidc', oidc: { issuer: 'not a url' } }), 400);
    // idp test: the check a sign-in would make, answered as ok/problem; a read-only token may not make the server connect out.
    const failed = await ok('POST', '/identity-providers/corp/test', {});
    assert.equal(failed['ok'], false);
    assert.equal(typeof failed['problem'], 'string');
    isProblem(await call('POST', '/identity-providers/corp/test', {}, readToken), 403);
    isProblem(await call('POST', '/identity-providers/nope/test', {}), 404);
    await ok('POST', '/identity-providers', { name: 'self', kind: 'oidc', secret: 'x', oidc: { issuer: server.issuer, clientId: 'tessera' } }, 201);
    assert.deepEqual(await ok('POST', '/identity-providers/self/test', {}), { ok: true, checked: 'discovery and keys fetched' });
    await ok('DELETE', '/identity-providers/self', undefined, 204);
    await ok('DELETE', '/identity-providers/corp', undefined, 204);
    isProblem(await call('GET', '/identity-providers/corp'), 404);
  });

  it('never answers 500 to malformed input: bad JSON, bad encodings, huge bodies, unknown paths', async () => {
    const attempts: Answer[] = await Promise.all([
      call('POST', '/groups', '[1,2', adminToken),
      call('POST', '/groups', 'null', adminToken),
      call('POST', '/groups', { name: 'x'.repeat(100_000) }, adminToken),
      call('GET', '/users/%E0%A4%A', undefined, adminToken),
      call('GET', '/nothing', undefined, adminToken),
      call('POST', '/groups', { name: 'ok', extra: true }, adminToken),
      call('POST', '/roles', { name: 'r', api_id: 'no-such-api' }, adminToken),
      call('PATCH', '/apis/none', { name: 'x' }, adminToken),
    ]);
    for (const a of attempts) {
      assert.ok(a.status >= 400 && a.status < 500, `${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
      assert.match(a.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
  });
});
