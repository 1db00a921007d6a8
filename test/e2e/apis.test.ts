import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import * as client from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tessera, tesseraJson } from '../helpers/cli.js';
import { discover } from '../helpers/oidc.js';
import { Browser, isPage, textOf } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';
import { createGuard, metadataPath, BearerError, bearerResponse } from '../../src/resource-server/index.js';

/**
 * APIs as first-class resources (issue 18 §1, RFC 8707): each API's tokens name it in `aud`, carry
 * only its scopes, and are refused by every other API's guard.
 */

const CALLBACK = 'https://app.example.com/cb';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const NOTES = 'https://notes.example.com';
const PHOTOS = 'https://photos.example.com/api';

describe('APIs and resource indicators', () => {
  let server: TestServer;
  let web: { clientId: string; secret?: string };
  let config: client.Configuration;
  let session: Browser;
  let password: string;

  before(async () => {
    server = await startTestServer();
    const created = await tessera(['api', 'create', '--identifier', NOTES, '--name', 'Notes', '--scope', 'notes:read=Read your notes', '--scope', 'notes:write=Change your notes', '--access-token-ttl', '10m', '--json', ...server.storeArgs]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((await tessera(['api', 'create', '--identifier', PHOTOS, '--name', 'Photos', '--scope', 'photos:read=See your photos', '--access-token-alg', 'RS256', ...server.storeArgs])).code, 0);
    web = await server.addClient({ name: 'Dashboard', redirectUris: [CALLBACK], scopes: ['openid', 'profile', 'offline_access', 'notes:read', 'notes:write', 'photos:read'] });
    config = await discover(server, web.clientId, web.secret);
    password = (await server.addUser({ username: 'nora' })).password;
    session = new Browser(server.issuer);
  });
  after(() => server.close());

  /** A code flow for `scope` (and `resource`) in the signed-in browser; the page it stops on, or the tokens. */
  async function flow(scope: string, extra: Record<string, string> = {}, tokenExtra: Record<string, string> = {}, moreResources: string[] = []) {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra });
    for (const r of moreResources) url.searchParams.append('resource', r);
    let step = await session.visit(url.href);
    if (!('leftTo' in step) && /name="password"/.test(step.html)) step = await session.submit(step, { username: 'nora', password });
    const consent = 'leftTo' in step ? undefined : step;
    if (consent && /name="decision"/.test(consent.html)) step = await session.submit(consent, { decision: 'allow' });
    if (!('leftTo' in step)) throw new Error(textOf(step.html));
    const back = new URL(step.leftTo);
    if (back.searchParams.get('error')) return { error: back.searchParams.get('error'), consent };
    const code = back.searchParams.get('code')!;
    const redeem = (more: Record<string, string>) =>
      postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier, ...more }, basic(web.clientId, web.secret!));
    const answer = await redeem(tokenExtra);
    return { answer, consent, redeem };
  }

  it('defines APIs with the CLI, with their scopes described', async () => {
    const shown = await tesseraJson<{ identifier: string; scopes: { name: string; description: string }[]; access_token_ttl: number }>(['api', 'show', NOTES, ...server.storeArgs]);
    assert.deepEqual(shown.scopes, [{ name: 'notes:read', description: 'Read your notes' }, { name: 'notes:write', description: 'Change your notes' }]);
    assert.equal(shown.access_token_ttl, 600);
    const listed = await tesseraJson<{ identifier: string }[]>(['api', 'list', ...server.storeArgs]);
    assert.deepEqual(listed.map((a) => a.identifier).sort(), [NOTES, PHOTOS]);
    const bad = await tessera(['api', 'create', '--identifier', 'notes', '--name', 'x', ...server.storeArgs]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /absolute URI/);
  });

  it('issues a token for the API the request names: its identifier in aud, its scopes, its lifetime; the consent page describes them by API', async () => {
    const { answer, consent } = await flow('openid notes:read notes:write photos:read', { resource: NOTES });
    assert.ok(consent, 'consent was asked');
    const text = textOf(consent.html);
    assert.match(text, /Notes Read your notes notes:read Change your notes notes:write/);
    assert.match(text, /Photos See your photos photos:read/);
    assert.equal(answer!.status, 200, JSON.stringify(answer!.body));
    const claims = decodeJwt(String(answer!.body['access_token']));
    assert.equal(claims.aud, NOTES);
    assert.deepEqual(String(claims['scope']).split(' ').sort(), ['notes:read', 'notes:write', 'openid'], "another API's scope is not in this API's token");
    assert.equal(answer!.body['expires_in'], 600, "the API's own lifetime");
  });

  it('refuses an unknown or malformed resource with invalid_target, at /authorize and at /token, and on refresh', async () => {
    assert.equal((await flow('openid notes:read', { resource: 'https://unknown.example.com' })).error, 'invalid_target');
    assert.equal((await flow('openid notes:read', { resource: 'not a uri' })).error, 'invalid_target');
    const other = await flow('openid notes:read', { resource: NOTES }, { resource: PHOTOS });
    assert.equal(other.answer!.status, 400);
    assert.equal(other.answer!.body['error'], 'invalid_target');
    const granted = await flow('openid offline_access notes:read', { resource: NOTES });
    const refresh = (resource: string) => postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(granted.answer!.body['refresh_token']), resource }, basic(web.clientId, web.secret!));
    assert.equal((await refresh(PHOTOS)).body['error'], 'invalid_target');
    const same = await refresh(NOTES);
    assert.equal(same.status, 200);
    assert.equal(decodeJwt(String(same.body['access_token'])).aud, NOTES);
  });

  it('grants several APIs at once; each token is for the one the token request names, and refresh moves between them', async () => {
    const both = await flow('openid offline_access notes:read photos:read', { resource: NOTES }, {}, [PHOTOS, NOTES]);
    assert.equal(both.answer!.body['error'], 'invalid_target', 'with two APIs granted, the token request must choose');
    assert.match(String(both.answer!.body['error_description']), /name the one/);
    const forPhotos = await both.redeem!({ resource: PHOTOS });
    assert.equal(forPhotos.status, 200, 'the refused request did not spend the code');
    const claims = decodeJwt(String(forPhotos.body['access_token']));
    assert.equal(claims.aud, PHOTOS);
    assert.deepEqual(String(claims['scope']).split(' ').sort(), ['offline_access', 'openid', 'photos:read']);
    const refresh = (token: unknown, resource?: string) =>
      postForm(`${server.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(token), ...(resource ? { resource } : {}) }, basic(web.clientId, web.secret!));
    const refused = await refresh(forPhotos.body['refresh_token'], 'https://unknown.example.com');
    assert.equal(refused.body['error'], 'invalid_target');
    const forNotes = await refresh(forPhotos.body['refresh_token'], NOTES);
    assert.equal(forNotes.status, 200, 'the refused refresh did not spend the token');
    assert.equal(decodeJwt(String(forNotes.body['access_token'])).aud, NOTES);
    assert.equal(forNotes.body['scope'], 'openid offline_access notes:read');
    const backToPhotos = await refresh(forNotes.body['refresh_token'], PHOTOS);
    assert.equal(decodeJwt(String(backToPhotos.body['access_token'])).aud, PHOTOS, 'the lineage keeps every API granted');
    assert.equal((await flow('openid', {}, {}, Array.from({ length: 11 }, (_, i) => `https://api${i}.example.com`))).error, 'invalid_target');
  });

  it("lets an API's guard accept its own tokens and refuse another API's, pointing clients to its RFC 9728 metadata", async () => {
    const notesToken = String((await flow('openid notes:read', { resource: NOTES })).answer!.body['access_token']);
    const photosAnswer = (await flow('openid photos:read', { resource: PHOTOS })).answer!;
    const photosToken = String(photosAnswer.body['access_token']);
    assert.equal(decodeProtectedHeader(photosToken).alg, 'RS256', "the API's own algorithm");
    const notesGuard = createGuard({ issuer: server.issuer, audience: NOTES, protectedResource: { resource: NOTES, scopes: ['notes:read', 'notes:write'], name: 'Notes' } });
    const photosGuard = createGuard({ issuer: server.issuer, audience: PHOTOS });
    const asRequest = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    assert.equal((await notesGuard.verifyAccessToken(asRequest(notesToken), ['notes:read'])).clientId, web.clientId);
    assert.equal((await photosGuard.verifyAccessToken(asRequest(photosToken), ['photos:read'])).clientId, web.clientId);
    await assert.rejects(photosGuard.verifyAccessToken(asRequest(notesToken)), (e: BearerError) => e.error === 'invalid_token');
    await assert.rejects(notesGuard.verifyAccessToken(asRequest(photosToken)), (e: BearerError) => e.error === 'invalid_token');

    // RFC 9728: the metadata, and where a 401 says to find it.
    assert.equal(metadataPath(NOTES), '/.well-known/oauth-protected-resource');
    assert.equal(metadataPath(PHOTOS), '/.well-known/oauth-protected-resource/api');
    assert.deepEqual(notesGuard.metadata(), { resource: NOTES, authorization_servers: [server.issuer], bearer_methods_supported: ['header'], scopes_supported: ['notes:read', 'notes:write'], resource_name: 'Notes' });
    const refused = bearerResponse(new BearerError('invalid_token', 'the token is for another API'), notesGuard.realm, notesGuard.resourceMetadataUrl);
    assert.match(refused.headers['WWW-Authenticate']!, /resource_metadata="https:\/\/notes\.example\.com\/\.well-known\/oauth-protected-resource"/);
  });

  it("gives client_credentials tokens for a named resource or the client's default API", async () => {
    const service = await tesseraJson<{ client_id: string; client_secret: string }>(['client', 'create', '--name', 'Sync', '--grant-type', 'client_credentials', '--scope', 'notes:read photos:read', '--default-api', NOTES, ...server.storeArgs]);
    const token = (form: Record<string, string>) => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', ...form }, basic(service.client_id, service.client_secret));
    const byDefault = await token({});
    assert.equal(decodeJwt(String(byDefault.body['access_token'])).aud, NOTES);
    assert.equal(byDefault.body['scope'], 'notes:read', 'only the default API’s scopes');
    const named = await token({ resource: PHOTOS });
    assert.equal(decodeJwt(String(named.body['access_token'])).aud, PHOTOS);
    assert.equal(named.body['scope'], 'photos:read');
    assert.equal((await token({ resource: PHOTOS, scope: 'notes:read' })).body['error'], 'invalid_scope');
    assert.equal((await token({ resource: 'https://nowhere.example.com' })).body['error'], 'invalid_target');
    const refusedDefault = await tessera(['client', 'create', '--name', 'Bad', '--grant-type', 'client_credentials', '--default-api', 'https://nowhere.example.com', ...server.storeArgs]);
    assert.notEqual(refusedDefault.code, 0);
  });

  it("carries the resource of a device authorization request to the device's tokens", async () => {
    const tv = await server.addClient({ name: 'TV', type: 'public', grantTypes: [DEVICE_GRANT], scopes: ['openid', 'photos:read'] });
    const device = (form: Record<string, string>) => postForm(`${server.issuer}/device_authorization`, { client_id: tv.clientId, ...form });
    assert.equal((await device({ scope: 'openid photos:read', resource: 'https://unknown.example.com' })).body['error'], 'invalid_target');
    const start = (await device({ scope: 'openid photos:read', resource: PHOTOS })).body;
    let page = isPage(await session.visit(String(start['verification_uri_complete'])));
    if (/name="password"/.test(page.html)) page = isPage(await session.submit(page, { username: 'nora', password }));
    if (/name="user_code"/.test(page.html)) page = isPage(await session.submit(page, { user_code: String(start['user_code']) }));
    assert.match(textOf(page.html), /Photos See your photos/, 'the device consent page describes the scope by API');
    isPage(await session.submit(page, { decision: 'allow' }));
    const poll = (more: Record<string, string> = {}) => postForm(`${server.issuer}/token`, { grant_type: DEVICE_GRANT, device_code: String(start['device_code']), client_id: tv.clientId, ...more });
    assert.equal((await poll({ resource: NOTES })).body['error'], 'invalid_target', 'only the API the device asked for');
    server.advance(11); // past the poll interval, not the code's lifetime
    const tokens = await poll();
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(decodeJwt(String(tokens.body['access_token'])).aud, PHOTOS);
  });

  it('keeps tokens for Tessera itself (aud the issuer) when no API is named or set as default', async () => {
    const { answer } = await flow('openid notes:read');
    assert.equal(decodeJwt(String(answer!.body['access_token'])).aud, server.issuer);
  });
});

// A guard in a real API process would serve its metadata at metadataPath(resource): served here over HTTP once.
describe('protected resource metadata over HTTP', () => {
  let api: Server;
  let url: string;
  before(async () => {
    const guard = createGuard({ issuer: 'https://id.example.com', audience: NOTES, protectedResource: { resource: NOTES } });
    api = createServer((req, res) => {
      if (req.url === metadataPath(NOTES)) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(guard.metadata()));
        return;
      }
      const answer = bearerResponse(new BearerError(undefined, 'no token'), guard.realm, guard.resourceMetadataUrl);
      res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => api.close(() => resolve())));

  it('answers 401 with resource_metadata, and serves the metadata at the well-known path', async () => {
    const refused = await fetch(`${url}/notes`);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer resource_metadata="https:\/\/notes\.example\.com\/\.well-known\/oauth-protected-resource"$/);
    const metadata = (await (await fetch(`${url}${metadataPath(NOTES)}`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata['authorization_servers'], ['https://id.example.com']);
  });
});
