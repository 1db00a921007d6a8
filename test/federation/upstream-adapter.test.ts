import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import type { Upstream } from '../../src/core/federation/ports.js';
import { upstreamProvider } from '../../src/federation/oidc/index.js';
import { startOpenIdProvider, type OpenIdMisbehaviour, type TestProvider, type UpstreamUser } from '../helpers/upstream-idp.js';
import { assertSafe, closedPort, codeOf, newSignIn, REDIRECT, refusal, signInAt as signInWith, silentServer, timed } from '../helpers/upstream-sign-in.js';

/**
 * The upstream adapter against a real OpenID provider (node-oidc-provider) in its own process over
 * real sockets, and against providers that cannot be reached. The plain OAuth 2.0 side is in
 * upstream-adapter-oauth2.test.ts.
 */

const SECRET = 'acme-client-secret-with-enough-entropy-0123456789';
const TIMEOUT_MS = 1_000;
const ALICE: UpstreamUser = {
  sub: 'acme-0001',
  username: 'alice',
  password: 'correct horse battery staple',
  email: 'alice@acme.example',
  email_verified: true,
  name: 'Alice Liddell',
  groups: ['engineering', 'admins'],
  amr: ['pwd', 'mfa'],
};
const SCOPES = ['openid', 'email', 'profile', 'groups'];
const signInAt = (upstream: Upstream, issuer: string) => signInWith(upstream, issuer, { username: ALICE.username, password: ALICE.password });

describe('upstream OpenID provider (node-oidc-provider in its own process)', () => {
  let acme: TestProvider<OpenIdMisbehaviour>;
  let upstream: Upstream;
  const oidc = (overrides: Partial<{ issuer: string; clientId: string; clientSecret: string | null }> = {}) =>
    upstreamProvider({ kind: 'oidc', oidc: { issuer: acme.issuer, clientId: 'tessera', clientSecret: SECRET, scopes: SCOPES, ...overrides } }, { timeoutMs: TIMEOUT_MS });

  before(async () => {
    acme = await startOpenIdProvider({
      clients: [
        { client_id: 'tessera', client_secret: SECRET, redirect_uris: [REDIRECT] },
        { client_id: 'tessera-public', redirect_uris: [REDIRECT] },
      ],
      users: [ALICE],
    });
    upstream = oidc();
  });
  after(() => acme.stop());

  it('signs a user in with the code flow and maps the ID token claims', async () => {
    const { url, callback, signIn } = await signInAt(upstream, acme.issuer);
    // The request carries what the core chose for this sign-in: PKCE S256 from its verifier, its state, nonce and callback.
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('code_challenge'), createHash('sha256').update(signIn.codeVerifier).digest('base64url'));
    assert.equal(url.searchParams.get('state'), signIn.state);
    assert.equal(url.searchParams.get('nonce'), signIn.nonce);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
    assert.deepEqual(url.searchParams.get('scope')?.split(' '), SCOPES);
    assert.equal(new URL(callback).searchParams.get('iss'), acme.issuer, 'the provider names itself in the response (RFC 9207)');

    const claims = await upstream.finish(callback, signIn);
    assert.deepEqual(claims, {
      subject: 'acme-0001',
      username: 'alice',
      email: 'alice@acme.example',
      emailVerified: true,
      name: 'Alice Liddell',
      amr: ['pwd', 'mfa'],
      groups: ['engineering', 'admins'],
    });
    assert.ok(!(await acme.requests()).includes('GET /me'), 'userinfo is not asked when the ID token says it all');
  });

  it('asks the provider its metadata once for many sign-ins', async () => {
    const fresh = oidc();
    const before = (await acme.requests()).filter((r) => r === 'GET /.well-known/openid-configuration').length;
    for (let i = 0; i < 2; i++) {
      const { callback, signIn } = await signInAt(fresh, acme.issuer);
      await fresh.finish(callback, signIn);
    }
    const discoveries = (await acme.requests()).filter((r) => r === 'GET /.well-known/openid-configuration').length;
    assert.equal(discoveries - before, 1);
  });

  it('signs in as a public client (no secret) too', async () => {
    const pub = oidc({ clientId: 'tessera-public', clientSecret: null });
    const { callback, signIn } = await signInAt(pub, acme.issuer);
    assert.equal((await pub.finish(callback, signIn)).subject, 'acme-0001');
  });

  it('refuses a response for another sign-in (state mismatch) before redeeming its code', async () => {
    const { callback } = await signInAt(upstream, acme.issuer);
    const tokenCalls = (await acme.requests()).filter((r) => r === 'POST /token').length;
    const error = await refusal(upstream.finish(callback, newSignIn()));
    assert.equal(error.reason, 'state_mismatch');
    assertSafe(error, codeOf(callback));
    assert.equal((await acme.requests()).filter((r) => r === 'POST /token').length, tokenCalls, 'the code was not sent to the token endpoint');
  });

  it('reports the provider refusing the sign-in with its error code, never its HTML', async () => {
    await acme.misbehave('access_denied');
    try {
      const { callback, signIn } = await signInAt(upstream, acme.issuer);
      assert.match(new URL(callback).searchParams.get('error_description') ?? '', /<b>/, 'the provider did send markup');
      const error = await refusal(upstream.finish(callback, signIn));
      assert.equal(error.reason, 'provider_error');
      assert.match(error.message, /access_denied/);
      assertSafe(error);
    } finally {
      await acme.misbehave(null);
    }
    // Whatever a forged callback puts in `error` is not repeated.
    const signIn = newSignIn();
    const forged = `${REDIRECT}?error=${encodeURIComponent('<script>alert(1)</script>')}&state=${signIn.state}&iss=${encodeURIComponent(acme.issuer)}`;
    const error = await refusal(upstream.finish(forged, signIn));
    assert.equal(error.reason, 'provider_error');
    assertSafe(error);
  });

  it('refuses an ID token signed by another key', async () => {
    await acme.misbehave('forged_id_token');
    try {
      const { callback, signIn } = await signInAt(upstream, acme.issuer);
      const error = await refusal(upstream.finish(callback, signIn));
      assert.equal(error.reason, 'invalid_response');
      assert.match(error.message, /signature/);
      assertSafe(error, codeOf(callback));
    } finally {
      await acme.misbehave(null);
    }
  });

  it('refuses an ID token minted for another sign-in (wrong nonce)', async () => {
    await acme.misbehave('wrong_nonce');
    try {
      const { callback, signIn } = await signInAt(upstream, acme.issuer);
      const error = await refusal(upstream.finish(callback, signIn));
      assert.equal(error.reason, 'invalid_response');
      assert.match(error.message, /nonce/);
    } finally {
      await acme.misbehave(null);
    }
  });

  it('refuses an ID token from another issuer', async () => {
    await acme.misbehave('wrong_id_token_issuer');
    try {
      const { callback, signIn } = await signInAt(upstream, acme.issuer);
      const error = await refusal(upstream.finish(callback, signIn));
      assert.equal(error.reason, 'invalid_response');
      assert.match(error.message, /another issuer/);
    } finally {
      await acme.misbehave(null);
    }
  });

  it('refuses an authorization response naming another issuer, or none, without redeeming its code (RFC 9207)', async () => {
    await acme.misbehave('wrong_response_issuer');
    let mixedUp: Awaited<ReturnType<typeof signInAt>>;
    try {
      mixedUp = await signInAt(upstream, acme.issuer);
    } finally {
      await acme.misbehave(null);
    }
    const tokenCalls = (await acme.requests()).filter((r) => r === 'POST /token').length;
    const error = await refusal(upstream.finish(mixedUp.callback, mixedUp.signIn));
    assert.equal(error.reason, 'invalid_response');
    assert.match(error.message, /another issuer/);

    // This provider advertises authorization_response_iss_parameter_supported: a response without `iss` is refused too.
    const { callback, signIn } = await signInAt(upstream, acme.issuer);
    const withoutIss = new URL(callback);
    withoutIss.searchParams.delete('iss');
    assert.equal((await refusal(upstream.finish(withoutIss.href, signIn))).reason, 'invalid_response');
    assert.equal((await acme.requests()).filter((r) => r === 'POST /token').length, tokenCalls);
  });

  it('reports the token endpoint refusing a code: replayed, or with the wrong PKCE verifier', async () => {
    const { callback, signIn } = await signInAt(upstream, acme.issuer);
    await upstream.finish(callback, signIn);
    const replay = await refusal(upstream.finish(callback, signIn));
    assert.equal(replay.reason, 'invalid_response');
    assert.match(replay.message, /invalid_grant/);
    assertSafe(replay, codeOf(callback));

    const other = await signInAt(upstream, acme.issuer);
    const wrongVerifier = await refusal(upstream.finish(other.callback, { ...other.signIn, codeVerifier: client.randomPKCECodeVerifier() }));
    assert.equal(wrongVerifier.reason, 'invalid_response');
    assert.match(wrongVerifier.message, /invalid_grant/);
  });

  it('gives up on a token endpoint that hangs within the timeout', async () => {
    const { callback, signIn } = await signInAt(upstream, acme.issuer);
    await acme.misbehave('stall_token');
    try {
      const { value: error, ms } = await timed(refusal(upstream.finish(callback, signIn)));
      assert.equal(error.reason, 'unavailable');
      assert.ok(ms < TIMEOUT_MS + 1_500, `took ${ms} ms`);
      assertSafe(error, codeOf(callback));
    } finally {
      await acme.misbehave(null);
    }
  });

  it('check() passes for a working provider and says what is wrong otherwise', async () => {
    await oidc().check();

    const wrongPath = await refusal(oidc({ issuer: `${acme.issuer}/tenant` }).check());
    assert.match(wrongPath.message, /\/tenant\/\.well-known\/openid-configuration/);
    assert.match(wrongPath.message, /HTTP 404.*issuer URL/);

    // The same provider under another name for the host: the operator is told the issuer to configure.
    const otherName = await refusal(oidc({ issuer: acme.issuer.replace('127.0.0.1', 'localhost') }).check());
    assert.equal(otherName.reason, 'invalid_response');
    assert.ok(otherName.message.includes(`names the issuer ${acme.issuer}`), otherName.message);

    const plainHttp = await refusal(oidc({ issuer: 'http://idp.example.com' }).check());
    assert.match(plainHttp.message, /must use https/);
  });
});

describe('upstream OpenID provider that puts the profile only in userinfo', () => {
  let acme: TestProvider<OpenIdMisbehaviour>;
  before(async () => {
    acme = await startOpenIdProvider({ clients: [{ client_id: 'tessera', client_secret: SECRET, redirect_uris: [REDIRECT] }], users: [ALICE], claimsInIdToken: false });
  });
  after(() => acme.stop());

  it('completes the ID token with the userinfo answer', async () => {
    const upstream = upstreamProvider({ kind: 'oidc', oidc: { issuer: acme.issuer, clientId: 'tessera', clientSecret: SECRET, scopes: SCOPES } }, { timeoutMs: TIMEOUT_MS });
    const { callback, signIn } = await signInAt(upstream, acme.issuer);
    const claims = await upstream.finish(callback, signIn);
    assert.deepEqual(claims, {
      subject: 'acme-0001',
      username: 'alice',
      email: 'alice@acme.example',
      emailVerified: true,
      name: 'Alice Liddell',
      amr: ['pwd', 'mfa'],
      groups: ['engineering', 'admins'],
    });
    assert.ok((await acme.requests()).includes('GET /me'));
  });
});

describe('unreachable upstream providers', () => {
  const settings = (issuer: string) => ({ kind: 'oidc' as const, oidc: { issuer, clientId: 'tessera', clientSecret: SECRET, scopes: SCOPES } });

  it('a closed port: unavailable at once, and check() says the connection was refused', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const upstream = upstreamProvider(settings(issuer), { timeoutMs: TIMEOUT_MS });
    const error = await refusal(upstream.authorizationUrl(newSignIn()));
    assert.equal(error.reason, 'unavailable');
    const check = await refusal(upstream.check());
    assert.match(check.message, /connection refused/);
    assert.ok(check.message.includes(issuer.slice('http://'.length)), check.message);
  });

  it('a provider that accepts connections and never answers: unavailable within the timeout, then not asked again for a while', async () => {
    const silent = await silentServer();
    try {
      const upstream = upstreamProvider(settings(silent.url), { timeoutMs: TIMEOUT_MS });
      const { value: error, ms } = await timed(refusal(upstream.authorizationUrl(newSignIn())));
      assert.equal(error.reason, 'unavailable');
      assert.match(error.message, /no answer within 1000 ms/);
      assert.ok(ms >= TIMEOUT_MS - 50 && ms < TIMEOUT_MS + 1_500, `took ${ms} ms`);
      // The next sign-ins within the retry delay fail at once, without knocking again.
      const seen = silent.connections();
      const again = await timed(refusal(upstream.authorizationUrl(newSignIn())));
      assert.equal(again.value.reason, 'unavailable');
      assert.ok(again.ms < 100, `took ${again.ms} ms`);
      assert.equal(silent.connections(), seen);
    } finally {
      await silent.close();
    }
  });
});
