import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';

interface Case {
  name: string;
  path: string;
  init?: RequestInit;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const long = 'x'.repeat(5000);
const huge = 'a='.padEnd(70 * 1024, 'b');

function cases(clientId: string, interaction: string): Case[] {
  const post = (path: string, body: string, headers: Record<string, string> = FORM): Case => ({ name: `POST ${path} ${body.slice(0, 40)} ${JSON.stringify(headers).slice(0, 60)}`, path, init: { method: 'POST', body, headers } });
  const get = (path: string, headers: Record<string, string> = {}): Case => ({ name: `GET ${path.slice(0, 80)}`, path, init: { headers } });
  return [
    get('/authorize'),
    get('/authorize?client_id=%E0%A4%A&redirect_uri=%'),
    get(`/authorize?client_id=${long}`),
    get(`/authorize?client_id=${clientId}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=${long}`),
    get(`/authorize?client_id=${clientId}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=%00%01`),
    get(`/authorize?client_id=${clientId}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&max_age=99999999999999999999`),
    get('/authorize?client_id[]=x&redirect_uri[a]=b'),
    get('/authorize?&&&==&=x'),
    post('/authorize', '{"client_id": 1}', { 'content-type': 'application/json' }),
    post('/authorize', '{not json', { 'content-type': 'application/json' }),
    post('/authorize', huge),
    post('/authorize', '%%%'),
    post('/authorize', 'client_id=x', { 'content-type': 'multipart/form-data; boundary=x' }),
    post('/token', ''),
    post('/token', '%%%=%%%'),
    post('/token', '=&=&=='),
    post('/token', huge),
    post('/token', '\u0000\u0001\u00ff'),
    post('/token', 'grant_type=authorization_code&code=' + long),
    post('/token', 'grant_type=refresh_token&refresh_token=abc', { ...FORM, authorization: 'Basic ' + Buffer.from([0xff, 0xfe, 0x3a, 0x80]).toString('base64') }),
    post('/token', 'grant_type=client_credentials', { ...FORM, authorization: 'Basic ' + Buffer.from('%E0%A4%A:%').toString('base64') }),
    post('/token', 'grant_type=client_credentials', { ...FORM, authorization: 'Basic ' + 'A'.repeat(8000) }),
    post('/token', 'grant_type=client_credentials', { 'content-type': 'application/x-www-form-urlencoded; charset=latin1', authorization: 'Basic x' }),
    post('/token', 'grant_type=client_credentials&client_id=' + long),
    post('/token', '{"grant_type":"client_credentials"}', { 'content-type': 'application/json' }),
    post('/token', 'x', { 'content-type': 'text/plain' }),
    post('/token', 'x', {}),
    { name: 'DELETE /token', path: '/token', init: { method: 'DELETE' } },
    get('/userinfo', { authorization: 'Bearer ' + 'a'.repeat(6000) }),
    get('/userinfo', { authorization: 'Bearer a.b.c' }),
    get('/userinfo', { authorization: 'Bearer eyJhbGciOiJIUzI1NiIsImtpZCI6IngifQ.e30.sig' }),
    get('/userinfo', { authorization: 'Bearer ' }),
    post('/userinfo', 'access_token=abc'),
    post('/userinfo', '{bad', { 'content-type': 'application/json' }),
    get('/interaction/not-a-uuid'),
    get('/interaction/00000000-0000-0000-0000-000000000000'),
    get(`/interaction/${interaction}`),
    post(`/interaction/${interaction}/login`, 'username=a&password=b'),
    post(`/interaction/${interaction}/login`, '{}', { 'content-type': 'application/json' }),
    post(`/interaction/${interaction}/consent`, 'decision=allow'),
    post('/interaction/x/login', huge),
    post('/revoke', ''),
    post('/revoke', 'token=' + long),
    post('/revoke', 'token=a.b.c&token_type_hint=' + long, { ...FORM, authorization: 'Basic ' + Buffer.from('x:y').toString('base64') }),
    post('/revoke', 'token=eyJhbGciOiJub25lIn0.e30.&client_id=' + clientId),
    post('/revoke', '{"token":"x"}', { 'content-type': 'application/json' }),
    post('/revoke', huge),
    get('/revoke?token=x'),
    post('/introspect', ''),
    post('/introspect', 'token=x'),
    post('/introspect', '%%%=%'),
    post('/introspect', 'token=a.b.c', { ...FORM, authorization: 'Bearer abc' }),
    post('/introspect', 'token=x', { ...FORM, authorization: 'Basic ' + Buffer.from([0xff, 0x3a, 0xfe]).toString('base64') }),
    post('/introspect', huge),
    get('/logout?id_token_hint=' + long),
    get('/logout?id_token_hint=eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJ4In0.'),
    get('/logout?id_token_hint=a.b.c&client_id=%E0%A4%A'),
    get('/logout?post_logout_redirect_uri=javascript:alert(1)&client_id=' + clientId),
    get('/logout?state=1&state=2'),
    post('/logout', 'csrf=x'),
    post('/logout', '{}', { 'content-type': 'application/json' }),
    { name: 'PUT /logout', path: '/logout', init: { method: 'PUT' } },
    get('/account?x=%'),
    post('/login', 'username=a&password=b'),
    post('/login', 'csrf=' + long + '&username=' + long),
    post('/login', huge),
    post('/account/revoke', 'grant_id=' + long),
    post('/account/revoke', '{', { 'content-type': 'application/json' }),
    post('/register', '{bad', { 'content-type': 'application/json' }),
    post('/register', '{"redirect_uris":["https://a.example.com/cb"]}', { 'content-type': 'application/json', authorization: 'Bearer ' + long }),
    post('/register', 'null', { 'content-type': 'application/json', authorization: 'Bearer x' }),
    post('/register', huge, { 'content-type': 'application/json' }),
    get('/register'),
    get('/register/%E0%A4%A', { authorization: 'Bearer x' }),
    { name: 'PUT /register/x', path: '/register/x', init: { method: 'PUT', body: '[]', headers: { 'content-type': 'application/json', authorization: 'Bearer x' } } },
    { name: 'DELETE /register/x', path: '/register/x', init: { method: 'DELETE' } },
    post('/device_authorization', 'client_id=' + long),
    post('/device_authorization', '%%%'),
    get('/device?user_code=' + long),
    post('/device', 'user_code=' + long),
    post('/device/decision', 'decision=allow&user_code=%00'),
    post('/login', 'return_to=//evil.example.com&username=a&password=b'),
    post('/token', 'grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=' + long + '&client_id=' + clientId),
    post('/token', 'grant_type=password&username=' + long + '&password=' + long, { ...FORM, authorization: 'Basic ' + Buffer.from('x:y').toString('base64') }),
    get('/.well-known/openid-configuration?x=%'),
    { name: 'POST discovery', path: '/.well-known/openid-configuration', init: { method: 'POST', body: 'x', headers: FORM } },
    get('/jwks?%%'),
    get('/%'),
    get('/%E0%A4%A'),
    get('/authorize/../token'),
    get('/nope'),
  ];
}

describe('malformed input never causes a 500', () => {
  let server: TestServer;
  let clientId: string;
  let interaction: string;

  before(async () => {
    server = await startTestServer();
    clientId = (await server.addClient({ name: 'App', redirectUris: ['https://app.example.com/cb'], scopes: ['openid'] })).clientId;
    const browser = new Browser(server.issuer);
    const page = await browser.visit(
      `${server.issuer}/authorize?client_id=${clientId}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`,
    );
    assert.ok(!('leftTo' in page));
    interaction = page.url.split('/interaction/')[1]!;
  });
  after(() => server.close());

  it('answers every bad request below 500, errors in the spec format', async () => {
    for (const c of cases(clientId, interaction)) {
      const response = await fetch(server.issuer + c.path, { redirect: 'manual', ...c.init });
      const text = await response.text();
      assert.ok(response.status < 500, `${c.name}: status ${response.status} ${text.slice(0, 200)}`);
      if (response.status >= 400) {
        const type = response.headers.get('content-type') ?? '';
        if (type.includes('json')) {
          const body = JSON.parse(text) as Record<string, unknown>;
          assert.equal(typeof body['error'], 'string', `${c.name}: error member`);
          assert.equal(typeof body['error_description'], 'string', `${c.name}: error_description member`);
        } else if (response.status !== 401) {
          assert.match(type, /text\/html/, c.name);
          assert.match(text, /Something went wrong/, c.name);
        }
        assert.doesNotMatch(text, /at .*\.(ts|js):\d+/, `${c.name}: no stack trace`);
      }
    }
    // The server is still healthy after all of it.
    assert.equal((await fetch(`${server.issuer}/health`)).status, 200);
  });

  it('refuses oversized bodies and headers', async () => {
    const body = await fetch(`${server.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=${'x'.repeat(70 * 1024)}` });
    assert.equal(body.status, 413);
    assert.equal(((await body.json()) as Record<string, unknown>)['error'], 'invalid_request');
    // Node's limit on the request head (16 KiB): 431 before any route runs.
    const headers = await fetch(`${server.issuer}/token`, { method: 'POST', headers: { 'x-padding': 'y'.repeat(20 * 1024) } }).catch((e: Error) => e);
    if (headers instanceof Error) assert.fail(`the server should answer, not drop the connection: ${headers.message}`);
    assert.equal(headers.status, 431);
    assert.equal((await fetch(`${server.issuer}/health`)).status, 200);
  });
});
