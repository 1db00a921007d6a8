import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { tessera, tesseraJson } from '../helpers/cli.js';
import { postForm } from '../helpers/http.js';
import { sha256 } from '../../src/core/crypto.js';
import { DEVICE_CODE_GRANT } from '../../src/core/clients/client.js';

const CALLBACK = 'https://app.example.com/cb';

/** Seconds a JWT lives, from its own claims. */
const lifetimeOf = (jwt: string) => {
  const { exp, iat } = decodeJwt(jwt);
  return exp! - iat!;
};

const refused = (why: RegExp) => (e: client.ResponseBodyError) => e.error === 'invalid_grant' && why.test(String(e.error_description));

describe('lifetimes', () => {
  let server: TestServer;
  let user: { username: string; password: string };
  let app: { clientId: string; secret?: string };
  let rp: client.Configuration;
  /** Moves the server's clock, and back when the test ends. */
  let moved = 0;
  const advance = (seconds: number) => {
    moved += seconds;
    server.advance(seconds);
  };

  before(async () => {
    // Idle and absolute ends short enough to pass with the test clock, each distinct from the others.
    server = await startTestServer({
      ttl: { session: 600, sessionAbsolute: 1800, refreshToken: 3600, refreshTokenAbsolute: 3 * 3600, authorizationCode: 30, deviceCode: 120 },
    });
    user = await server.addUser({ username: 'lena' });
    app = await server.addClient({ name: 'Web', redirectUris: [CALLBACK], scopes: ['openid', 'profile'] });
    rp = await discover(server, app.clientId, app.secret);
  });
  after(() => server.close());

  const rewind = () => {
    server.advance(-moved);
    moved = 0;
  };
  const signIn = (config = rp, browser = new Browser(server.issuer)) => codeFlow(server, config, CALLBACK, 'openid profile', user, browser);
  const refreshRecord = async (token: string) => (await server.tessera.ctx.stores.refreshTokens.find(sha256(token)))!;

  describe('refresh tokens', () => {
    it('expire when unused for the idle lifetime; each rotation starts it again', async () => {
      try {
        const { tokens } = await signIn();
        const first = await refreshRecord(tokens.refresh_token!);
        assert.equal(first.expiresAt - first.createdAt, 3600);
        advance(3000);
        const r1 = await client.refreshTokenGrant(rp, tokens.refresh_token!);
        advance(3000);
        // 6000 s after the sign-in, past the first token's idle end, but 3000 s after the last use.
        const r2 = await client.refreshTokenGrant(rp, r1.refresh_token!);
        advance(3601);
        await assert.rejects(client.refreshTokenGrant(rp, r2.refresh_token!), refused(/unused for too long/));
      } finally {
        rewind();
      }
    });

    it('end the absolute lifetime after the sign-in that began the lineage, however often rotated', async () => {
      try {
        const { tokens } = await signIn();
        const first = await refreshRecord(tokens.refresh_token!);
        const lineageEnd = first.createdAt + 3 * 3600;
        assert.equal(first.absoluteExpiresAt, lineageEnd);
        let token = tokens.refresh_token!;
        for (let i = 0; i < 3; i++) {
          advance(3000);
          token = (await client.refreshTokenGrant(rp, token)).refresh_token!;
          assert.equal((await refreshRecord(token)).absoluteExpiresAt, lineageEnd, 'the end travels with the lineage');
        }
        // Rotated at 9000 s: an idle hour would run past the lineage's end, so the token ends with the lineage.
        assert.equal((await refreshRecord(token)).expiresAt, lineageEnd);
        advance(3 * 3600 - 9000 + 1);
        await assert.rejects(client.refreshTokenGrant(rp, token), refused(/absolute lifetime reached/));
      } finally {
        rewind();
      }
    });
  });

  describe('the SSO session', () => {
    /** A silent authorization request: a code while the session lives, login_required once it ended. */
    const silent = async (browser: Browser): Promise<'code' | string> => {
      const url = client.buildAuthorizationUrl(rp, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        prompt: 'none',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      });
      const step = await browser.visit(url.href);
      assert.ok('leftTo' in step);
      const back = new URL(step.leftTo);
      return back.searchParams.get('code') ? 'code' : String(back.searchParams.get('error'));
    };
    const sessionRecord = (browser: Browser) => server.tessera.ctx.stores.sessions.find(sha256(browser.cookies.get('tessera_session')!));

    it('lives on while used, and ends when unused for the idle lifetime', async () => {
      try {
        const browser = new Browser(server.issuer);
        await signIn(rp, browser);
        const started = (await sessionRecord(browser))!;
        assert.deepEqual([started.expiresAt - started.createdAt, started.absoluteExpiresAt - started.createdAt], [600, 1800]);
        advance(500);
        assert.equal(await silent(browser), 'code');
        advance(500);
        // 1000 s after the sign-in, past the first idle end: the use at 500 s moved it.
        assert.equal(await silent(browser), 'code');
        advance(601);
        assert.equal(await silent(browser), 'login_required');
      } finally {
        rewind();
      }
    });

    it('ends at its absolute lifetime, however recently it was used', async () => {
      try {
        const browser = new Browser(server.issuer);
        await signIn(rp, browser);
        const started = (await sessionRecord(browser))!;
        for (let i = 0; i < 3; i++) {
          advance(500);
          assert.equal(await silent(browser), 'code');
        }
        assert.equal((await sessionRecord(browser))!.expiresAt, started.absoluteExpiresAt, 'use never extends it past the absolute end');
        advance(301);
        assert.equal(await silent(browser), 'login_required');
      } finally {
        rewind();
      }
    });
  });

  it('gives authorization codes and device codes the configured lifetimes', async () => {
    try {
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(rp, { redirect_uri: CALLBACK, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
      const callback = await new Browser(server.issuer).authorize(url.href, user);
      const code = (await server.tessera.ctx.stores.codes.find(sha256(callback.searchParams.get('code')!)))!;
      assert.equal(code.expiresAt - code.createdAt, 30);
      advance(31);
      await assert.rejects(client.authorizationCodeGrant(rp, callback, { pkceCodeVerifier: verifier }), refused(/expired/));

      const tv = await server.addClient({ name: 'TV', type: 'public', grantTypes: [DEVICE_CODE_GRANT], scopes: ['openid'] });
      const device = await postForm(`${server.issuer}/device_authorization`, { client_id: tv.clientId, scope: 'openid' });
      assert.equal(device.body['expires_in'], 120);
    } finally {
      rewind();
    }
  });

  describe("a client's own lifetimes (tessera client create|update)", () => {
    it('apply to its access, ID and refresh tokens, and to no other client', async () => {
      try {
        const created = await tesseraJson<Record<string, unknown>>([
          'client', 'create', '--name', 'Kiosk', '--redirect-uri', CALLBACK, '--scope', 'openid profile',
          '--access-token-ttl', '2m', '--id-token-ttl', '5m', '--refresh-token-ttl', '10m', '--refresh-token-absolute-ttl', '1h', ...server.storeArgs,
        ]);
        assert.deepEqual([created['access_token_ttl'], created['id_token_ttl'], created['refresh_token_ttl'], created['refresh_token_absolute_ttl']], [120, 300, 600, 3600]);
        const kiosk = await discover(server, String(created['client_id']), String(created['client_secret']));
        const { tokens } = await signIn(kiosk);
        assert.equal(tokens.expires_in, 120);
        assert.equal(lifetimeOf(tokens.access_token), 120);
        assert.equal(lifetimeOf(tokens.id_token!), 300);
        const record = await refreshRecord(tokens.refresh_token!);
        assert.deepEqual([record.expiresAt - record.createdAt, record.absoluteExpiresAt! - record.createdAt], [600, 3600]);

        const other = (await signIn()).tokens;
        assert.deepEqual([other.expires_in, lifetimeOf(other.id_token!)], [900, 3600], "another client keeps the server's");

        advance(601);
        await assert.rejects(client.refreshTokenGrant(kiosk, tokens.refresh_token!), refused(/unused for too long/));
        assert.ok((await client.refreshTokenGrant(rp, other.refresh_token!)).access_token, "the server's idle hour still holds for the other");
        rewind();

        const updated = await tesseraJson<Record<string, unknown>>(['client', 'update', String(created['client_id']), '--access-token-ttl', 'default', '--id-token-ttl', '90s', ...server.storeArgs]);
        assert.deepEqual([updated['access_token_ttl'], updated['id_token_ttl'], updated['refresh_token_ttl']], [undefined, 90, 600]);
        const again = (await signIn(kiosk)).tokens;
        assert.deepEqual([again.expires_in, lifetimeOf(again.id_token!)], [900, 90]);
      } finally {
        rewind();
      }
    });

    it('apply to client_credentials tokens', async () => {
      const created = await tesseraJson<Record<string, unknown>>(['client', 'create', '--name', 'Cron', '--grant-type', 'client_credentials', '--scope', 'jobs:run', '--access-token-ttl', '30s', ...server.storeArgs]);
      const cron = await discover(server, String(created['client_id']), String(created['client_secret']));
      const tokens = await client.clientCredentialsGrant(cron);
      assert.deepEqual([tokens.expires_in, lifetimeOf(tokens.access_token)], [30, 30]);
    });

    it('are refused when malformed or out of bounds, in one line and a non-zero exit', async () => {
      for (const [flag, value, message] of [
        ['--access-token-ttl', '10x', "tessera: error: --access-token-ttl must be a duration such as 90s, 10m, 12h or 30d (or 'default'), not '10x'"],
        ['--access-token-ttl', '2d', 'tessera: error: the access token lifetime must be at most 1d, not 2d'],
        ['--id-token-ttl', '-5m', "tessera: error: --id-token-ttl must be a duration such as 90s, 10m, 12h or 30d (or 'default'), not '-5m'"],
        ['--refresh-token-ttl', '0s', 'tessera: error: the refresh token idle lifetime must be a positive whole number of seconds'],
        ['--refresh-token-absolute-ttl', '3000d', 'tessera: error: the refresh token absolute lifetime must be at most 1825d, not 3000d'],
      ] as const) {
        const run = await tessera(['client', 'create', '--name', 'Bad', '--redirect-uri', CALLBACK, flag, value, ...server.storeArgs]);
        assert.equal(run.code, 1, `${flag} ${value}`);
        assert.equal(run.stderr, `${message}\n`);
      }
    });
  });
});
