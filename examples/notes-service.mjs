// A service that calls the notes API on its own behalf (client credentials), reusing its
// access token until shortly before it expires.
//   TESSERA_ISSUER=… CLIENT_ID=… CLIENT_SECRET=… NOTES_API=http://localhost:4000 node examples/notes-service.mjs
import * as oidc from 'openid-client';

const issuer = new URL(process.env.TESSERA_ISSUER ?? 'http://localhost:9000');
const api = process.env.NOTES_API ?? 'http://localhost:4000';
const calls = Number(process.env.CALLS ?? 3);
const options = issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
const config = await oidc.discovery(issuer, process.env.CLIENT_ID, undefined, oidc.ClientSecretBasic(process.env.CLIENT_SECRET), options);

/** Renew this many seconds before expiry, so a token never expires on its way to the API. */
const EARLY = 30;
let cached;

async function accessToken() {
  if (cached && cached.expiresAt - EARLY > Date.now() / 1000) return cached.token;
  const tokens = await oidc.clientCredentialsGrant(config, { scope: 'notes:read' });
  cached = { token: tokens.access_token, expiresAt: Date.now() / 1000 + (tokens.expiresIn() ?? 0) };
  console.log('fetched a new access token');
  return cached.token;
}

for (let i = 1; i <= calls; i++) {
  const response = await fetch(`${api}/notes`, { headers: { authorization: `Bearer ${await accessToken()}` } });
  console.log(`call ${i}: ${response.status} ${await response.text()}`);
}
