import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../src/core/durations.js';
import { ConfigError, DEFAULT_TTL, makeConfig } from '../../src/core/config.js';
import { buildClient, changeClient, ClientMetadataError } from '../../src/core/clients/registration.js';
import { accessTokenAlg, idTokenAlg, longestJwtLifetime, tokenLifetimes } from '../../src/core/tokens/lifetimes.js';
import { keyRetention, RETIREMENT_SLACK } from '../../src/core/keys/rotation.js';

const ISSUER = 'https://id.example.com';
const pepper = Buffer.alloc(32, 7);
const app = (input: Parameters<typeof buildClient>[0] = {}) => buildClient({ name: 'A', redirectUris: ['https://a.example.com/cb'], ...input }, pepper, 1).client;

describe('durations', () => {
  it('reads 90s, 10m, 12h, 30d and bare seconds, and nothing else', () => {
    assert.deepEqual(['90s', '10m', '12h', '30d', '45', ' 7m ', 600].map(parseDuration), [90, 600, 43200, 2592000, 45, 420, 600]);
    for (const bad of ['', 'm', '10 m', '1.5h', '-5s', '10w', '1h30m', 'ten', 1.5, -1, Number.NaN]) assert.equal(parseDuration(bad), undefined, String(bad));
  });
  it('writes seconds in the largest unit that divides them', () => {
    assert.deepEqual([90, 600, 3600, 86400, 90000, 1].map(formatDuration), ['90s', '10m', '1h', '1d', '25h', '1s']);
  });
});

describe('server lifetimes', () => {
  it('defaults keep the lifetimes of before: sessions a day from sign-in, refresh tokens 30 days unused, and a year at most', () => {
    const { ttl } = makeConfig({ issuer: ISSUER });
    assert.deepEqual(ttl, DEFAULT_TTL);
    assert.deepEqual([ttl.accessToken, ttl.idToken, ttl.authorizationCode, ttl.session, ttl.sessionAbsolute], [900, 3600, 60, 86400, 86400]);
    assert.deepEqual([ttl.refreshToken, ttl.refreshTokenAbsolute, ttl.deviceCode], [30 * 86400, 365 * 86400, 600]);
  });
  it('refuses lifetimes out of bounds, naming the lifetime and the bound', () => {
    const refused = (ttl: Record<string, number>, message: RegExp) => assert.throws(() => makeConfig({ issuer: ISSUER, ttl }), (e: Error) => e instanceof ConfigError && message.test(e.message));
    refused({ authorizationCode: 61 }, /authorization code lifetime must be at most 1m, not 61s/);
    refused({ accessToken: 2 * 86400 }, /access token lifetime must be at most 1d, not 2d/);
    refused({ deviceCode: 7200 }, /device code lifetime must be at most 1h/);
    refused({ session: 401 * 86400 }, /session idle lifetime must be at most 400d/);
    refused({ refreshTokenAbsolute: 0 }, /refresh token absolute lifetime must be a positive whole number/);
    refused({ idToken: 1.5 }, /ID token lifetime must be a positive whole number/);
    assert.throws(() => makeConfig({ issuer: ISSUER, idTokenAlg: 'HS256' as never }), /idTokenAlg must be one of RS256, ES256, PS256/);
    assert.throws(() => makeConfig({ issuer: ISSUER, accessTokenAlg: 'PS256' as never }), /accessTokenAlg must be one of ES256, RS256/);
  });
});

describe('per-client lifetimes and algorithms', () => {
  const config = makeConfig({ issuer: ISSUER, ttl: { accessToken: 600, refreshTokenAbsolute: 86400 }, accessTokenAlg: 'ES256', idTokenAlg: 'RS256' });

  it("take the client's own where it has one, else the server's", () => {
    const plain = app();
    assert.deepEqual(tokenLifetimes(config, plain), { accessToken: 600, idToken: 3600, refreshToken: 30 * 86400, refreshTokenAbsolute: 86400 });
    assert.deepEqual([accessTokenAlg(config, plain), idTokenAlg(config, plain)], ['ES256', 'RS256']);
    const own = app({ lifetimes: { accessToken: 60, idToken: 120, refreshToken: 3600, refreshTokenAbsolute: 7200 }, idTokenAlg: 'PS256', accessTokenAlg: 'RS256' });
    assert.deepEqual(tokenLifetimes(config, own), { accessToken: 60, idToken: 120, refreshToken: 3600, refreshTokenAbsolute: 7200 });
    assert.deepEqual([accessTokenAlg(config, own), idTokenAlg(config, own)], ['RS256', 'PS256']);
  });

  it("leave room for an API's own: the shorter access token lifetime wins, and the API's algorithm", () => {
    const own = app({ lifetimes: { accessToken: 1200 }, accessTokenAlg: 'RS256' });
    assert.equal(tokenLifetimes(config, own, { accessTokenTtl: 300 }).accessToken, 300);
    assert.equal(tokenLifetimes(config, own, { accessTokenTtl: 3000 }).accessToken, 1200);
    assert.equal(tokenLifetimes(config, app(), { accessTokenTtl: 3000 }).accessToken, 3000, "an API's longer lifetime beats the server's default");
    assert.equal(accessTokenAlg(config, own, { accessTokenAlg: 'ES256' }), 'ES256');
  });

  it("keep retired keys published as long as the longest-lived token any client can get", () => {
    assert.equal(keyRetention(config), 3600 + RETIREMENT_SLACK);
    const long = app({ lifetimes: { accessToken: 20000 } });
    assert.equal(longestJwtLifetime(config, [app(), long]), 20000);
    assert.equal(keyRetention(config, [app(), long]), 20000 + RETIREMENT_SLACK);
  });

  it('are refused out of bounds or unknown, naming the metadata field', () => {
    const refused = (input: Parameters<typeof buildClient>[0], field: string, message: RegExp) =>
      assert.throws(() => app(input), (e: Error) => e instanceof ClientMetadataError && e.field === field && message.test(e.message), JSON.stringify(input));
    refused({ lifetimes: { accessToken: 2 * 86400 } }, 'access_token_ttl', /access token lifetime must be at most 1d/);
    refused({ lifetimes: { refreshToken: 0 } }, 'refresh_token_ttl', /positive whole number/);
    refused({ lifetimes: { refreshTokenAbsolute: 6 * 365 * 86400 } }, 'refresh_token_absolute_ttl', /at most 1825d/);
    refused({ idTokenAlg: 'HS256' }, 'id_token_signed_response_alg', /'HS256' is not supported \(supported: RS256, ES256, PS256\)/);
    refused({ idTokenAlg: 'none' }, 'id_token_signed_response_alg', /not supported/);
    refused({ accessTokenAlg: 'PS256' }, 'access_token_alg', /supported: ES256, RS256/);
  });

  it('are kept by a change that does not name them, and go back to the server\'s with null', () => {
    const own = app({ lifetimes: { accessToken: 60, refreshToken: 3600 }, idTokenAlg: 'ES256' });
    const renamed = changeClient(own, { name: 'B' }, pepper, 2).client;
    assert.deepEqual([renamed.lifetimes, renamed.idTokenAlg], [{ accessToken: 60, refreshToken: 3600 }, 'ES256']);
    const reset = changeClient(own, { lifetimes: { accessToken: null, idToken: 90 }, idTokenAlg: null }, pepper, 3).client;
    assert.deepEqual([reset.lifetimes, reset.idTokenAlg], [{ idToken: 90, refreshToken: 3600 }, null]);
  });
});
