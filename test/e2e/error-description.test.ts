import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';

/** RFC 6749 §5.2: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ) */
const ALLOWED = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;
const CALLBACK = 'https://app.example.com/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const HOSTILE = ['bogusé', 'bo"gus', 'bo\\gus', 'bogus\u0000\n', '\u202Egus'];

describe('error_description never reflects what RFC 6749 §5.2 forbids', () => {
  let server: TestServer;
  let app: { clientId: string; secret?: string };
  before(async () => {
    server = await startTestServer({ openRegistration: true });
    app = await server.addClient({ name: 'App', redirectUris: [CALLBACK], scopes: ['openid'] });
  });
  after(() => server.close());

  const allowed = (description: unknown, what: string) => {
    assert.equal(typeof description, 'string', what);
    assert.match(description as string, ALLOWED, `${what}: ${JSON.stringify(description)}`);
    assert.ok(!(description as string).includes('gus'), `${what} echoes the value: ${JSON.stringify(description)}`);
  };

  it('at the token endpoint: an unknown grant_type is named, not echoed', async () => {
    for (const value of HOSTILE) {
      const res = await postForm(`${server.issuer}/token`, { grant_type: value }, basic(app.clientId, app.secret!));
      assert.equal(res.status, 400);
      assert.equal(res.body['error'], 'unsupported_grant_type');
      allowed(res.body['error_description'], `grant_type=${JSON.stringify(value)}`);
    }
    const duplicated = await postForm(`${server.issuer}/token`, 'bogusé=1&bogusé=2&grant_type=client_credentials', basic(app.clientId, app.secret!));
    assert.equal(duplicated.body['error'], 'invalid_request');
    allowed(duplicated.body['error_description'], 'a duplicated parameter with a hostile name');
  });

  it('in error redirects from /authorize: response_type, response_mode and prompt', async () => {
    for (const value of HOSTILE) {
      for (const [name, extra] of [['response_type', {}], ['response_mode', { response_type: 'code' }], ['prompt', { response_type: 'code' }]] as const) {
        const query = new URLSearchParams({ client_id: app.clientId, redirect_uri: CALLBACK, scope: 'openid', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra, [name]: value });
        const res = await fetch(`${server.issuer}/authorize?${query}`, { redirect: 'manual' });
        assert.equal(res.status, 302, `${name}=${JSON.stringify(value)}`);
        const back = new URL(res.headers.get('location')!);
        assert.equal(back.origin + back.pathname, CALLBACK);
        allowed(back.searchParams.get('error_description'), `${name}=${JSON.stringify(value)}`);
      }
    }
  });

  it('in registration errors, which quote a value only when it is plain text', async () => {
    for (const value of HOSTILE) {
      const res = await fetch(`${server.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [CALLBACK], grant_types: ['authorization_code', value], scope: `openid ${value}` }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, 400);
      allowed(body['error_description'], `registration with ${JSON.stringify(value)}`);
    }
    const plain = await fetch(`${server.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://app.example.com/cb'] }) });
    assert.match(((await plain.json()) as Record<string, string>)['error_description']!, /'http:\/\/app\.example\.com\/cb'/, 'plain values are still named');
  });
});
