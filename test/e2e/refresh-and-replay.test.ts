import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { basic, postForm, userinfoStatus } from '../helpers/http.js';

const CALLBACK = 'https://app.example.com/cb';

describe('refresh rotation, reuse detection and code replay', () => {
  let server: TestServer;
  let password: string;
  let app: { clientId: string; secret?: string };
  let config: client.Configuration;

  before(async () => {
    server = await startTestServer();
    password = (await server.addUser({ username: 'bob' })).password;
    app = await server.addClient({ name: 'Web', redirectUris: [CALLBACK], scopes: ['openid', 'profile', 'api:read', 'api:write'] });
    config = await discover(server, app.clientId, app.secret);
  });
  after(() => server.close());

  const signIn = (scope = 'openid profile api:read api:write') => codeFlow(server, config, CALLBACK, scope, { username: 'bob', password }, new Browser(server.issuer));

  it('rotates the refresh token on every use', async () => {
    const { tokens } = await signIn();
    const first = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(first.refresh_token && first.refresh_token !== tokens.refresh_token);
    assert.ok(first.claims()?.sub, 'an ID token comes back for openid');
    const second = await client.refreshTokenGrant(config, first.refresh_token);
    assert.ok(second.refresh_token && second.refresh_token !== first.refresh_token);
    assert.equal(await userinfoStatus(server.issuer, second.access_token), 200);
  });

  it('revokes the whole family, and its access tokens, when a rotated refresh token is used again', async () => {
    const { tokens } = await signIn();
    const next = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(await userinfoStatus(server.issuer, next.access_token), 200);

    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
    await assert.rejects(client.refreshTokenGrant(config, next.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
    assert.equal(await userinfoStatus(server.issuer, next.access_token), 401, 'access token of the family is revoked');
    assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 401);
  });

  it('never leaves two live lineages when one refresh token is used in parallel', async () => {
    const { tokens } = await signIn();
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => client.refreshTokenGrant(config, tokens.refresh_token!)));
    const won = attempts.filter((a): a is PromiseFulfilledResult<Awaited<ReturnType<typeof client.refreshTokenGrant>>> => a.status === 'fulfilled');
    assert.ok(won.length <= 1, `${won.length} parallel refreshes succeeded`);
    let live = 0;
    for (const w of won) {
      try {
        await client.refreshTokenGrant(config, w.value.refresh_token!);
        live++;
      } catch {
        // revoked by reuse detection
      }
    }
    assert.ok(live <= 1);
  });

  it('lets scope narrow on refresh but never widen', async () => {
    const { tokens } = await signIn('openid api:read');
    const narrowed = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'api:read' });
    assert.equal(narrowed.scope, 'api:read');
    // The grant keeps its scope: the next refresh may ask for all of it again.
    const full = await client.refreshTokenGrant(config, narrowed.refresh_token!);
    assert.equal(full.scope, 'openid api:read');
    await assert.rejects(client.refreshTokenGrant(config, full.refresh_token!, { scope: 'api:read api:write' }), (e: client.ResponseBodyError) => e.error === 'invalid_scope');
  });

  it('refuses a refresh token presented by another client, and an expired one', async () => {
    const { tokens } = await signIn();
    const other = await server.addClient({ name: 'Other', redirectUris: [CALLBACK], scopes: ['openid'] });
    const stolen = await postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, basic(other.clientId, other.secret!));
    assert.equal(stolen.status, 400);
    assert.equal(stolen.body['error'], 'invalid_grant');

    server.advance(31 * 24 * 3600);
    try {
      await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
    } finally {
      server.advance(-31 * 24 * 3600);
    }
  });

  it('redeems a code once; replaying it revokes what it issued', async () => {
    const { tokens, callback, verifier } = await signIn();
    const code = callback.searchParams.get('code')!;
    const replay = await postForm(
      `${server.issuer}/token`,
      { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
      basic(app.clientId, app.secret!),
    );
    assert.equal(replay.status, 400);
    assert.equal(replay.body['error'], 'invalid_grant');
    assert.equal(replay.headers.get('cache-control'), 'no-store');
    assert.equal(await userinfoStatus(server.issuer, tokens.access_token), 401);
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
  });

  it('refuses an expired code, a code of another client, and a wrong or missing code_verifier', async () => {
    const browser = new Browser(server.issuer);
    await codeFlow(server, config, CALLBACK, 'openid', { username: 'bob', password }, browser);
    const codeFor = async () => {
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
      const back = await browser.authorize(url.href);
      return { code: back.searchParams.get('code')!, verifier };
    };
    const redeem = (form: Record<string, string>, auth = basic(app.clientId, app.secret!)) =>
      postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', redirect_uri: CALLBACK, ...form }, auth);

    const a = await codeFor();
    server.advance(61);
    try {
      assert.equal((await redeem({ code: a.code, code_verifier: a.verifier })).body['error'], 'invalid_grant');
    } finally {
      server.advance(-61);
    }

    const b = await codeFor();
    const other = await server.addClient({ name: 'Thief', redirectUris: [CALLBACK], scopes: ['openid'] });
    assert.equal((await redeem({ code: b.code, code_verifier: b.verifier }, basic(other.clientId, other.secret!))).body['error'], 'invalid_grant');

    const c = await codeFor();
    assert.equal((await redeem({ code: c.code, code_verifier: client.randomPKCECodeVerifier() })).body['error'], 'invalid_grant');
    const d = await codeFor();
    assert.equal((await redeem({ code: d.code })).body['error'], 'invalid_request');
    const e = await codeFor();
    assert.equal((await redeem({ code: e.code, code_verifier: e.verifier, redirect_uri: 'https://app.example.com/other' })).body['error'], 'invalid_grant');
    const f = await codeFor();
    const ok = await redeem({ code: f.code, code_verifier: f.verifier });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
  });

  it('audits a redemption by another client or with a wrong redirect_uri or verifier as code.misuse; it spends nothing, and the rightful client then redeems the code', async () => {
    const browser = new Browser(server.issuer);
    await codeFlow(server, config, CALLBACK, 'openid', { username: 'bob', password }, browser);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const code = (await browser.authorize(url.href)).searchParams.get('code')!;
    const redeem = (form: Record<string, string>, auth = basic(app.clientId, app.secret!)) =>
      postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...form }, auth);
    // Identical failures are kept as one record with a count: compare the tallies before and after.
    const tally = async (type: string) => {
      const counts: Record<string, number> = {};
      for (const e of await server.tessera.ctx.stores.audit.list({ type, limit: 1000 })) {
        const key = `${e.reason}:${e.clientId === app.clientId ? 'app' : 'other'}`;
        counts[key] = (counts[key] ?? 0) + e.count;
      }
      return counts;
    };
    const added = (after: Record<string, number>, before: Record<string, number>) =>
      Object.fromEntries(Object.entries(after).filter(([k, n]) => n !== (before[k] ?? 0)).map(([k, n]) => [k, n - (before[k] ?? 0)]));
    const misusesBefore = await tally('code.misuse');
    const replaysBefore = await tally('code.replay');

    const thief = await server.addClient({ name: 'Thief', redirectUris: [CALLBACK], scopes: ['openid'] });
    const misuses = await Promise.all([
      redeem({ code_verifier: verifier }, basic(thief.clientId, thief.secret!)),
      redeem({ code_verifier: verifier, redirect_uri: 'https://app.example.com/other' }),
      redeem({ code_verifier: client.randomPKCECodeVerifier() }),
      redeem({ code_verifier: 'short' }),
    ]);
    for (const res of misuses) assert.equal(res.body['error'], 'invalid_grant');
    assert.deepEqual(added(await tally('code.misuse'), misusesBefore), { 'code_verifier_mismatch:app': 2, 'other_client:other': 1, 'redirect_uri_mismatch:app': 1 });

    const rightful = await redeem({ code_verifier: verifier });
    assert.equal(rightful.status, 200, 'the misuse did not spend the code');
    assert.equal(await userinfoStatus(server.issuer, rightful.body['access_token'] as string), 200, 'nor revoke what it issues');
    assert.deepEqual(added(await tally('code.replay'), replaysBefore), {}, 'misuse is not recorded as a replay');

    const replay = await redeem({ code_verifier: verifier });
    assert.equal(replay.body['error'], 'invalid_grant');
    assert.deepEqual(added(await tally('code.replay'), replaysBefore), { 'family_revoked:app': 1 }, 'a valid second redemption is the replay');
    assert.equal(await userinfoStatus(server.issuer, rightful.body['access_token'] as string), 401, 'and revokes what the code issued');
  });
});
