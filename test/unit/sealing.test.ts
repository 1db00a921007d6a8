import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSealed, seal, unseal } from '../../src/core/crypto.js';

const PEPPER = Buffer.alloc(32, 7);

describe('sealing secrets the server reads back', () => {
  it('seals in the versioned format (v2: HKDF key, AES-256-GCM), bound to its purpose', () => {
    const sealed = seal(PEPPER, '{"kty":"EC","d":"secret"}', 'signing_key');
    assert.match(sealed, /^v2\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    assert.ok(isSealed(sealed));
    assert.equal(sealed.includes('secret'), false);
    assert.equal(unseal(PEPPER, sealed, 'signing_key'), '{"kty":"EC","d":"secret"}');
    assert.equal(unseal(PEPPER, sealed, 'totp'), undefined, 'a value sealed for one purpose does not open as another');
    assert.equal(unseal(Buffer.alloc(32, 8), sealed, 'signing_key'), undefined, 'another pepper opens nothing');
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = `${v}.${iv}.${tag}.${body!.startsWith('A') ? 'B' : 'A'}${body!.slice(1)}`;
    assert.equal(unseal(PEPPER, flipped, 'signing_key'), undefined, 'an altered value does not open');
    assert.notEqual(seal(PEPPER, 'same', 'totp'), seal(PEPPER, 'same', 'totp'), 'a fresh IV each time');
  });

  it('still opens TOTP secrets sealed by earlier releases (iv.tag.body under the HMAC-derived key)', () => {
    const earlier = 'tL3xW76L--j5cmZd.ER2DO-qd5P7Xt9wLZVbLsw.2oyuy2B3-aciK3-E-90Zjg';
    assert.ok(isSealed(earlier));
    assert.equal(unseal(PEPPER, earlier, 'totp'), 'JBSWY3DPEHPK3PXP');
  });

  it('tells clear text from sealed values', () => {
    for (const clear of ['{"kty":"EC","d":"x"}', '{}', 'JBSWY3DPEHPK3PXP', '']) assert.equal(isSealed(clear), false, clear);
  });
});
