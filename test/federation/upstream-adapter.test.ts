import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { UpstreamError, type OAuth2Settings, type Upstream, type UpstreamSignIn } from '../../src/core/federation/ports.js';
import { upstreamProvider } from '../../src/federation/oidc/index.js';
import { Browser } from '../helpers/browser.js';
import { startOAuth2Provider, startOpenIdProvider, type OAuth2Misbehaviour, type OpenIdMisbehaviour, type TestProvider, type UpstreamUser } from '../helpers/upstream-idp.js';

/**
 * The upstream adapter against real providers in their own processes over real sockets: the test
 * plays the browser (fetch and cookies) and the core (state, nonce and verifier kept per sign-in).
 * No Tessera runs: the redirect back to it is where the browser stops, and its URL is the callback.
 */

const REDIRECT = 'http://127.0.0.1:9/federation/acme/callback';
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

function newSignIn(): UpstreamSignIn {
  return { redirectUri: REDIRECT, state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
}

/** Runs the browser's part: from the authorization URL, through the provider's sign-in form, to the callback URL. */
async function signInAt(upstream: Upstream, issuer: string, signIn = newSignIn(), user = { username: ALICE.username, password: ALICE.password }) {
  const url = await upstream.authorizationUrl(signIn);
  const callback = await new Browser(issuer).authorize(url, user);
  return { url: new URL(url), callback: callback.href, signIn };
}

async function refusal(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the sign-in to be refused');
}

/** A message shown to people holds no markup, no stack and none of the flow's secrets. */
function assertSafe(error: UpstreamError, ...secrets: string[]): void {
  assert.doesNotMatch(error.message, /[<>]|\n\s+at /);
  for (const secret of secrets) assert.ok(!error.message.includes(secret), `message leaks ${secret}`);
}

function codeOf(callback: string): string {
  return new URL(callback).searchParams.get('code') ?? '';
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts connections and never answers: a provider that hangs. */
async function silentServer(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - start };
}

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

describe('upstream plain OAuth 2.0 provider (GitHub-like, in its own process)', () => {
  let hub: TestProvider<OAuth2Misbehaviour>;
  const HUB_SECRET = 'octohub-client-secret-0123456789abcdef';
  const OCTO = { id: 4242, login: 'octo', email: 'octo@example.com', name: 'Octo Cat', verified: { email: true } };
  const github = (overrides: Partial<OAuth2Settings> = {}): Upstream =>
    upstreamProvider(
      {
        kind: 'oauth2',
        oauth2: {
          authorizationEndpoint: `${hub.issuer}/authorize`,
          tokenEndpoint: `${hub.issuer}/token`,
          userEndpoint: `${hub.issuer}/user`,
          clientId: 'tessera-gh',
          clientSecret: HUB_SECRET,
          scopes: ['read:user', 'user:email'],
          mapping: { subject: 'id', username: 'login', email: 'email', emailVerified: null, name: 'name' },
          ...overrides,
        },
      },
      { timeoutMs: TIMEOUT_MS },
    );
  const octo = { username: 'octo', password: 'octo-password' };

  before(async () => {
    hub = await startOAuth2Provider({
      clients: [{ client_id: 'tessera-gh', client_secret: HUB_SECRET, redirect_uris: [REDIRECT] }],
      users: [{ login: 'octo', password: octo.password, profile: OCTO }],
    });
  });
  after(() => hub.stop());

  it('signs a user in and maps the user JSON (a numeric id becomes text; unverified unless mapped)', async () => {
    const upstream = github();
    const { url, callback, signIn } = await signInAt(upstream, hub.issuer, newSignIn(), octo);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('state'), signIn.state);
    assert.equal(url.searchParams.get('nonce'), null, 'no nonce without OpenID Connect');
    assert.deepEqual(await upstream.finish(callback, signIn), {
      subject: '4242',
      username: 'octo',
      email: 'octo@example.com',
      emailVerified: false,
      name: 'Octo Cat',
      amr: [],
      groups: [],
    });
  });

  it('reads whether the address is verified from a dotted path when one is mapped', async () => {
    const upstream = github({ mapping: { subject: 'id', username: 'login', email: 'email', emailVerified: 'verified.email', name: 'name' } });
    const { callback, signIn } = await signInAt(upstream, hub.issuer, newSignIn(), octo);
    assert.equal((await upstream.finish(callback, signIn)).emailVerified, true);
  });

  it('refuses a state mismatch, a provider error, a wrong client secret and a replayed code', async () => {
    const upstream = github();
    const first = await signInAt(upstream, hub.issuer, newSignIn(), octo);
    assert.equal((await refusal(upstream.finish(first.callback, newSignIn()))).reason, 'state_mismatch');

    await hub.misbehave('access_denied');
    try {
      const denied = await signInAt(upstream, hub.issuer, newSignIn(), octo);
      const error = await refusal(upstream.finish(denied.callback, denied.signIn));
      assert.equal(error.reason, 'provider_error');
      assert.match(error.message, /access_denied/);
      assertSafe(error);
    } finally {
      await hub.misbehave(null);
    }

    const wrongSecret = await refusal(github({ clientSecret: 'not-the-secret' }).finish(first.callback, first.signIn));
    assert.equal(wrongSecret.reason, 'invalid_response');
    assert.match(wrongSecret.message, /invalid_client/);

    const fresh = await signInAt(upstream, hub.issuer, newSignIn(), octo);
    await upstream.finish(fresh.callback, fresh.signIn);
    const replay = await refusal(upstream.finish(fresh.callback, fresh.signIn));
    assert.equal(replay.reason, 'invalid_response');
    assert.match(replay.message, /invalid_grant/);
    assertSafe(replay, codeOf(fresh.callback));
  });

  it('gives up on a token endpoint that hangs within the timeout', async () => {
    const upstream = github();
    const { callback, signIn } = await signInAt(upstream, hub.issuer, newSignIn(), octo);
    await hub.misbehave('stall_token');
    try {
      const { value: error, ms } = await timed(refusal(upstream.finish(callback, signIn)));
      assert.equal(error.reason, 'unavailable');
      assert.ok(ms < TIMEOUT_MS + 1_500, `took ${ms} ms`);
    } finally {
      await hub.misbehave(null);
    }
  });

  it('check() reaches every endpoint and names the one that is wrong', async () => {
    await github().check();
    const missingUser = await refusal(github({ userEndpoint: `${hub.issuer}/api/user` }).check());
    assert.match(missingUser.message, /user endpoint .*\/api\/user .*HTTP 404/);
    const port = await closedPort();
    const deadToken = await refusal(github({ tokenEndpoint: `http://127.0.0.1:${port}/token` }).check());
    assert.equal(deadToken.reason, 'unavailable');
    assert.match(deadToken.message, /token endpoint .*connection refused/);
    const plainHttp = await refusal(github({ userEndpoint: 'http://api.example.com/user' }).check());
    assert.match(plainHttp.message, /must use https/);
  });
});
