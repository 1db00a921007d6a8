import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import express from 'express';
import { createServer as createHttpServer, type IncomingMessage, type Server, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { SignJWT } from 'jose';
import { createGuard, IssuerUnavailableError, type Guard } from '../../src/resource-server/index.js';
import { requireScope as fastifyScope } from '../../src/resource-server/fastify.js';
import { requireScope as expressScope } from '../../src/resource-server/express.js';
import { startTestServer, freePort, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('resource-server guard', () => {
  let server: TestServer;
  let service: { clientId: string; secret?: string };
  let guard: Guard;
  let api: FastifyInstance;
  let apiUrl: string;
  let jwksFetches = 0;

  before(async () => {
    server = await startTestServer({}, { level: 'info', stream: { write: (line: string) => (jwksFetches += /"path":"\/jwks"/.test(line) && /request completed/.test(line) ? 1 : 0) } });
    service = await server.addClient({ name: 'Notes client', grantTypes: ['client_credentials'], scopes: ['notes:read', 'notes:write'] });
    guard = createGuard({ issuer: server.issuer, audience: server.issuer, realm: 'notes', jwksCooldownSeconds: 1 });
    api = Fastify();
    api.get('/notes', { preHandler: fastifyScope(guard, 'notes:read') }, async (request) => ({ sub: request.accessToken?.sub, scopes: request.accessToken?.scopes }));
    api.delete('/notes', { preHandler: fastifyScope(guard, 'notes:admin') }, async () => ({ deleted: true }));
    apiUrl = await api.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await api.close();
    await server.close();
  });

  const tokenFor = async (scope = 'notes:read') => {
    const r = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope }, basic(service.clientId, service.secret!));
    assert.equal(r.status, 200);
    return String(r.body['access_token']);
  };
  const call = (token?: string, method = 'GET', authorization = token === undefined ? undefined : `Bearer ${token}`) =>
    fetch(`${apiUrl}/notes`, { method, headers: authorization === undefined ? {} : { authorization } });
  /** A token signed with Tessera's own current key, with claims of the test's choosing. */
  const signedByTessera = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const key = server.tessera.ctx.keys.signingKey('ES256');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: server.issuer, aud: server.issuer, sub: 'u1', client_id: service.clientId, scope: 'notes:read', jti: randomUUID(), iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...header })
      .sign(key.privateKey);
  };
  const refusedAs = async (response: Response, status: number, error: string) => {
    assert.equal(response.status, status);
    const challenge = response.headers.get('www-authenticate') ?? '';
    assert.match(challenge, new RegExp(`^Bearer realm="notes", error="${error}"`));
    assert.equal(((await response.json()) as { error: string }).error, error);
  };

  it('lets a valid token with the scope through, and tells the route who it is for', async () => {
    const response = await call(await tokenFor());
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sub: service.clientId, scopes: ['notes:read'] });
  });

  it('answers 401 without an error code when there is no token, and 400 for a malformed header (RFC 6750 §3.1)', async () => {
    const none = await call();
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="notes"');
    const otherScheme = await call(undefined, 'GET', 'Basic dXNlcjpwYXNz');
    assert.equal(otherScheme.status, 401);
    assert.equal(otherScheme.headers.get('www-authenticate'), 'Bearer realm="notes"');
    await refusedAs(await call(undefined, 'GET', 'Bearer a b'), 400, 'invalid_request');
  });

  it('answers 403 insufficient_scope naming the scope needed', async () => {
    const response = await call(await tokenFor(), 'DELETE');
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="notes", error="insufficient_scope", error_description="the token lacks the scope notes:admin", scope="notes:admin"');
  });

  it('refuses alg none, a stranger key under Tessera’s kid, and HS256 keyed with Tessera’s public key', async () => {
    const genuine = await tokenFor();
    const [header, payload] = genuine.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;

    await refusedAs(await call(`${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`), 401, 'invalid_token');

    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(stranger);
    await refusedAs(await call(forged), 401, 'invalid_token');

    const publicJwk = server.tessera.ctx.keys.verificationKey(kid)!.publicJwk;
    for (const secret of [JSON.stringify(publicJwk), server.tessera.ctx.keys.verificationKey(kid)!.publicKey.export({ format: 'pem', type: 'spki' }).toString()]) {
      const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${payload}`;
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      await refusedAs(await call(`${input}.${mac}`), 401, 'invalid_token');
    }
    // A signature with its payload changed.
    const widened = `${header}.${b64({ ...claims, scope: 'notes:read notes:admin' })}.${genuine.split('.')[2]}`;
    await refusedAs(await call(widened), 401, 'invalid_token');
  });

  it('refuses expired tokens, other audiences and issuers, other types, and tokens without client_id, all under Tessera’s own key', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refusedAs(await call(await signedByTessera({ exp: now - 30, iat: now - 330 })), 401, 'invalid_token');
    const expired = await call(await signedByTessera({ exp: now - 30, iat: now - 330 }));
    assert.match(expired.headers.get('www-authenticate')!, /the token has expired/);
    // Within the 5 seconds of skew, a just-expired token still passes; a token from the future does not.
    assert.equal((await call(await signedByTessera({ exp: now - 2 }))).status, 200);
    await refusedAs(await call(await signedByTessera({ nbf: now + 120 })), 401, 'invalid_token');
    await refusedAs(await call(await signedByTessera({ aud: 'https://other-api.example.com' })), 401, 'invalid_token');
    await refusedAs(await call(await signedByTessera({ iss: 'https://evil.example.com' })), 401, 'invalid_token');
    await refusedAs(await call(await signedByTessera({}, { typ: 'JWT' })), 401, 'invalid_token');
    await refusedAs(await call(await signedByTessera({ client_id: undefined })), 401, 'invalid_token');
    // An ID token is not an access token.
    await refusedAs(await call(await signedByTessera({}, { typ: undefined })), 401, 'invalid_token');
  });

  it('fetches the keys again for an unknown kid, but not more than once per cooldown', async () => {
    await call(await tokenFor());
    const before = jwksFetches;
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 5; i++) {
      const token = await new SignJWT({ iss: server.issuer, aud: server.issuer, sub: 'x', client_id: 'x', jti: randomUUID(), iat: now, exp: now + 60 })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: `unknown-${i}` })
        .sign(stranger);
      await refusedAs(await call(token), 401, 'invalid_token');
    }
    assert.ok(jwksFetches - before <= 1, `${jwksFetches - before} JWKS fetches for 5 unknown kids`);
    // A key Tessera has just added is found by fetching again once the cooldown is over.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { rotateKeys } = await import('../../src/core/keys/rotation.js');
    await rotateKeys(server.tessera.ctx.stores.keys, server.tessera.ctx.pepper, server.tessera.ctx.now(), ['ES256']);
    await server.tessera.ctx.keys.reload();
    assert.equal((await call(await tokenFor())).status, 200, 'a token signed with the rotated key passes');
  });

  it('with introspection, refuses a revoked token that signature checks alone still accept', async () => {
    const resource = await server.addClient({ name: 'Notes API', grantTypes: ['client_credentials'], scopes: [] });
    const strict = createGuard({ issuer: server.issuer, audience: server.issuer, introspection: { clientId: service.clientId, clientSecret: service.secret!, cacheSeconds: 0 } });
    const token = await tokenFor();
    const request = { headers: { authorization: `Bearer ${token}` } };
    assert.equal((await strict.verifyAccessToken(request, ['notes:read'])).sub, service.clientId);
    assert.equal((await postForm(`${server.issuer}/revoke`, { token }, basic(service.clientId, service.secret!))).status, 200);
    await assert.rejects(strict.verifyAccessToken(request), { name: 'BearerError', error: 'invalid_token', message: 'the token is not active' });
    assert.equal((await guard.verifyAccessToken(request)).sub, service.clientId, 'without introspection a revoked JWT passes until it expires');
    // Introspection by a client that may not see the token says inactive, so the guard refuses.
    const blind = createGuard({ issuer: server.issuer, audience: server.issuer, introspection: { clientId: resource.clientId, clientSecret: resource.secret!, cacheSeconds: 0 } });
    await assert.rejects(blind.verifyAccessToken({ headers: { authorization: `Bearer ${await tokenFor()}` } }), { error: 'invalid_token' });
  });

  it('answers 503, not 401, while the issuer cannot be reached', async () => {
    const unreachable = createGuard({ issuer: `http://127.0.0.1:${await freePort()}`, audience: 'x' });
    await assert.rejects(unreachable.verifyAccessToken({ headers: { authorization: `Bearer ${await tokenFor()}` } }), { error: 'temporarily_unavailable', status: 503 });
  });

  it('protects Express routes the same way', async () => {
    const app = express();
    app.get('/notes', expressScope(guard, 'notes:read'), (req, res) => {
      res.json({ sub: (req as unknown as { accessToken: { sub: string } }).accessToken.sub });
    });
    app.get('/admin', expressScope(guard, 'notes:admin'), (_req, res) => {
      res.json({ ok: true });
    });
    const listener: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const port = (listener.address() as { port: number }).port;
      const token = await tokenFor();
      const ok = await fetch(`http://127.0.0.1:${port}/notes`, { headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await ok.json(), { sub: service.clientId });
      const none = await fetch(`http://127.0.0.1:${port}/notes`);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="notes"');
      const scope = await fetch(`http://127.0.0.1:${port}/admin`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(scope.status, 403);
      assert.match(scope.headers.get('www-authenticate')!, /error="insufficient_scope".*scope="notes:admin"/);
      const tampered = await fetch(`http://127.0.0.1:${port}/notes`, { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
      assert.equal(tampered.status, 401);
      assert.match(tampered.headers.get('www-authenticate')!, /error="invalid_token"/);
    } finally {
      listener.close();
    }
  });

  it('is importable as tessera/resource-server once built', async () => {
    // Through the package's own name and its "exports" map, as an API in another package would.
    const specifier = 'tessera/resource-server';
    const built = (await import(specifier)) as { createGuard: unknown; BearerError: unknown };
    assert.equal(typeof built.createGuard, 'function');
    assert.equal(typeof built.BearerError, 'function');
  });
});

/**
 * When the issuer cannot be used, the application learns why (the cause and the URLs, in the
 * error and in its log), while the API's caller gets a plain RFC 6750 503 without internals.
 */
describe('resource-server guard: why the issuer cannot be used', () => {
  let tessera: TestServer;
  const fakes: HttpServer[] = [];

  before(async () => {
    tessera = await startTestServer();
  });
  after(async () => {
    for (const fake of fakes) fake.close();
    await tessera.close();
  });

  /** A real HTTP server answering as `handler` says; its base URL. */
  async function fakeIssuer(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void): Promise<string> {
    const fake = createHttpServer((req, res) => handler(req, res, base));
    fakes.push(fake);
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
    return base;
  }
  const json = (res: ServerResponse, body: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  /** Looks like an access token up to the key lookup: the keys must be fetched before anything else is decided. */
  const someJwt = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })}.${b64({ sub: 'u1' })}.${b64('not a signature')}`;
  const request = { headers: { authorization: `Bearer ${someJwt}` } };
  const metadataOf = (issuer: string) => `${issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`;
  const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

  async function refusal(issuer: string): Promise<IssuerUnavailableError> {
    const heard: IssuerUnavailableError[] = [];
    const guard = createGuard({ issuer, audience: 'https://notes.example.com', onIssuerError: (e) => heard.push(e) });
    const error = await guard.verifyAccessToken(request).then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof IssuerUnavailableError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.error, 'temporarily_unavailable');
    assert.equal(error.description, 'the issuer could not be reached', 'what the caller is told names nothing inside');
    assert.deepEqual(heard, [error], 'onIssuerError heard it');
    return error;
  }

  it('says the metadata is unreachable: connection refused, a name that does not resolve, no answer in time', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const refused = await refusal(closed);
    assert.equal(refused.problem, 'metadata_unreachable');
    assert.equal(refused.message, `cannot reach the issuer's metadata at ${metadataOf(closed)}: connection refused (ECONNREFUSED)`);
    assert.deepEqual(refused.urls, { issuer: closed, metadata: metadataOf(closed) });
    assert.equal((refused.cause as Error).message, 'fetch failed', 'the underlying error is kept as cause');

    const unknownHost = await refusal('http://issuer.tessera.invalid');
    assert.equal(unknownHost.problem, 'metadata_unreachable');
    assert.match(unknownHost.message, /^cannot reach the issuer's metadata at http:\/\/issuer\.tessera\.invalid\/\.well-known\/oauth-authorization-server: the host name (does not resolve \(ENOTFOUND\)|could not be resolved \(EAI_AGAIN\))$/);

    // Accepts the connection and never answers.
    const silent = createNetServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const hanging = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const timedOut = await refusal(hanging);
      assert.equal(timedOut.message, `cannot reach the issuer's metadata at ${metadataOf(hanging)}: no answer in 5 s`);
    } finally {
      silent.close();
    }
  });

  it('says the metadata names another issuer, and how near a miss it is (a trailing slash)', async () => {
    const slashed = `${tessera.issuer}/`;
    const mismatch = await refusal(slashed);
    assert.equal(mismatch.problem, 'issuer_mismatch');
    assert.equal(
      mismatch.message,
      `the metadata at ${metadataOf(tessera.issuer)} names the issuer '${tessera.issuer}', but this guard is configured with '${slashed}' (they differ only in a trailing slash): configure the issuer exactly as the server names it`,
    );
    const elsewhere = await fakeIssuer((_req, res) => json(res, { issuer: 'https://auth.example.com', jwks_uri: 'https://auth.example.com/jwks' }));
    const other = await refusal(elsewhere);
    assert.equal(other.problem, 'issuer_mismatch');
    assert.match(other.message, new RegExp(`names the issuer 'https://auth\\.example\\.com', but this guard is configured with '${escaped(elsewhere)}': configure`));
  });

  it('says the metadata answered an HTTP error, or something that is not JSON', async () => {
    const tenant = `${tessera.issuer}/tenant`;
    const notFound = await refusal(tenant);
    assert.equal(notFound.problem, 'metadata_http_error');
    assert.equal(notFound.message, `the issuer's metadata at ${metadataOf(tenant)} answered HTTP 404; is ${tenant} the issuer's exact URL?`);

    const failing = await fakeIssuer((_req, res) => json(res, { error: 'server_error' }, 500));
    assert.match((await refusal(failing)).message, /answered HTTP 500$/);

    const page = await fakeIssuer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>'));
    const html = await refusal(page);
    assert.equal(html.problem, 'metadata_not_json');
    assert.equal(html.message, `the issuer's metadata at ${metadataOf(page)} is not JSON (Content-Type: text/html)`);
  });

  it('says the keys cannot be fetched, naming the JWKS URL, and still answers an unknown kid with 401', async () => {
    const jwks = `http://127.0.0.1:${await freePort()}/jwks`;
    const noKeys = await fakeIssuer((_req, res, base) => json(res, { issuer: base, jwks_uri: jwks }));
    const unreachable = await refusal(noKeys);
    assert.equal(unreachable.problem, 'jwks_unavailable');
    assert.equal(unreachable.message, `cannot fetch the issuer's keys at ${jwks}: connection refused (ECONNREFUSED)`);
    assert.deepEqual(unreachable.urls, { issuer: noKeys, metadata: metadataOf(noKeys), jwks });

    const brokenKeys = await fakeIssuer((req, res, base) => (req.url === '/jwks' ? json(res, { error: 'boom' }, 500) : json(res, { issuer: base, jwks_uri: `${base}/jwks` })));
    const failing = await refusal(brokenKeys);
    assert.equal(failing.problem, 'jwks_unavailable');
    assert.equal(failing.message, `cannot fetch the issuer's keys at ${brokenKeys}/jwks: Expected 200 OK from the JSON Web Key Set HTTP response`);

    // The issuer's keys are there but none has this kid: the token's fault, not the issuer's.
    const guard = createGuard({ issuer: tessera.issuer, audience: tessera.issuer });
    await assert.rejects(guard.verifyAccessToken(request), (e: unknown) => !(e instanceof IssuerUnavailableError) && (e as { error?: string }).error === 'invalid_token');
  });

  it("answers the API's caller a plain 503 and puts the cause in the application's log (Fastify)", async () => {
    const lines: string[] = [];
    const closed = `http://127.0.0.1:${await freePort()}`;
    const guard = createGuard({ issuer: closed, audience: 'https://notes.example.com', realm: 'notes' });
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
    app.get('/notes', { preHandler: fastifyScope(guard, 'notes:read') }, async () => ({ notes: [] }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const answer = await fetch(`${url}/notes`, { headers: { authorization: `Bearer ${someJwt}` } });
      assert.equal(answer.status, 503);
      const body = await answer.text();
      assert.deepEqual(JSON.parse(body), { error: 'temporarily_unavailable', error_description: 'the issuer could not be reached' });
      const headers = JSON.stringify([...answer.headers]);
      for (const internal of ['127.0.0.1', 'ECONNREFUSED', 'well-known']) assert.ok(!body.includes(internal) && !headers.includes(internal), internal);

      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['problem'] === 'metadata_unreachable');
      assert.ok(logged, lines.join('\n'));
      assert.equal(logged['level'], 50);
      assert.equal(logged['msg'], `cannot reach the issuer's metadata at ${metadataOf(closed)}: connection refused (ECONNREFUSED)`);
      assert.deepEqual(logged['urls'], { issuer: closed, metadata: metadataOf(closed) });
    } finally {
      await app.close();
    }
  });
});
