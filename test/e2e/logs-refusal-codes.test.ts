import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * A refused admin API or SCIM request names its code in the access-log line, as a refused OAuth
 * request does (`error`): their bodies are problem details and SCIM errors, without an `error`
 * member, so the code comes from the bearer challenge, the SCIM scimType or status, or the problem's title.
 */
describe('logs: the code of refused admin API and SCIM requests', () => {
  let server: TestServer;
  const lines: string[] = [];
  let admin: string;
  let readOnly: string;
  let scim: string;

  before(async () => {
    server = await startTestServer({}, { level: 'info', stream: { write: (line: string) => lines.push(line) } });
    const token = async (scope: string) => {
      const client = await server.addClient({ name: scope, grantTypes: ['client_credentials'], scopes: [scope] });
      const answer = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope }, basic(client.clientId, client.secret!));
      return String(answer.body['access_token']);
    };
    admin = await token('tessera:admin');
    readOnly = await token('tessera:admin:read');
    scim = await token('tessera:scim');
  });
  after(() => server.close());

  /** Sends a request and returns its status and the `error` of its access-log line (waited for: it is written after the answer). */
  async function logged(path: string, init: RequestInit = {}): Promise<[number, unknown]> {
    const response = await fetch(`${server.issuer}${path}`, init);
    await response.arrayBuffer();
    const id = response.headers.get('x-request-id');
    for (let i = 0; i < 50; i++) {
      const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r['reqId'] === id && r['msg'] === 'request completed');
      if (line) return [response.status, line['error']];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no access-log line for ${path}`);
  }
  const bearer = (token: string, extra: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${token}`, ...extra } });
  const scimJson = (token: string, method: string, body: string) => ({ method, body, ...bearer(token, { 'content-type': 'application/scim+json' }) });

  it('logs the scimType of a refused SCIM request, or its status as a word, or the bearer error', async () => {
    assert.deepEqual(await logged('/scim/v2/Users'), [401, 'unauthorized'], 'no token');
    assert.deepEqual(await logged('/scim/v2/Users', bearer('not-a-token')), [401, 'invalid_token']);
    assert.deepEqual(await logged('/scim/v2/Users', bearer(admin)), [403, 'insufficient_scope'], 'a token without tessera:scim');
    assert.deepEqual(await logged('/scim/v2/Users?filter=userName%20eq', bearer(scim)), [400, 'invalidFilter']);
    assert.deepEqual(await logged('/scim/v2/Users/00000000-0000-4000-8000-000000000000', bearer(scim)), [404, 'not_found']);
    assert.deepEqual(await logged('/scim/v2/Users', scimJson(scim, 'POST', '{')), [400, 'invalidSyntax'], 'a body that is not JSON, refused before SCIM sees it');
  });

  it('logs the title of a refused admin API request as a code word, or the bearer error', async () => {
    assert.deepEqual(await logged('/admin/v1/clients'), [401, 'unauthorized'], 'no token');
    assert.deepEqual(await logged('/admin/v1/clients', bearer('not-a-token')), [401, 'invalid_token']);
    assert.deepEqual(await logged('/admin/v1/clients/no-such-client', bearer(admin)), [404, 'not_found']);
    const create = (token: string, body: string) => ({ method: 'POST', body, ...bearer(token, { 'content-type': 'application/json' }) });
    assert.deepEqual(await logged('/admin/v1/clients', create(readOnly, JSON.stringify({ client_name: 'x' }))), [403, 'insufficient_scope'], 'a read-only token writing');
    assert.deepEqual(await logged('/admin/v1/clients', create(admin, JSON.stringify({ client_name: 42 }))), [400, 'bad_request']);
    assert.deepEqual(await logged('/admin/v1/clients', create(admin, '{')), [400, 'bad_request'], 'a body that is not JSON, refused before the admin API sees it');
  });

  it('still logs the OAuth error of a refused OAuth request, and no code for a success', async () => {
    assert.deepEqual(await logged('/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }), [401, 'invalid_client']);
    assert.deepEqual(await logged('/scim/v2/ServiceProviderConfig', bearer(scim)), [200, undefined]);
  });
});
