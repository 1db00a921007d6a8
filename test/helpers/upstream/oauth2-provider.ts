/**
 * A plain OAuth 2.0 provider for tests, shaped like GitHub: /authorize shows a sign-in form,
 * /token trades a code for an access token, /user answers the user's JSON. Codes are single-use
 * and live 60 s, PKCE S256 is checked, and so is the client's secret. No discovery, no ID token.
 * Clients and users come from argv[2] (JSON). Started by ../upstream-idp.ts.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeHtml, readForm, startControl } from './control.js';

export interface OAuth2ProviderConfig {
  clients: { client_id: string; client_secret: string; redirect_uris: string[] }[];
  /** `profile` is the JSON /user answers, as the test writes it (GitHub: id, login, email, name). */
  users: { login: string; password: string; profile: Record<string, unknown> }[];
}

const MODES = ['access_denied', 'stall_token'];
const { clients, users } = JSON.parse(process.argv[2]!) as OAuth2ProviderConfig;

interface Pending {
  clientId: string;
  redirectUri: string;
  challenge: string;
  login: string;
  expires: number;
}
const codes = new Map<string, Pending>();
const tokens = new Map<string, string>();

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const same = (a: string, b: string) => timingSafeEqual(sha256(a), sha256(b));
const json = (res: ServerResponse, status: number, body: unknown): void =>
  void res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));

function back(res: ServerResponse, redirectUri: string, params: Record<string, string>): void {
  const to = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) to.searchParams.set(k, v);
  res.writeHead(302, { location: to.href }).end();
}

function signInPage(params: URLSearchParams, error?: string): string {
  const keep = ['client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method'];
  const hidden = keep.map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(params.get(k) ?? '')}">`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to OctoHub</title></head><body>
<h1>Sign in to OctoHub</h1>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/authorize">
${hidden}
<label>Username <input name="username" autocomplete="username" autofocus></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit" name="decision" value="allow">Authorize</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form></body></html>`;
}

function authorize(req: IncomingMessage, res: ServerResponse, params: URLSearchParams, mode: string | null): void {
  const client = clients.find((c) => c.client_id === params.get('client_id'));
  const redirectUri = params.get('redirect_uri') ?? '';
  // An unknown client or redirect URI is never redirected to.
  if (!client || !client.redirect_uris.includes(redirectUri)) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client or redirect_uri');
  const state = params.get('state') ?? '';
  const fail = (error: string, description: string) => back(res, redirectUri, { error, error_description: description, state });
  if (req.method === 'GET' && params.get('response_type') !== 'code') return fail('unsupported_response_type', 'code only');
  if (!params.get('code_challenge') || params.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE S256 is required');
  if (mode === 'access_denied') return fail('access_denied', 'The <b>organization</b> refused this application');
  const html = (body: string): void => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  if (req.method === 'GET') return html(signInPage(params));
  if (params.get('decision') === 'deny') return fail('access_denied', 'The user cancelled');
  const user = users.find((u) => u.login === params.get('username') && same(u.password, params.get('password') ?? ''));
  if (!user) return html(signInPage(params, 'Incorrect username or password.'));
  const code = randomBytes(20).toString('hex');
  codes.set(code, { clientId: client.client_id, redirectUri, challenge: params.get('code_challenge')!, login: user.login, expires: Date.now() + 60_000 });
  back(res, redirectUri, { code, state });
}

/** Client authentication by HTTP Basic (RFC 6749 §2.3.1) or by client_id and client_secret in the body. */
function authenticate(req: IncomingMessage, form: URLSearchParams): OAuth2ProviderConfig['clients'][number] | undefined {
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [user, password] = Buffer.from(basic[1]!, 'base64').toString().split(':');
    id = decodeURIComponent((user ?? '').replace(/\+/g, ' '));
    secret = decodeURIComponent((password ?? '').replace(/\+/g, ' '));
  }
  const client = clients.find((c) => c.client_id === id);
  return client && secret !== null && same(client.client_secret, secret) ? client : undefined;
}

function token(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
  const client = authenticate(req, form);
  if (!client) return json(res, 401, { error: 'invalid_client' });
  if (form.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
  const code = form.get('code') ?? '';
  const pending = codes.get(code);
  codes.delete(code);
  const verifier = form.get('code_verifier') ?? '';
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  if (!pending || pending.expires < Date.now() || pending.clientId !== client.client_id || pending.redirectUri !== form.get('redirect_uri') || !same(challenge, pending.challenge)) {
    return json(res, 400, { error: 'invalid_grant' });
  }
  const accessToken = `gho_${randomBytes(24).toString('hex')}`;
  tokens.set(accessToken, pending.login);
  json(res, 200, { access_token: accessToken, token_type: 'bearer', scope: 'read:user user:email' });
}

function user(req: IncomingMessage, res: ServerResponse): void {
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  const login = bearer ? tokens.get(bearer[1]!) : undefined;
  const found = users.find((u) => u.login === login);
  if (!found) return json(res, 401, { message: 'Requires authentication' });
  json(res, 200, found.profile);
}

const server = createServer((req, res) => {
  control.record(req.method, req.url);
  const url = new URL(req.url ?? '/', issuer);
  const route = `${req.method} ${url.pathname}`;
  const answer = async () => {
    if (route === 'GET /authorize') return authorize(req, res, url.searchParams, control.mode);
    if (route === 'POST /authorize') return authorize(req, res, await readForm(req), control.mode);
    // The token endpoint accepts the connection and never answers: a provider that hangs.
    if (route === 'POST /token' && control.mode === 'stall_token') return;
    if (route === 'POST /token') return token(req, res, await readForm(req));
    if (route === 'GET /user') return user(req, res);
    json(res, 404, { message: 'Not Found' });
  };
  answer().catch(() => !res.headersSent && json(res, 400, { error: 'invalid_request' }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const control = startControl(server, issuer, MODES);
