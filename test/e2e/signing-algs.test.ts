import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow } from '../helpers/oidc.js';
import { tessera, tesseraJson } from '../helpers/cli.js';

const CALLBACK = 'https://app.example.com/cb';

/** openid-client for a client that registered `alg` for its ID tokens, checking their signatures against the JWKS (non-repudiation). */
function relyingParty(server: TestServer, clientId: string, secret: string | undefined, alg?: string): Promise<client.Configuration> {
  const metadata: Partial<client.ClientMetadata> = { ...(secret ? { client_secret: secret } : {}), ...(alg ? { id_token_signed_response_alg: alg } : {}) };
  return client.discovery(new URL(server.issuer), clientId, metadata, secret ? client.ClientSecretBasic(secret) : client.None(), {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });
}

describe('signing algorithms per client', () => {
  let server: TestServer;
  let user: { username: string; password: string };

  before(async () => {
    server = await startTestServer({ openRegistration: true });
    user = await server.addUser({ username: 'ines' });
  });
  after(() => server.close());

  const createClient = (...args: string[]) =>
    tesseraJson<Record<string, unknown>>(['client', 'create', '--name', 'Signed', '--redirect-uri', CALLBACK, '--scope', 'openid profile', ...args, ...server.storeArgs]);

  it('advertises RS256, ES256 and PS256 for ID tokens, and publishes one key per algorithm, each naming it', async () => {
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata['id_token_signing_alg_values_supported'], ['RS256', 'ES256', 'PS256']);
    const { keys } = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    assert.deepEqual(keys.map((k) => [k['alg'], k['kty'], k['use']]).sort(), [['ES256', 'EC', 'sig'], ['PS256', 'RSA', 'sig'], ['RS256', 'RSA', 'sig']]);
    const rsa = keys.filter((k) => k['kty'] === 'RSA');
    assert.notEqual(rsa[0]!['n'], rsa[1]!['n'], 'PS256 and RS256 do not share a key');
  });

  for (const alg of ['ES256', 'PS256'] as const) {
    it(`signs the ID tokens of a client that asks for ${alg} with ${alg}, verified by openid-client against the JWKS`, async () => {
      const created = await createClient('--id-token-alg', alg);
      assert.equal(created['id_token_signed_response_alg'], alg);
      const rp = await relyingParty(server, String(created['client_id']), String(created['client_secret']), alg);
      const { tokens } = await codeFlow(server, rp, CALLBACK, 'openid profile', user);
      assert.equal(decodeProtectedHeader(tokens.id_token!).alg, alg);
      assert.equal(tokens.claims()?.sub, (await server.tessera.ctx.stores.users.findByUsername('ines'))!.id);
      // The same again through a refresh: openid-client checks the new ID token's signature too.
      const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token!);
      assert.equal(decodeProtectedHeader(refreshed.id_token!).alg, alg);
      // A relying party expecting another algorithm refuses it: the header says what signed it.
      const other = await relyingParty(server, String(created['client_id']), String(created['client_secret']), 'RS256');
      await assert.rejects(codeFlow(server, other, CALLBACK, 'openid', user), (e: Error) => /unexpected JWT "alg" header parameter/.test(String((e.cause as Error | undefined)?.message)));
    });
  }

  it('keeps RS256 for clients that name no algorithm, and goes back to it with --id-token-alg default', async () => {
    const created = await createClient('--id-token-alg', 'ES256');
    const id = String(created['client_id']);
    const updated = await tesseraJson<Record<string, unknown>>(['client', 'update', id, '--id-token-alg', 'default', ...server.storeArgs]);
    assert.equal(updated['id_token_signed_response_alg'], undefined);
    const rp = await relyingParty(server, id, String(created['client_secret']));
    const { tokens } = await codeFlow(server, rp, CALLBACK, 'openid', user);
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');
  });

  it('signs the access tokens of a client set to RS256 with RS256, verifiable against the JWKS', async () => {
    const created = await tesseraJson<Record<string, unknown>>(['client', 'create', '--name', 'Batch', '--grant-type', 'client_credentials', '--scope', 'reports:read', '--access-token-alg', 'RS256', ...server.storeArgs]);
    assert.equal(created['access_token_alg'], 'RS256');
    const rp = await relyingParty(server, String(created['client_id']), String(created['client_secret']));
    const { access_token } = await client.clientCredentialsGrant(rp);
    const { protectedHeader } = await jwtVerify(access_token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, typ: 'at+jwt' });
    assert.equal(protectedHeader.alg, 'RS256');
  });

  it('refuses an algorithm it does not sign with, in one line and a non-zero exit', async () => {
    for (const [flag, value, message] of [
      ['--id-token-alg', 'HS256', "tessera: error: ID token algorithm 'HS256' is not supported (supported: RS256, ES256, PS256)"],
      ['--id-token-alg', 'none', "tessera: error: ID token algorithm 'none' is not supported (supported: RS256, ES256, PS256)"],
      ['--access-token-alg', 'PS256', "tessera: error: access token algorithm 'PS256' is not supported (supported: ES256, RS256)"],
    ] as const) {
      const run = await tessera(['client', 'create', '--name', 'Bad', '--redirect-uri', CALLBACK, flag, value, ...server.storeArgs]);
      assert.equal(run.code, 1, `${flag} ${value}`);
      assert.equal(run.stderr, `${message}\n`);
    }
  });

  describe('dynamic registration (RFC 7591) with id_token_signed_response_alg', () => {
    const register = async (body: Record<string, unknown>, method = 'POST', url = `${server.issuer}/register`, token?: string) => {
      const response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const metadata = { client_name: 'Self-registered', redirect_uris: [CALLBACK], grant_types: ['authorization_code', 'refresh_token'], scope: 'openid' };

    it('registers a client that asks for ES256, and signs its ID tokens so', async () => {
      const { status, body } = await register({ ...metadata, id_token_signed_response_alg: 'ES256' });
      assert.equal(status, 201);
      assert.equal(body['id_token_signed_response_alg'], 'ES256');
      const rp = await relyingParty(server, String(body['client_id']), String(body['client_secret']), 'ES256');
      const { tokens } = await codeFlow(server, rp, CALLBACK, 'openid', user);
      assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'ES256');
    });

    it('answers with the default it applied, and a PUT that omits the member goes back to it (RFC 7592 §2.2)', async () => {
      const plain = await register(metadata);
      assert.equal(plain.body['id_token_signed_response_alg'], 'RS256');
      const ps = await register({ ...metadata, id_token_signed_response_alg: 'PS256' });
      const uri = String(ps.body['registration_client_uri']);
      const token = String(ps.body['registration_access_token']);
      const put = await register({ ...metadata, client_id: ps.body['client_id'] }, 'PUT', uri, token);
      assert.equal(put.status, 200);
      assert.equal(put.body['id_token_signed_response_alg'], 'RS256');
    });

    it('refuses an algorithm it does not sign with as invalid_client_metadata', async () => {
      for (const alg of ['HS256', 'none', 'RS512', 7]) {
        const { status, body } = await register({ ...metadata, id_token_signed_response_alg: alg });
        assert.equal(status, 400, String(alg));
        assert.equal(body['error'], 'invalid_client_metadata');
        assert.match(String(body['error_description']), /id_token_signed_response_alg|ID token algorithm/);
      }
    });

    it('ignores lifetimes and the access token algorithm in registration metadata: only operators set those', async () => {
      const { status, body } = await register({ ...metadata, access_token_ttl: 86400, access_token_alg: 'RS256' });
      assert.equal(status, 201);
      const stored = await server.tessera.ctx.stores.clients.find(String(body['client_id']));
      assert.deepEqual([stored?.lifetimes, stored?.accessTokenAlg], [{}, null]);
    });
  });
});
