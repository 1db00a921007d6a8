// A web app that signs its users in with Tessera (authorization code + PKCE, state, nonce),
// shows their notes from the notes API, refreshes the access token when it expires, and signs out.
//   TESSERA_ISSUER=… CLIENT_ID=… CLIENT_SECRET=… NOTES_API=http://localhost:4000 PORT=3000 node examples/notes-web.mjs
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { oauthClient, SignedOutError } from 'tessera/client';

const api = process.env.NOTES_API ?? 'http://localhost:4000';
const port = Number(process.env.PORT ?? 3000);
const base = process.env.APP_URL ?? `http://localhost:${port}`;
const client = await oauthClient({
  issuer: process.env.TESSERA_ISSUER ?? 'http://localhost:9000',
  clientId: process.env.CLIENT_ID,
  clientSecret: process.env.CLIENT_SECRET,
  redirectUri: `${base}/callback`,
  scope: 'openid profile offline_access notes:read notes:write',
});

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

const forget = (s) => {
  for (const key of Object.keys(s)) delete s[key];
};

const app = Fastify();
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body))));
// Tessera refused to refresh (the user signed out elsewhere, or an admin revoked the app): start over.
app.setErrorHandler((error, _request, reply) => {
  if (error instanceof SignedOutError) return reply.redirect('/');
  throw error;
});

app.get('/', async (request, reply) => {
  const s = session(request, reply);
  reply.type('text/html; charset=utf-8');
  if (!s.user) return page(`<h1>Notes</h1><p><a id="sign-in" href="/login">Sign in with Tessera</a></p>`);
  // The user's fetch attaches the access token, refreshing it first when it is about to expire.
  const response = await s.auth.fetch(`${api}/notes`);
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
  const { url, pending } = await client.authorizationUrl();
  s.pending = pending;
  return reply.redirect(url.href);
});

app.get('/callback', async (request, reply) => {
  const s = session(request, reply);
  if (!s.pending) return reply.code(400).type('text/html; charset=utf-8').send(page('<p>No sign-in in progress. <a href="/">Start again</a></p>'));
  try {
    const { tokens, claims } = await client.completeSignIn(new URL(request.url, base), s.pending);
    s.auth = client.session(tokens, {
      // Kept in memory here; an app with a session store would save the new tokens there.
      onTokens: () => console.log('refreshed the access token'),
      onSignedOut: () => forget(s),
    });
    // The ID token says who signed in; their name comes from UserInfo (OpenID Connect Core §5.4).
    s.user = await client.userInfo(s.auth, claims.sub);
  } catch (e) {
    return reply.code(400).type('text/html; charset=utf-8').send(page(`<p>Sign-in failed: ${escape(e.error ?? e.message)}. <a href="/">Start again</a></p>`));
  } finally {
    delete s.pending;
  }
  return reply.redirect('/');
});

app.post('/notes', async (request, reply) => {
  const s = session(request, reply);
  if (!s.user) return reply.redirect('/');
  await s.auth.fetch(`${api}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: request.body?.text ?? '' }),
  });
  return reply.redirect('/');
});

// Signs out here and at Tessera (RP-Initiated Logout), then comes back.
app.get('/logout', async (request, reply) => {
  const s = session(request, reply);
  const idToken = s.auth?.tokens.idToken;
  forget(s);
  if (!idToken) return reply.redirect('/');
  return reply.redirect(client.endSessionUrl({ idTokenHint: idToken, postLogoutRedirectUri: `${base}/` }).href);
});

const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`notes web app listening on ${address}`);
