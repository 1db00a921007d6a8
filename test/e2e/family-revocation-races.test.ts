import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * Revoking a family (a replayed code, a reused refresh token, /revoke of a refresh token) while
 * another request of the same family is issuing tokens must leave none of them active (issue 16).
 * Each race runs many times, the two requests sent at once.
 */

const CALLBACK = 'https://app.example.com/cb';
const TRIALS = 20;

describe('family revocation racing issuance', () => {
  let server: TestServer;
  let app: { clientId: string; secret?: string };
  let session: Browser;

  before(async () => {
    server = await startTestServer();
    const user = await server.addUser({ username: 'rae' });
    app = await server.addClient({ name: 'Web', redirectUris: [CALLBACK], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'api'] });
    session = new Browser(server.issuer);
    // Signed in, with consent remembered: every later /authorize answers with a code at once.
    await code(session, { username: 'rae', password: user.password });
  });
  after(() => server.close());

  async function code(browser: Browser, signIn: { username?: string; password?: string } = {}): Promise<{ code: string; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: CALLBACK, scope: 'openid api', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const back = await browser.authorize(`${server.issuer}/authorize?${query}`, signIn);
    return { code: back.searchParams.get('code')!, verifier };
  }
  const token = (form: Record<string, string>) => postForm(`${server.issuer}/token`, form, basic(app.clientId, app.secret!));
  const redeem = (grant: { code: string; verifier: string }) => token({ grant_type: 'authorization_code', code: grant.code, redirect_uri: CALLBACK, code_verifier: grant.verifier });
  const refresh = (refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const active = async (t: string) => (await postForm(`${server.issuer}/introspect`, { token: t }, basic(app.clientId, app.secret!))).body['active'] === true;

  /** Every access and refresh token any answer handed out: none may be active, and no refresh token may work. */
  async function noneSurvive(answers: { status: number; body: Record<string, unknown> }[], trial: number): Promise<void> {
    for (const a of answers.filter((x) => x.status === 200)) {
      assert.equal(await active(String(a.body['access_token'])), false, `trial ${trial}: an access token of the revoked family is active`);
      const rt = a.body['refresh_token'];
      if (typeof rt === 'string') assert.notEqual((await refresh(rt)).status, 200, `trial ${trial}: a refresh token of the revoked family still refreshes`);
    }
  }

  it('leaves no token active when a code is redeemed twice at once (the replay revokes the family)', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const grant = await code(session);
      const answers = await Promise.all([redeem(grant), redeem(grant)]);
      assert.ok(answers.filter((a) => a.status === 200).length <= 1);
      await noneSurvive(answers, trial);
    }
  });

  it('leaves no token active when a refresh token is used twice at once (reuse revokes the family)', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const first = await redeem(await code(session));
      const rt = String(first.body['refresh_token']);
      const answers = await Promise.all([refresh(rt), refresh(rt)]);
      await noneSurvive([first, ...answers], trial);
    }
  });

  it('leaves no token active when a refresh token is revoked while it is being used', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const first = await redeem(await code(session));
      const rt = String(first.body['refresh_token']);
      const [used, revoked] = await Promise.all([refresh(rt), postForm(`${server.issuer}/revoke`, { token: rt, token_type_hint: 'refresh_token' }, basic(app.clientId, app.secret!))]);
      assert.equal(revoked.status, 200);
      await noneSurvive([first, used], trial);
    }
  });
});
