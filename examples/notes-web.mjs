// A web app that signs its users in with Tessera (authorization code + PKCE, state, nonce),
// shows their notes from the notes API, refreshes the access token when it expires, and signs out.
//   TESSERA_ISSUER=… CLIENT_ID=… CLIENT_SECRET=… NOTES_API=http://localhost:4000 PORT=3000 node examples/notes-web.mjs
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import * as oidc from 'openid-client';

const issuer = new URL(process.env.TESSERA_ISSUER ?? 'http://localhost:9000');
const api = process.env.NOTES_API ?? 'http://localhost:4000';
const port = Number(process.env.PORT ?? 3000);
const base = process.env.APP_URL ?? `http://localhost:${port}`;
const options = issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
const config = await oidc.discovery(issuer, process.env.CLIENT_ID, undefined, oidc.ClientSecretBasic(process.env.CLIENT_SECRET), options);
const SCOPE = 'openid profile offline_access notes:read notes:write';

/** Server-side sessions by a random cookie; the browser never holds a token. */
const sessions = new Map();
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Notes</title></head><body>${body}</body></html>`;

function session(request, reply) {
  let id = /(?:^|;\s*)notes_sid=([\w-]+)/.exec(request.headers.cookie ?? '')?.[1];
  if (!id || !sessions.has(id)) {
    id = randomBytes(24).toString('base64url');
    sessions.set(id, {});
    reply.header('set-cookie', `notes_sid=${id}; Path=/; HttpOnly; SameSite=Lax${base.startsWith('https:') ? '; Secure' : ''}`);
  }
  return sessions.get(id);
}

/** The access token, refreshed first if it has expired (or is about to). */
async function accessToken(s) {
  if (s.expiresAt - 5 <= Date.now() / 1000) {
    const tokens = await oidc.refreshTokenGrant(config, s.refreshToken);
    keep(s, tokens);
    console.log('refreshed the access token');
  }
  return s.accessToken;
}

function keep(s, tokens) {
  s.accessToken = tokens.access_token;
  s.refreshToken = tokens.refresh_token ?? s.refreshToken;
  s.idToken = tokens.id_token ?? s.idToken;
  s.expiresAt = Date.now() / 1000 + (tokens.expiresIn() ?? 0);
}

const app = Fastify();
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body))));

app.get('/', async (request, reply) => {
  const s = session(request, reply);
  reply.type('text/html; charset=utf-8');
  if (!s.user) return page(`<h1>Notes</h1><p><a id="sign-in" href="/login">Sign in with Tessera</a></p>`);
  const response = await fetch(`${api}/notes`, { headers: { authorization: `Bearer ${await accessToken(s)}` } });
  const { notes = [] } = await response.json();
  const items = notes.map((n) => `<li>${escape(n.text)}</li>`).join('');
  return page(
    `<h1>Notes</h1><p id="user">Signed in as ${escape(s.user.name ?? s.user.preferred_username ?? s.user.sub)}</p>` +
      `<ul id="notes">${items}</ul>` +
      `<form method="post" action="/notes"><input name="text" aria-label="New note"><button type="submit">Add</button></form>` +
      `<p><a id="sign-out" href="/logout">Sign out</a></p>`,
  );
});

app.get('/login', async (request, reply) => {
  const s = session(request, reply);
  s.verifier = oidc.randomPKCECodeVerifier();
  s.state = oidc.randomState();
  s.nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${base}/callback`,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(s.verifier),
    code_challenge_method: 'S256',
    state: s.state,
    nonce: s.nonce,
  });
  return reply.redirect(url.href);
});

app.get('/callback', async (request, reply) => {
  const s = session(request, reply);
  if (!s.verifier) return reply.code(400).type('text/html; charset=utf-8').send(page('<p>No sign-in in progress. <a href="/">Start again</a></p>'));
  try {
    const tokens = await oidc.authorizationCodeGrant(config, new URL(request.url, base), { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce });
    keep(s, tokens);
    // The ID token says who signed in; their name comes from UserInfo (OpenID Connect Core §5.4).
    s.user = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
  } catch (e) {
    return reply.code(400).type('text/html; charset=utf-8').send(page(`<p>Sign-in failed: ${escape(e.error ?? e.message)}. <a href="/">Start again</a></p>`));
  } finally {
    delete s.verifier;
    delete s.state;
    delete s.nonce;
  }
  return reply.redirect('/');
});

app.post('/notes', async (request, reply) => {
  const s = session(request, reply);
  if (!s.user) return reply.redirect('/');
  await fetch(`${api}/notes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await accessToken(s)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: request.body?.text ?? '' }),
  });
  return reply.redirect('/');
});

// Signs out here and at Tessera (RP-Initiated Logout), then comes back.
app.get('/logout', async (request, reply) => {
  const s = session(request, reply);
  const idToken = s.idToken;
  for (const key of Object.keys(s)) delete s[key];
  if (!idToken) return reply.redirect('/');
  return reply.redirect(oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: `${base}/` }).href);
});

const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`notes web app listening on ${address}`);
