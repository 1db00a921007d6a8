import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHmac, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { SignJWT, importJWK, jwtVerify, type JWK } from 'jose';
import { KeyRing } from '../../src/core/keys/key-ring.js';
import { signJwt, verifyOwnJwt, verifyOwnJwtIgnoringExpiry } from '../../src/core/tokens/jwt.js';
import type { KeyStore, SigningKeyRecord } from '../../src/store/ports.js';

const ISSUER = 'https://issuer.example';
const NOW = 1_800_000_000;

function memoryKeyStore(): KeyStore {
  const records: SigningKeyRecord[] = [];
  return {
    all: async () => [...records],
    add: async (r) => void records.push(r),
    retire: async () => false,
    async delete(kid) {
      const at = records.findIndex((r) => r.kid === kid);
      if (at >= 0) records.splice(at, 1);
      return at >= 0;
    },
    async replacePrivateJwk(kid, expected, next) {
      const record = records.find((r) => r.kid === kid && r.privateJwk === expected);
      if (record) record.privateJwk = next;
      return record !== undefined;
    },
  };
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: 'u1', iat: NOW, exp: NOW + 60, ...extra });

describe('JWTs the server signs and verifies (node:crypto)', () => {
  const PEPPER = Buffer.alloc(32, 1);
  const keys = new KeyRing(memoryKeyStore(), PEPPER);
  let es256: ReturnType<KeyRing['signingKey']>;
  let rs256: ReturnType<KeyRing['signingKey']>;
  let ps256: ReturnType<KeyRing['signingKey']>;
  const rejects = (token: string, typ = 'at+jwt') => assert.rejects(verifyOwnJwt(keys, token, typ, ISSUER, NOW));

  before(async () => {
    await keys.load(NOW);
    es256 = keys.signingKey('ES256');
    rs256 = keys.signingKey('RS256');
    ps256 = keys.signingKey('PS256');
  });

  for (const alg of ['ES256', 'RS256', 'PS256'] as const) {
    it(`${alg}: an independent library (jose) accepts what we sign, and we accept what it signs with our key`, async () => {
      const key = { ES256: es256, RS256: rs256, PS256: ps256 }[alg];
      const token = signJwt(keys, alg, 'at+jwt', claims());
      const publicKey = await importJWK(key.publicJwk, alg);
      const checked = await jwtVerify(token, publicKey, { issuer: ISSUER, typ: 'at+jwt', algorithms: [alg], currentDate: new Date(NOW * 1000) });
      assert.equal(checked.protectedHeader.kid, key.kid);
      assert.equal(checked.payload.sub, 'u1');
      const theirs = await new SignJWT(claims({ sub: 'u2' })).setProtectedHeader({ alg, kid: key.kid, typ: 'at+jwt' }).sign(key.privateKey);
      assert.equal((await verifyOwnJwt(keys, theirs, 'at+jwt', ISSUER, NOW)).payload.sub, 'u2');
    });
  }

  it('refuses expiry, nbf in the future, another issuer and another typ', async () => {
    await rejects(signJwt(keys, 'ES256', 'at+jwt', claims({ exp: NOW })));
    await rejects(signJwt(keys, 'ES256', 'at+jwt', claims({ exp: undefined })));
    await rejects(signJwt(keys, 'ES256', 'at+jwt', claims({ nbf: NOW + 1 })));
    await rejects(signJwt(keys, 'ES256', 'at+jwt', claims({ iss: 'https://other.example' })));
    await rejects(signJwt(keys, 'ES256', 'JWT', claims()));
    // Expired ID tokens are still good hints for logout; forged ones are not.
    await verifyOwnJwtIgnoringExpiry(keys, signJwt(keys, 'ES256', 'JWT', claims({ exp: NOW - 3600 })), 'JWT', ISSUER);
  });

  it('refuses alg none, HMAC keyed with our public key, a stranger key under our kid, and a key used with another alg', async () => {
    const header = (alg: string, kid = es256.kid) => b64({ alg, kid, typ: 'at+jwt' });
    const payload = b64(claims());
    await rejects(`${header('none')}.${payload}.`);
    const publicPem = createPublicKey(es256.privateKey).export({ format: 'pem', type: 'spki' });
    for (const secret of [publicPem, JSON.stringify(es256.publicJwk)]) {
      const input = `${header('HS256')}.${payload}`;
      await rejects(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
    }
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const input = `${header('ES256')}.${payload}`;
    await rejects(`${input}.${sign('sha256', Buffer.from(input), { key: stranger, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`);
    // An RS256 signature made with our RSA key, but claiming the ES256 key's kid.
    const rsaInput = `${header('RS256', es256.kid)}.${payload}`;
    await rejects(`${rsaInput}.${sign('sha256', Buffer.from(rsaInput), rs256.privateKey).toString('base64url')}`);
    // The PS256 key signs PS256 only: a PKCS#1 v1.5 signature under its kid, or a PSS one under the RS256 key's, is refused.
    const asRs256 = `${header('RS256', ps256.kid)}.${payload}`;
    await rejects(`${asRs256}.${sign('sha256', Buffer.from(asRs256), ps256.privateKey).toString('base64url')}`);
    const asPs256 = `${header('PS256', rs256.kid)}.${payload}`;
    const pss = { key: rs256.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    await rejects(`${asPs256}.${sign('sha256', Buffer.from(asPs256), pss).toString('base64url')}`);
  });

  it('refuses an altered payload, unknown kids, crit headers and malformed tokens', async () => {
    const good = signJwt(keys, 'ES256', 'at+jwt', claims());
    const [h, , s] = good.split('.');
    await rejects(`${h}.${b64(claims({ sub: 'admin' }))}.${s}`);
    await rejects(`${b64({ alg: 'ES256', kid: 'nope', typ: 'at+jwt' })}.${good.split('.')[1]}.${s}`);
    const crit = `${b64({ alg: 'ES256', kid: es256.kid, typ: 'at+jwt', crit: ['exp'], exp: 1 })}.${b64(claims())}`;
    await rejects(`${crit}.${sign('sha256', Buffer.from(crit), { key: es256.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`);
    for (const bad of ['', 'a.b', 'a.b.c.d', `${h}.${good.split('.')[1]}.${s}x!`, `${b64('[1]')}.${b64('{}')}.${s}`, `${h}.${b64('"text"')}.${s}`]) await rejects(bad);
    const jwk: JWK = es256.publicJwk;
    assert.equal(jwk.d, undefined, 'the published JWK has no private part');
  });

  it('remembers a verified token, but still checks its expiry and that its key is still ours', async () => {
    const store = memoryKeyStore();
    const ring = new KeyRing(store, Buffer.alloc(32, 2));
    await ring.load(NOW);
    const token = signJwt(ring, 'ES256', 'at+jwt', claims());
    assert.equal((await verifyOwnJwt(ring, token, 'at+jwt', ISSUER, NOW)).payload.sub, 'u1');
    assert.equal((await verifyOwnJwt(ring, token, 'at+jwt', ISSUER, NOW + 59)).payload.sub, 'u1');
    await assert.rejects(verifyOwnJwt(ring, token, 'at+jwt', ISSUER, NOW + 60));
    await assert.rejects(verifyOwnJwt(ring, token, 'JWT', ISSUER, NOW));
    await assert.rejects(verifyOwnJwt(ring, token, 'at+jwt', 'https://other.example', NOW));
    // Another server's ring never answers from this one's memory.
    await assert.rejects(verifyOwnJwt(keys, token, 'at+jwt', ISSUER, NOW));
    await store.delete(ring.signingKey('ES256').kid);
    await ring.load();
    await assert.rejects(verifyOwnJwt(ring, token, 'at+jwt', ISSUER, NOW));
  });
});
