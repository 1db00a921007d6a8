import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CALLBACK = 'https://dyn.example.com/cb';

describe('URLs a self-registered app gives (logo_uri, jwks_uri, …) never point to local hosts', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ openRegistration: true });
  });
  after(() => server.close());

  const register = async (metadata: Record<string, unknown>) => {
    const response = await fetch(`${server.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Hosts', redirect_uris: [CALLBACK], ...metadata }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('normalizes the host (trailing dot, case, international names) before checking it', async () => {
    const local = [
      'https://localhost./logo.png',
      'https://LOCALHOST/logo.png',
      'https://metadata.google.internal./computeMetadata/v1/',
      'https://Metadata.Google.Internal/computeMetadata/v1/',
      'https://ｌｏｃａｌｈｏｓｔ/logo.png',
      'https://printer.local./logo.png',
      'https://app.localhost./logo.png',
      'https://127.0.0.1./logo.png',
      'https://0x7f.1/logo.png',
      'https://[::ffff:127.0.0.1]/logo.png',
      'https://[0:0:0:0:0:0:0:1]/logo.png',
      'https://intranet/logo.png',
      'https://intranet./logo.png',
      'https://router.home.arpa/logo.png',
    ];
    for (const field of ['logo_uri', 'jwks_uri']) {
      const refused = await Promise.all(local.map((url) => register({ [field]: url })));
      refused.forEach((res, i) => {
        assert.equal(res.status, 400, `${field} ${local[i]}`);
        assert.equal(res.body['error'], 'invalid_client_metadata', `${field} ${local[i]}`);
      });
    }
    const fine = await register({ logo_uri: 'https://cdn.example.com./logo.png', jwks_uri: 'https://keys.example.com/jwks.json' });
    assert.equal(fine.status, 201, JSON.stringify(fine.body));
  });

  it('refuses loopback redirect URIs on a port outside 1–65535 or written with leading zeros', async () => {
    const native = { application_type: 'native', token_endpoint_auth_method: 'none' };
    for (const uri of ['http://127.0.0.1:0/cb', 'http://[::1]:0/cb', 'http://127.0.0.1:65536/cb', 'http://127.0.0.1:080/cb', 'http://127.0.0.1:/cb']) {
      const res = await register({ ...native, redirect_uris: [uri] });
      assert.equal(res.status, 400, uri);
      assert.equal(res.body['error'], 'invalid_redirect_uri', uri);
    }
    assert.equal((await register({ ...native, redirect_uris: ['http://127.0.0.1:65535/cb'] })).status, 201);
  });
});
