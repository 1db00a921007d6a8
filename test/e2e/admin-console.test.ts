import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser, isPage, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { grantAdminRole, openAdminConsole, revokeAdminRole, setupAdmin } from '../helpers/admin-console.js';
import { addProvider } from '../../src/core/admin/identity-providers.js';
import type { StoredAuditEvent } from '../../src/store/ports.js';
import { confirmEnrollment, startEnrollment } from '../../src/core/accounts/mfa.js';
import { totp } from '../helpers/totp.js';

type Person = { sub: string; username: string; password: string };

describe('admin console', () => {
  let server: TestServer;
  let root: Person;
  let plain: Person;
  let session: { browser: Browser; page: Page; totpKey: string };

  before(async () => {
    server = await startTestServer();
    root = await server.addUser({ username: 'root', name: 'Rita Root' });
    plain = await server.addUser({ username: 'plain' });
    await grantAdminRole(server, root.username);
    session = await openAdminConsole(server, root);
  });
  after(() => server.close());

  const url = (path: string) => `${server.issuer}/admin${path}`;
  const visit = async (path: string, browser = session.browser) => isPage(await browser.visit(url(path)));
  /** Posts a form of `page` (found by the end of its action), as the browser would. */
  const submit = async (page: Page, actionEnd: string, fields: Record<string, string> = {}) => isPage(await session.browser.submit(page, fields, actionEnd));
  const csrf = (page: Page) => /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page.html)?.[1] ?? assert.fail('no csrf field');
  const rawPost = (path: string, fields: Record<string, string>, browser = session.browser) =>
    browser.request(url(path), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const events = async (filter: { type?: string; user?: string; clientId?: string }): Promise<StoredAuditEvent[]> => server.tessera.ctx.stores.audit.list({ ...filter, limit: 100 });
  const byConsole = (list: StoredAuditEvent[]) => list.filter((e) => e.actor === `user:${root.sub}`);

  it('asks strangers to sign in, refuses users without the role with 403, and leaves /admin/audit and /admin/v1 as they were', async () => {
    const stranger = isPage(await new Browser(server.issuer).visit(url('')));
    assert.match(stranger.html, /name="password"/);
    const other = new Browser(server.issuer);
    const login = isPage(await other.visit(url('/users')));
    const refused = isPage(await other.submit(login, { username: plain.username, password: plain.password }));
    assert.equal(refused.status, 403);
    assert.match(textOf(refused.html), /open only to operators/);
    assert.equal(refused.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal((await fetch(`${server.issuer}/admin/audit`)).status, 401);
    const openapi = await fetch(`${server.issuer}/admin/v1/openapi.json`);
    assert.equal(openapi.status, 200);
    assert.equal((await fetch(`${server.issuer}/admin/v1/users`)).headers.get('content-type'), 'application/problem+json; charset=utf-8');
  });

  it('sends an operator without a second factor to set one up, then shows the dashboard with charts and their numbers', async () => {
    const fresh = await server.addUser({ username: 'newop' });
    await grantAdminRole(server, fresh.username);
    const { page } = await openAdminConsole(server, fresh);
    assert.equal(page.status, 200);
    assert.match(page.html, /<svg[^>]*aria-hidden="true"/);
    assert.match(textOf(page.html), /Last 24 hours.*Sign-ins \d+.*Sign-in failures \d+.*Lockouts \d+.*Tokens issued \d+/);
    assert.match(textOf(page.html), /Last 7 days/);
    assert.ok(!/<script/i.test(page.html), 'no script on the page');
    // A signed-in session without the factor (password only) is sent to it on its next visit.
    const plainSession = new Browser(server.issuer);
    const toAccount = isPage(await plainSession.visit(`${server.issuer}/account`));
    const other = await server.addUser({ username: 'op2' });
    await grantAdminRole(server, other.username);
    isPage(await plainSession.submit(toAccount, { username: other.username, password: other.password }));
    const stepUp = await visit('', plainSession);
    assert.match(textOf(stepUp.html), /Set up two-step verification/);
  });

  it('refuses a POST whose CSRF token is missing, forged or from another session, and changes nothing', async () => {
    const victim = await server.addUser({ username: 'victim' });
    const path = `/users/${victim.sub}/disable`;
    const op = await server.addUser({ username: 'op3' });
    await grantAdminRole(server, op.username);
    const other = await openAdminConsole(server, op);
    const othersToken = csrf(await visit('/users', other.browser));
    for (const fields of [{ confirm: 'yes' }, { confirm: 'yes', csrf: 'forged' }, { confirm: 'yes', csrf: othersToken }]) {
      const answer = await rawPost(path, fields);
      assert.equal(answer.status, 403);
    }
    assert.equal((await server.tessera.ctx.stores.users.findById(victim.sub))?.disabled, false);
  });

  it('manages a user: create, edit, disable after confirming, enable, unlock, reset MFA, end sessions, revoke a consent; each change audited as the operator', async () => {
    const list = await visit('/users');
    const created = await submit(list, '/users/new', { username: 'carol', email: 'carol@example.com', name: 'Carol', password: 'a long enough password' });
    assert.equal(created.status, 201);
    const sub = /<code id="user_sub">([^<]+)<\/code>/.exec(created.html)![1]!;
    const taken = await submit(await visit('/users'), '/users/new', { username: 'CAROL' });
    assert.equal(taken.status, 409);
    assert.match(textOf(taken.html), /username &#39;CAROL&#39; is taken/);

    const edited = await submit(created, '/profile', { name: 'Carol C.', email: 'cc@example.com', attributes: 'department=Sales\ncost_center=42' });
    assert.match(textOf(edited.html), /Profile saved/);
    assert.deepEqual((await server.tessera.ctx.stores.users.findById(sub))?.attributes, { department: 'Sales', cost_center: '42' });

    // Disabling without the box ticked asks first; the confirmation page's button does it.
    const asked = await submit(edited, '/disable');
    assert.match(textOf(asked.html), /Disable this user\?/);
    assert.equal((await server.tessera.ctx.stores.users.findById(sub))?.disabled, false);
    const disabled = await submit(asked, '/disable');
    assert.match(textOf(disabled.html), /The user is disabled/);
    assert.equal((await server.tessera.ctx.stores.users.findById(sub))?.disabled, true);
    const enabled = await submit(disabled, '/enable');
    assert.equal((await server.tessera.ctx.stores.users.findById(sub))?.disabled, false);

    // Carol signs in (a session) and gives an app consent; the operator ends and revokes them.
    const app = await server.addClient({ name: 'Notes', type: 'confidential', redirectUris: ['https://notes.example.com/cb'], scopes: ['openid'] });
    await server.tessera.ctx.stores.grants.upsert(sub, app.clientId, ['openid'], server.tessera.ctx.now());
    const carol = new Browser(server.issuer);
    isPage(await carol.submit(isPage(await carol.visit(`${server.issuer}/account`)), { username: 'carol', password: 'a long enough password' }));
    const withSession = await visit(`/users/${sub}`);
    assert.match(textOf(withSession.html), /End all sessions/);
    const ended = await submit(withSession, '/sessions/end', { confirm: 'yes' });
    assert.match(textOf(ended.html), /Sessions ended/);
    assert.equal((await server.tessera.ctx.stores.sessions.listByUser(sub, server.tessera.ctx.now())).length, 0);
    const revoked = await submit(ended, '/revoke', { confirm: 'yes' });
    assert.match(textOf(revoked.html), /Consent revoked/);
    assert.equal((await server.tessera.ctx.stores.grants.listByUser(sub)).length, 0);
    await submit(enabled, '/unlock');
    // Carol set up an authenticator; the operator removes it (a lost phone).
    const { ctx } = server.tessera;
    const enrollment = await startEnrollment(ctx, sub, 'carol', 'setup');
    assert.ok(await confirmEnrollment(ctx, sub, totp(enrollment!.secret, ctx.now()), 'setup'));
    const withMfa = await visit(`/users/${sub}`);
    assert.match(textOf(withMfa.html), /Two-step verification on/);
    const mfaLess = await submit(withMfa, '/mfa/reset', { confirm: 'yes' });
    assert.match(textOf(mfaLess.html), /Two-step verification removed.*Two-step verification off/);
    assert.equal(await ctx.stores.mfa.find(sub), undefined);

    const audited = byConsole(await events({ user: sub }));
    const reasons = audited.map((e) => `${e.type}:${e.reason ?? ''}`);
    for (const expected of ['user.created:', 'user.changed:disabled', 'user.changed:enabled', 'user.unlocked:not_locked', 'session.ended:operator:all:1', 'consent.revoked:operator', 'mfa.reset:operator']) {
      assert.ok(reasons.some((r) => r.startsWith(expected)), `${expected} in ${reasons.join(', ')}`);
    }
    assert.ok(reasons.some((r) => r.startsWith('user.changed:updated:')), 'profile change audited');
    assert.ok(audited.every((e) => e.ip !== null), 'the operator\'s address is recorded');
  });

  it('manages a client: the secret shown once, a bad redirect URI shown on the page, rotate, disable, enable, delete', async () => {
    const list = await visit('/clients');
    const bad = await submit(list, '/clients', { name: 'Bad', type: 'confidential', redirect_uris: 'javascript:alert(1)', scope: 'openid' });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /class="error"/);
    const created = await submit(list, '/clients', { name: 'Backend', type: 'confidential', redirect_uris: '', scope: '', 'grant:client_credentials': 'on' });
    assert.equal(created.status, 201);
    const clientId = /<code id="client_id">([^<]+)<\/code>/.exec(created.html)![1]!;
    const secret = /<code id="client_secret">([^<]+)<\/code>/.exec(created.html)![1]!;
    const shown = await visit(`/clients/${clientId}`);
    assert.ok(!shown.html.includes(secret), 'the secret is shown only once');
    const token = (s: string) => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(clientId, s));
    assert.equal((await token(secret)).status, 200);

    const renamed = await submit(shown, '/settings', { name: 'Backend service', redirect_uris: '', scope: '' });
    assert.match(textOf(renamed.html), /Client saved/);
    const rotated = await submit(renamed, '/secret', { confirm: 'yes' });
    const next = /<code id="client_secret">([^<]+)<\/code>/.exec(rotated.html)![1]!;
    assert.equal((await token(secret)).status, 401);
    assert.equal((await token(next)).status, 200);
    const disabled = await submit(rotated, '/disable', { confirm: 'yes' });
    assert.match(disabled.html, /id="client_state">disabled/);
    assert.notEqual((await token(next)).status, 200);
    const enabled = await submit(disabled, '/enable');
    assert.match(enabled.html, /id="client_state">active/);
    const deleted = await submit(enabled, '/delete', { confirm: 'yes' });
    assert.match(textOf(deleted.html), /Client Backend service deleted/);
    assert.equal((await visit(`/clients/${clientId}`)).status, 404);

    const reasons = byConsole(await events({ clientId })).map((e) => `${e.type}:${e.reason ?? ''}`);
    for (const expected of ['client.created:operator', 'client.changed:metadata', 'client.changed:secret_rotated', 'client.changed:disabled', 'client.changed:enabled', 'client.deleted:']) {
      assert.ok(reasons.includes(expected), `${expected} in ${reasons.join(', ')}`);
    }
  });

  it('answers unknown ids with a 404 page, never a 500', async () => {
    assert.equal((await visit('/users/no-such-user')).status, 404);
    assert.equal((await visit('/clients/no-such-client')).status, 404);
    assert.equal((await visit('/no-such-page')).status, 404);
    const page = await visit('/users');
    const answer = await rawPost('/clients/no-such-client/secret', { csrf: csrf(page), confirm: 'yes' });
    assert.equal(answer.status, 404);
    assert.match(answer.headers.get('content-type') ?? '', /text\/html/);
  });

  it('defines an API and roles, grants a role, rotates keys, disables and enables a provider, all audited as the operator', async () => {
    const page = await visit('/access');
    const api = await submit(page, '/access/apis', { identifier: 'https://api.example.com', name: 'Orders', scopes: 'orders:read=Read orders' });
    assert.equal(api.status, 201, textOf(api.html));
    const role = await submit(api, '/access/roles', { api: 'https://api.example.com', role: 'clerk', description: 'Front desk' });
    assert.equal(role.status, 201, textOf(role.html));
    const granted = await submit(role, '/access/grants', { api: 'https://api.example.com', role: 'clerk', holder_kind: 'user', holder: plain.username });
    assert.match(textOf(granted.html), /Role clerk granted/);
    const unknown = await submit(granted, '/access/grants', { api: '', role: 'clerk', holder_kind: 'user', holder: plain.username });
    assert.equal(unknown.status, 404);
    assert.match(textOf(unknown.html), /no global role &#39;clerk&#39;/);
    const apiId = (await server.tessera.ctx.stores.apis.findByIdentifier('https://api.example.com'))!.id;
    const deleted = await submit(granted, `/access/apis/${apiId}/delete`, { confirm: 'yes' });
    assert.match(textOf(deleted.html), /API Orders deleted/);

    const keys = await visit('/keys');
    const before = (await server.tessera.ctx.stores.keys.all()).length;
    const rotated = await submit(keys, '/keys/rotate', { confirm: 'yes' });
    assert.match(textOf(rotated.html), /New keys/);
    assert.ok((await server.tessera.ctx.stores.keys.all()).length > before);
    await addProvider(setupAdmin(server), { name: 'corp', kind: 'oidc', displayName: 'Corp', secret: 's3cret-value', oidc: { issuer: 'https://idp.example.com', clientId: 'tessera' } });
    const providers = await visit('/providers');
    const off = await submit(providers, '/providers/corp/disable', { confirm: 'yes' });
    assert.match(textOf(off.html), /Corp disabled/);
    assert.equal((await server.tessera.ctx.stores.identityProviders.findByName('corp'))?.enabled, false);
    const on = await submit(off, '/providers/corp/enable');
    assert.match(textOf(on.html), /Corp enabled/);

    const types = byConsole(await events({})).map((e) => e.type);
    for (const t of ['api.created', 'role.created', 'role.granted', 'api.deleted', 'key.rotated', 'idp.changed']) assert.ok(types.includes(t as never), `${t} audited`);
  });

  it('locks the console at the next request once the role is taken back', async () => {
    const op = await server.addUser({ username: 'temp-op' });
    await grantAdminRole(server, op.username);
    const { browser, page } = await openAdminConsole(server, op);
    assert.equal(page.status, 200);
    await revokeAdminRole(server, op.username);
    assert.equal((await visit('/users', browser)).status, 403);
    const answer = await rawPost(`/users/${plain.sub}/disable`, { csrf: csrf(await visit('/users')), confirm: 'yes' }, browser);
    assert.equal(answer.status, 403);
    assert.equal((await server.tessera.ctx.stores.users.findById(plain.sub))?.disabled, false);
  });

  it('filters the audit log and exports it as CSV (quotes, line breaks and formula prefixes escaped) and JSON', async () => {
    const { ctx } = server.tessera;
    await ctx.audit.record({ type: 'login.failure', username: '=HYPERLINK("http://evil")', userAgent: 'agent "quoted", with comma\nand a line break', reason: '+1+2', ip: '@198.51.100.7' });
    await ctx.audit.record({ type: 'login.failure', username: '-minus', userAgent: 'plain', reason: 'wrong_password' });
    const filtered = await visit('/audit-log?type=login.failure&since=1h');
    assert.match(textOf(filtered.html), /=hyperlink/);
    const csvLink = /href="([^"]*export\.csv[^"]*)"/.exec(filtered.html)![1]!.replace(/&amp;/g, '&');
    const csv = await session.browser.request(new URL(csvLink, url('/audit-log')).href);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="tessera-audit\.csv"/);
    const text = await csv.text();
    assert.ok(text.startsWith('"id","time","type"'), text.slice(0, 80));
    assert.ok(text.includes(`"'=hyperlink(""http://evil"")"`), 'formula prefixed, quotes doubled');
    assert.ok(text.includes('"agent ""quoted"", with comma\nand a line break"'), 'line break kept inside its quoted cell');
    assert.ok(text.includes(`"'+1+2"`) && text.includes(`"'@198.51.100.7"`) && text.includes(`"'-minus"`));
    assert.ok(!/"login\.success"/.test(text), 'only the filtered type');
    const json = await session.browser.request(url('/audit-log/export.json?type=login.failure'));
    const body = (await json.json()) as { items: { username: string }[] };
    assert.ok(body.items.some((e) => e.username === '=hyperlink("http://evil")'));
    const badFilter = await visit('/audit-log?since=yesterday');
    assert.equal(badFilter.status, 400);
    assert.match(textOf(badFilter.html), /since must be/);
  });

  it('survives five concurrent submits of "rotate secret" with one token: all answered, one secret works, five rotations audited', async () => {
    const app = await server.addClient({ name: 'Busy', type: 'confidential', grantTypes: ['client_credentials'], scopes: [] });
    const page = await visit(`/clients/${app.clientId}`);
    const token = csrf(page);
    const answers = await Promise.all(Array.from({ length: 5 }, () => rawPost(`/clients/${app.clientId}/secret`, { csrf: token, confirm: 'yes' })));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
    const secrets = await Promise.all(answers.map(async (a) => /<code id="client_secret">([^<]+)<\/code>/.exec(await a.text())![1]!));
    assert.equal(new Set(secrets).size, 5);
    const working = [];
    for (const s of secrets) if ((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(app.clientId, s))).status === 200) working.push(s);
    assert.equal(working.length, 1, 'exactly one secret works');
    const rotations = byConsole(await events({ clientId: app.clientId })).filter((e) => e.reason === 'secret_rotated');
    assert.equal(rotations.length, 5);
  });
});
