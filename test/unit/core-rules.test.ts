import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCodeChallenge, s256, verifyCodeVerifier } from '../../src/core/pkce.js';
import { OAuthError } from '../../src/core/errors.js';
import { commandLineToken } from '../../src/core/crypto.js';
import { isSubset, parseScope, requireAllowedScopes } from '../../src/core/scopes.js';
import { parseForm, singleValued } from '../../src/core/params.js';
import { errorJson } from '../../src/core/endpoints/form.js';
import { errorRedirect, redirectWith } from '../../src/core/endpoints/authorize/request.js';
import { buildClient, changeClient, ClientMetadataError, newClientId } from '../../src/core/clients/registration.js';
import { makeConfig, ConfigError } from '../../src/core/config.js';
import { escapeHtml, html } from '../../src/ui/html.js';

const code = (error: string) => (e: unknown) => e instanceof OAuthError && e.error === error;

describe('PKCE (RFC 7636)', () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  it('computes the RFC 7636 appendix B example', () => assert.equal(s256(verifier), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'));
  it('requires S256 and a well-formed challenge', () => {
    assert.equal(checkCodeChallenge(s256(verifier), 'S256'), s256(verifier));
    assert.throws(() => checkCodeChallenge(undefined, 'S256'), code('invalid_request'));
    assert.throws(() => checkCodeChallenge(verifier, 'plain'), code('invalid_request'));
    assert.throws(() => checkCodeChallenge(s256(verifier), undefined), code('invalid_request'));
    assert.throws(() => checkCodeChallenge('short', 'S256'), code('invalid_request'));
  });
  it('verifies the verifier', () => {
    verifyCodeVerifier(verifier, s256(verifier));
    assert.throws(() => verifyCodeVerifier(verifier.replace('d', 'e'), s256(verifier)), code('invalid_grant'));
    assert.throws(() => verifyCodeVerifier('too-short', s256(verifier)), code('invalid_grant'));
    assert.throws(() => verifyCodeVerifier(undefined, s256(verifier)), code('invalid_request'));
  });
});

describe('scopes (RFC 6749 §3.3)', () => {
  it('parses, de-duplicates and checks syntax', () => {
    assert.deepEqual(parseScope('openid  profile openid'), ['openid', 'profile']);
    assert.deepEqual(parseScope(undefined), []);
    assert.throws(() => parseScope('a "b"'), code('invalid_scope'));
    assert.throws(() => parseScope('a\\b'), code('invalid_scope'));
    assert.throws(() => parseScope('ünï'), code('invalid_scope'));
  });
  it('allows only what the client has', () => {
    assert.ok(isSubset(['a'], ['a', 'b']));
    assert.ok(!isSubset(['a', 'c'], ['a', 'b']));
    requireAllowedScopes(['a'], ['a']);
    assert.throws(() => requireAllowedScopes(['a', 'c'], ['a']), code('invalid_scope'));
  });
});

describe('parameters (RFC 6749 §3.1)', () => {
  it('refuses repeats and overlong values', () => {
    assert.deepEqual({ ...singleValued(parseForm('a=1&b=2+3')) }, { a: '1', b: '2 3' });
    assert.throws(() => singleValued(parseForm('a=1&a=1')), code('invalid_request'));
    assert.throws(() => singleValued({ a: ['x'.repeat(5000)] }), code('invalid_request'));
  });
});

describe('error rendering', () => {
  it('renders RFC 6749 §5.2 JSON, never cached, with extra headers', () => {
    const answer = errorJson(new OAuthError('invalid_client', 'nope', { headers: { 'WWW-Authenticate': 'Basic' } }));
    assert.deepEqual(answer, {
      kind: 'json', status: 401, body: new OAuthError('invalid_client', 'nope').toJSON(),
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache', 'WWW-Authenticate': 'Basic' },
    });
    assert.deepEqual(new OAuthError('invalid_grant', 'x').toJSON(), { error: 'invalid_grant', error_description: 'x' });
  });
  it('passes faults that are not protocol errors on', () => assert.throws(() => errorJson(new TypeError('bug')), TypeError));
  it('builds error redirects with state and iss, keeping the registered query', () => {
    const url = new URL(errorRedirect('https://id.example.com', 'https://a.example.com/cb?t=1', 'a b&c', new OAuthError('access_denied', 'no')));
    assert.equal(url.searchParams.get('t'), '1');
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(url.searchParams.get('state'), 'a b&c');
    assert.equal(url.searchParams.get('iss'), 'https://id.example.com');
    assert.equal(redirectWith('com.example.app:/cb', { code: 'x' }), 'com.example.app:/cb?code=x');
  });
});

describe('client registration rules', () => {
  const pepper = Buffer.alloc(32, 7);
  it('gives confidential clients a 256-bit secret stored only as a keyed hash', () => {
    const { client, secret } = buildClient({ name: 'A', redirectUris: ['https://a.example.com/cb'] }, pepper, 1);
    assert.ok(secret && Buffer.from(secret, 'base64url').length === 32);
    assert.ok(client.secretHash && client.secretHash !== secret);
    assert.deepEqual(client.grantTypes, ['authorization_code', 'refresh_token']);
    assert.equal(client.tokenEndpointAuthMethod, 'client_secret_basic');
  });
  it('makes public clients native with auth method none and no secret', () => {
    const { client, secret } = buildClient({ name: 'P', type: 'public', redirectUris: ['http://127.0.0.1/cb'] }, pepper, 1);
    assert.equal(secret, undefined);
    assert.equal(client.secretHash, null);
    assert.equal(client.applicationType, 'native');
    assert.equal(client.tokenEndpointAuthMethod, 'none');
  });
  it('makes client ids that never look like a command-line option', () => {
    for (let i = 0; i < 2000; i++) assert.match(newClientId(), /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
  });
  it('refuses inconsistent metadata', () => {
    const bad: Parameters<typeof buildClient>[0][] = [
      { name: '' },
      { name: 'A', grantTypes: ['authorization_code'] },
      { name: 'A', type: 'public', grantTypes: ['password'] },
      { name: 'A', grantTypes: ['refresh_token', 'client_credentials'] },
      { name: 'A', grantTypes: ['implicit'] },
      { name: 'A', type: 'public', grantTypes: ['client_credentials'] },
      { name: 'A', grantTypes: ['refresh_token', 'client_credentials'] },
      { name: 'A', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'none' },
      { name: 'A', type: 'public', redirectUris: ['http://127.0.0.1/cb'], tokenEndpointAuthMethod: 'client_secret_basic' },
      { name: 'A', grantTypes: ['client_credentials'], scopes: ['bad"scope'] },
      { name: 'A', redirectUris: ['http://a.example.com/cb'] },
    ];
    for (const input of bad) assert.throws(() => buildClient(input, pepper, 1), ClientMetadataError, JSON.stringify(input));
  });
  it('keeps what an update does not name, and drops the secret of a client made public', () => {
    const { client } = buildClient({ name: 'A', redirectUris: ['https://a.example.com/cb'], scopes: ['openid', 'x'] }, pepper, 1);
    const renamed = changeClient(client, { name: 'B' }, pepper, 2).client;
    assert.deepEqual([renamed.name, renamed.scopes, renamed.secretHash], ['B', ['openid', 'x'], client.secretHash]);
    const pub = changeClient(client, { type: 'public', applicationType: 'native' }, pepper, 3).client;
    assert.equal(pub.secretHash, null);
    assert.equal(pub.tokenEndpointAuthMethod, 'none');
  });
});

describe('config', () => {
  it('normalizes the issuer and refuses insecure or malformed ones', () => {
    assert.equal(makeConfig({ issuer: 'https://id.example.com/' }).issuer, 'https://id.example.com');
    assert.equal(makeConfig({ issuer: 'http://localhost:9000' }).secureCookies, false);
    for (const issuer of ['http://id.example.com', 'not a url', 'https://id.example.com/?x=1']) assert.throws(() => makeConfig({ issuer }), ConfigError);
    assert.throws(() => makeConfig({ issuer: 'https://a.example.com', ttl: { authorizationCode: 600 } }), ConfigError);
  });
});

describe('html escaping', () => {
  it('escapes interpolations unless they are safe html', () => {
    assert.equal(escapeHtml(`<a href="x">'&`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    assert.equal(html`<p>${'<b>'}</p>${html`<i>ok</i>`}`.value, '<p>&lt;b&gt;</p><i>ok</i>');
  });
});

describe('the address a limit counts', () => {
  it('counts IPv4 addresses apart, IPv4-mapped ones as IPv4, and IPv6 by /64 network', async () => {
    const { addressBucket } = await import('../../src/core/limits.js');
    assert.equal(addressBucket('203.0.113.7'), '203.0.113.7');
    assert.equal(addressBucket('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressBucket('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressBucket('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(addressBucket('2001:0db8:0001:0002::'), '2001:db8:1:2::/64');
    assert.equal(addressBucket('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressBucket('::1'), '0:0:0:0::/64');
    assert.notEqual(addressBucket('2001:db8:1:3::1'), addressBucket('2001:db8:1:2::1'));
  });
});

describe('tokens an operator passes on a command line', () => {
  it('never start with - or _ (commander would read them as options), and stay 256-bit base64url', () => {
    for (let i = 0; i < 2000; i++) {
      const token = commandLineToken(32);
      assert.match(token, /^[A-Za-z0-9][A-Za-z0-9_-]{42}$/);
    }
  });
});
