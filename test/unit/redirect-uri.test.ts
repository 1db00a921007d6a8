import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchRedirectUri, redirectUriProblem } from '../../src/core/clients/redirect-uri.js';

describe('redirect URI matching', () => {
  const table: [requested: string, registered: string[], type: 'web' | 'native', expected: string | undefined][] = [
    ['https://a.example.com/cb', ['https://a.example.com/cb'], 'web', 'https://a.example.com/cb'],
    ['https://a.example.com/cb/', ['https://a.example.com/cb'], 'web', undefined],
    ['https://a.example.com/Cb', ['https://a.example.com/cb'], 'web', undefined],
    ['https://a.example.com/cb?x=1', ['https://a.example.com/cb'], 'web', undefined],
    ['https://a.example.com:443/cb', ['https://a.example.com/cb'], 'web', undefined],
    ['http://127.0.0.1:4000/cb', ['http://127.0.0.1:3000/cb'], 'web', undefined],
    ['http://127.0.0.1:4000/cb', ['http://127.0.0.1:3000/cb'], 'native', 'http://127.0.0.1:3000/cb'],
    ['http://127.0.0.1:4000/cb', ['http://127.0.0.1/cb'], 'native', 'http://127.0.0.1/cb'],
    ['http://127.0.0.1/cb', ['http://127.0.0.1:3000/cb'], 'native', 'http://127.0.0.1:3000/cb'],
    ['http://[::1]:61000/cb', ['http://[::1]/cb'], 'native', 'http://[::1]/cb'],
    ['http://127.0.0.1:4000/cb?x', ['http://127.0.0.1/cb'], 'native', undefined],
    ['http://127.0.0.1:4000/other', ['http://127.0.0.1/cb'], 'native', undefined],
    ['http://localhost:4000/cb', ['http://localhost/cb'], 'native', undefined],
    ['http://127.0.0.1:4000@evil.com/cb', ['http://127.0.0.1/cb'], 'native', undefined],
    ['http://127.0.0.1:99999999/cb', ['http://127.0.0.1/cb'], 'native', undefined],
    ['http://127.0.0.1:65536/cb', ['http://127.0.0.1/cb'], 'native', undefined],
    ['http://127.0.0.1:0/cb', ['http://127.0.0.1/cb'], 'native', undefined],
    ['http://127.0.0.1:08080/cb', ['http://127.0.0.1/cb'], 'native', undefined],
    ['http://[::1]:00001/cb', ['http://[::1]/cb'], 'native', undefined],
    ['http://127.0.0.1:65535/cb', ['http://127.0.0.1/cb'], 'native', 'http://127.0.0.1/cb'],
    ['http://127.0.0.1:1/cb', ['http://127.0.0.1:3000/cb'], 'native', 'http://127.0.0.1:3000/cb'],
    ['https://127.0.0.1:4000/cb', ['https://127.0.0.1/cb'], 'native', undefined],
    ['com.example.app:/cb', ['com.example.app:/cb'], 'native', 'com.example.app:/cb'],
    ['com.example.app:/cb2', ['com.example.app:/cb'], 'native', undefined],
  ];
  for (const [requested, registered, type, expected] of table) {
    it(`${requested} vs ${registered.join(',')} (${type}) → ${expected ?? 'no match'}`, () => {
      assert.equal(matchRedirectUri(requested, registered, type), expected);
    });
  }
});

describe('redirect URI registration rules', () => {
  const ok: [string, 'web' | 'native'][] = [
    ['https://app.example.com/cb', 'web'],
    ['https://app.example.com/cb?tenant=1', 'web'],
    ['http://localhost:3000/cb', 'web'],
    ['http://127.0.0.1/cb', 'native'],
    ['http://[::1]/cb', 'native'],
    ['http://127.0.0.1:65535/cb', 'native'],
    ['https://app.example.com:8443/cb', 'web'],
    ['com.example.app:/oauth', 'native'],
  ];
  for (const [uri, type] of ok) it(`accepts ${uri} for ${type}`, () => assert.equal(redirectUriProblem(uri, type), undefined));

  const refused: [string, 'web' | 'native', RegExp][] = [
    ['http://app.example.com/cb', 'web', /https/],
    ['https://app.example.com/cb#x', 'web', /fragment/],
    ['https://*.example.com/cb', 'web', /wildcard/],
    ['javascript:alert(1)', 'native', /javascript/],
    ['data:text/html,x', 'native', /data/],
    ['file:///etc/passwd', 'native', /file/],
    ['myapp:/cb', 'native', /dot/],
    ['com.example.app:/cb', 'web', /native/],
    ['/relative/cb', 'web', /absolute/],
    ['https://user:pw@app.example.com/cb', 'web', /credentials/],
    ['http://127.0.0.1:0/cb', 'native', /port/],
    ['http://127.0.0.1:65536/cb', 'native', /absolute|port/],
    ['http://127.0.0.1:080/cb', 'native', /port/],
    ['http://[::1]:0/cb', 'native', /port/],
    ['http://127.0.0.1:/cb', 'native', /port/],
    ['https://app.example.com:0/cb', 'web', /port/],
  ];
  for (const [uri, type, why] of refused) it(`refuses ${uri} for ${type}`, () => assert.match(redirectUriProblem(uri, type) ?? '', why));
});
