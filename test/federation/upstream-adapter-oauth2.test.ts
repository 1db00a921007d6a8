import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { OAuth2Settings, Upstream } from '../../src/core/federation/ports.js';
import { upstreamProvider } from '../../src/federation/oidc/index.js';
import { startOAuth2Provider, type OAuth2Misbehaviour, type TestProvider } from '../helpers/upstream-idp.js';
import { assertSafe, closedPort, codeOf, newSignIn, REDIRECT, refusal, signInAt, timed } from '../helpers/upstream-sign-in.js';

/** The upstream adapter against a real GitHub-like OAuth 2.0 provider in its own process over real sockets. */

const TIMEOUT_MS = 1_000;

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
    const { url, callback, signIn } = await signInAt(upstream, hub.issuer, octo);
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
    const { callback, signIn } = await signInAt(upstream, hub.issuer, octo);
    assert.equal((await upstream.finish(callback, signIn)).emailVerified, true);
  });

  it('refuses a state mismatch, a provider error, a wrong client secret and a replayed code', async () => {
    const upstream = github();
    const first = await signInAt(upstream, hub.issuer, octo);
    assert.equal((await refusal(upstream.finish(first.callback, newSignIn()))).reason, 'state_mismatch');

    await hub.misbehave('access_denied');
    try {
      const denied = await signInAt(upstream, hub.issuer, octo);
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

    const fresh = await signInAt(upstream, hub.issuer, octo);
    await upstream.finish(fresh.callback, fresh.signIn);
    const replay = await refusal(upstream.finish(fresh.callback, fresh.signIn));
    assert.equal(replay.reason, 'invalid_response');
    assert.match(replay.message, /invalid_grant/);
    assertSafe(replay, codeOf(fresh.callback));
  });

  it('gives up on a token endpoint that hangs within the timeout', async () => {
    const upstream = github();
    const { callback, signIn } = await signInAt(upstream, hub.issuer, octo);
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
