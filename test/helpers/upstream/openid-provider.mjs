// A corporate OpenID provider for tests ("Acme"): node-oidc-provider 8.8.1 in a process of its own,
// with the clients and users the test passes (argv[2], JSON), PKCE required, and `iss` in every
// authorization response (RFC 9207). Its sign-in page is a plain form (username, password), so a
// test drives it with fetch and a browser drives it as a person would. Started by ../upstream-idp.ts.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { CompactSign, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { escapeHtml, readForm, startControl } from './control.js';

const { clients, users, claimsInIdToken } = JSON.parse(process.argv[2]);

/** What a test can make this provider do wrong; ../upstream-idp.ts documents each. */
const MODES = ['access_denied', 'forged_id_token', 'wrong_nonce', 'wrong_id_token_issuer', 'wrong_response_issuer', 'stall_token'];

const KID = 'acme-2024';
const signingJwk = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: KID };
const signingKey = await importJWK(signingJwk, 'RS256');
// Another key under the same kid: what someone without the provider's key would sign with.
const forgeryKey = await importJWK({ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), alg: 'RS256' }, 'RS256');

async function resign(idToken, changes, key) {
  const payload = { ...decodeJwt(idToken), ...changes };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(decodeProtectedHeader(idToken)).sign(key);
}

const TAMPER = {
  forged_id_token: (t) => resign(t, {}, forgeryKey),
  wrong_nonce: (t) => resign(t, { nonce: randomBytes(16).toString('base64url') }, signingKey),
  wrong_id_token_issuer: (t) => resign(t, { iss: 'https://idp.attacker.example' }, signingKey),
};

let handle = (_req, res) => res.writeHead(503).end();
const server = createServer((req, res) => handle(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
  // When false, the ID token carries the profile and email claims itself; else they come only from userinfo.
  conformIdTokenClaims: !claimsInIdToken,
  findAccount: (_ctx, sub) => {
    const user = users.find((u) => u.sub === sub);
    if (!user) return undefined;
    const { email, email_verified, name, groups, username } = user;
    return { accountId: sub, claims: () => ({ sub, email, email_verified, name, groups, preferred_username: username }) };
  },
  // A corporate provider asks no consent of its own employees: the grant covers what the client asked.
  loadExistingGrant: async (ctx) => {
    const { oidc } = ctx;
    const id = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = id ? await oidc.provider.Grant.find(id) : undefined;
    if (!grant || grant.accountId !== oidc.account.accountId) {
      grant = new oidc.provider.Grant({ accountId: oidc.account.accountId, clientId: oidc.client.clientId });
    }
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    await grant.save();
    return grant;
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

const control = startControl(server, issuer, MODES);

provider.use(async (ctx, next) => {
  await next();
  const tamper = TAMPER[control.mode];
  if (tamper && ctx.path === '/token' && ctx.status === 200 && typeof ctx.body?.id_token === 'string') {
    ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token) };
  }
  const location = ctx.response.get('location');
  if (control.mode === 'wrong_response_issuer' && location && /[?&]iss=/.test(location)) {
    const answer = new URL(location);
    answer.searchParams.set('iss', 'https://idp.attacker.example');
    ctx.set('location', answer.href);
  }
});

function page(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme sign-in</title></head><body>
<h1>Sign in to Acme</h1>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Username <input name="username" autocomplete="username" autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${uid}/deny"><button type="submit">Cancel</button></form>
</body></html>`;
}

/** The sign-in step: a form with username and password, or Cancel (which answers access_denied). */
async function interaction(req, res, action) {
  const details = await provider.interactionDetails(req, res);
  const deny = { error: 'access_denied', error_description: 'The user <b>cancelled</b> the sign-in' };
  if (control.mode === 'access_denied') return provider.interactionFinished(req, res, deny, { mergeWithLastSubmission: false });
  if (req.method === 'GET' && action === undefined) {
    return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(details.uid));
  }
  if (req.method !== 'POST') return void res.writeHead(405).end();
  if (action === 'deny') return provider.interactionFinished(req, res, deny, { mergeWithLastSubmission: false });
  const form = await readForm(req);
  const user = users.find((u) => u.username === form.get('username') && u.password === form.get('password'));
  if (!user) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(details.uid, 'Wrong username or password.'));
  return provider.interactionFinished(req, res, { login: { accountId: user.sub, amr: user.amr ?? ['pwd'] } }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
handle = (req, res) => {
  control.record(req.method, req.url);
  const path = new URL(req.url, issuer).pathname;
  // The token endpoint accepts the connection and never answers: a provider that hangs.
  if (control.mode === 'stall_token' && path === '/token') return;
  const match = /^\/interaction\/([\w-]+)(?:\/(login|deny))?$/.exec(path);
  if (!match) return callback(req, res);
  interaction(req, res, match[2]).catch((err) => {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end(`interaction failed: ${err.name}`);
  });
};
