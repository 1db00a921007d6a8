// The floor: the least a token endpoint can do. Fastify parses the form and the Basic header and
// signs the same access-token claims Tessera signs (RFC 9068), with a node:crypto KeyObject; no
// client lookup, no store, no audit. Tessera's client_credentials is measured against this.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const alg = process.argv[3] === 'RS256' ? 'RS256' : 'ES256';
const issuer = `http://localhost:${port}`;
const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
const signOptions = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : { key: privateKey };
const header = Buffer.from(JSON.stringify({ alg, kid: 'floor', typ: 'at+jwt' })).toString('base64url');

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body)));
});
app.post('/token', async (request, reply) => {
  const basic = Buffer.from((request.headers.authorization ?? '').slice(6), 'base64').toString();
  const clientId = decodeURIComponent(basic.slice(0, basic.indexOf(':')));
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, sub: clientId, aud: issuer, client_id: clientId, scope: request.body.scope, jti: randomUUID(), iat: now, exp: now + 900 };
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const token = `${input}.${sign('sha256', Buffer.from(input), signOptions).toString('base64url')}`;
  reply.header('cache-control', 'no-store');
  return { access_token: token, token_type: 'Bearer', expires_in: 900, scope: request.body.scope };
});
await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${issuer}`);
