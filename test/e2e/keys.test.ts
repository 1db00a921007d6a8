import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeProtectedHeader } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { basic, postForm } from '../helpers/http.js';
import { tessera, tesseraJson } from '../helpers/cli.js';

interface KeyView {
  kid: string;
  alg: string;
  state: 'active' | 'retired' | 'prunable';
  retired_at: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('signing key rotation with the CLI while the server runs', () => {
  let server: TestServer;
  let app: { clientId: string; secret?: string };
  let config: client.Configuration;
  let data: string[];

  before(async () => {
    // Reload keys every second so the test sees a rotation quickly; the default is 5 s.
    server = await startTestServer({ intervals: { keyReload: 1 } });
    app = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api:read'] });
    config = await discover(server, app.clientId, app.secret);
    data = server.storeArgs;
  });
  after(() => server.close());

  const jwks = async () => ((await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string; alg: string }[] }).keys.map((k) => k.kid);
  const tokenKid = async () => decodeProtectedHeader((await client.clientCredentialsGrant(config)).access_token).kid!;

  it('lists the keys made on first start: one active per algorithm', async () => {
    const keys = await tesseraJson<KeyView[]>(['keys', 'list', ...data]);
    assert.deepEqual(keys.map((k) => [k.alg, k.state]).sort(), [['ES256', 'active'], ['PS256', 'active'], ['RS256', 'active']]);
    assert.deepEqual((await jwks()).sort(), keys.map((k) => k.kid).sort());
  });

  it('rotates: new tokens are signed by the new key within seconds; the old key stays published and its tokens stay valid', async () => {
    const before = await client.clientCredentialsGrant(config);
    const oldKid = decodeProtectedHeader(before.access_token).kid!;
    const added = await tesseraJson<KeyView[]>(['keys', 'rotate', ...data]);
    assert.deepEqual(added.map((k) => k.alg).sort(), ['ES256', 'PS256', 'RS256']);
    const newKid = added.find((k) => k.alg === 'ES256')!.kid;

    let kid = oldKid;
    for (let i = 0; i < 50 && kid !== newKid; i++) {
      await sleep(100);
      kid = await tokenKid();
    }
    assert.equal(kid, newKid, 'the server signs with the new key');
    const published = await jwks();
    assert.ok(published.includes(newKid) && published.includes(oldKid), 'both keys are in the JWKS');
    const introspected = await postForm(`${server.issuer}/introspect`, { token: before.access_token }, basic(app.clientId, app.secret!));
    assert.equal(introspected.body['active'], true, 'a token signed by the retired key is still good');

    const listed = await tesseraJson<KeyView[]>(['keys', 'list', ...data]);
    assert.equal(listed.find((k) => k.kid === oldKid)?.state, 'retired');
    assert.equal(listed.filter((k) => k.state === 'active').length, 3);
  });

  it('prunes a retired key only once every token it signed has expired', async () => {
    const retired = (await tesseraJson<KeyView[]>(['keys', 'list', ...data])).filter((k) => k.state === 'retired');
    assert.ok(retired.length >= 2);
    assert.deepEqual(await tesseraJson(['keys', 'prune', ...data]), { pruned: [] }, 'too early: its tokens may still be in use');

    // Pretend the ES256 key was retired long ago.
    const old = retired.find((k) => k.alg === 'ES256')!;
    await server.tessera.ctx.stores.keys.delete(old.kid);
    await server.tessera.ctx.stores.keys.add({ kid: old.kid, alg: 'ES256', privateJwk: '{}', createdAt: 1, retiredAt: 2 });
    assert.deepEqual(await tesseraJson(['keys', 'prune', ...data]), { pruned: [old.kid] });
    assert.equal((await tesseraJson<KeyView[]>(['keys', 'list', ...data])).some((k) => k.kid === old.kid), false);
  });

  it('prunes automatically in the background cleanup, after the tokens have expired', async () => {
    await tesseraJson(['keys', 'rotate', '--alg', 'RS256', ...data]);
    await server.tessera.ctx.keys.reload();
    const retired = (await tesseraJson<KeyView[]>(['keys', 'list', ...data])).filter((k) => k.state === 'retired').map((k) => k.kid);
    assert.ok(retired.length > 0);
    assert.equal((await server.tessera.cleanUp()).keys, 0);
    server.advance(3600 + 120);
    try {
      assert.equal((await server.tessera.cleanUp()).keys, retired.length);
      const published = await jwks();
      for (const kid of retired) assert.equal(published.includes(kid), false, 'pruned keys leave the JWKS');
      assert.ok((await client.clientCredentialsGrant(config)).access_token, 'the active keys still sign');
    } finally {
      server.advance(-(3600 + 120));
    }
  });

  it('refuses an unknown algorithm', async () => {
    const run = await tessera(['keys', 'rotate', '--alg', 'HS256', ...data]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--alg must be one of ES256, RS256, PS256/);
  });
});
