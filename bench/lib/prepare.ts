import { createHash } from 'node:crypto';
import { Browser } from '../../test/helpers/browser.js';
import { header, runLoad } from './load.js';
import type { Credentials, Target } from './targets.js';

/** One PKCE pair for every prepared code: the benchmark's client is the only one using it. */
export const CODE_VERIFIER = 'bench-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER).digest('base64url');

export const basic = (c: Credentials): string => 'Basic ' + Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64');
export const FORM = 'application/x-www-form-urlencoded';

/** The authorization request of the web client (path and query). */
export function authorizationPath(target: Target): string {
  const web = target.web!;
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: web.id,
    redirect_uri: web.redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: CODE_CHALLENGE,
    code_challenge_method: 'S256',
    state: 'bench-state',
  });
  return `${target.paths.authorize}?${query}`;
}

/** The `code` of a redirect back to the client, if it is one. */
export function codeOf(location: string | undefined): string | undefined {
  if (!location) return undefined;
  return new URL(location, 'http://x').searchParams.get('code') ?? undefined;
}

/**
 * Signs the bench user in through the server's own pages and gives consent, as a person would;
 * returns the cookies of that single sign-on session.
 */
export async function signIn(target: Target): Promise<string> {
  const browser = new Browser(target.server.url);
  const user = target.user!;
  let step = await browser.visit(target.server.url + authorizationPath(target));
  for (let i = 0; i < 6 && !('leftTo' in step); i++) {
    if (/name="login"/.test(step.html)) step = await browser.submit(step, { prompt: 'login', login: user.login, password: user.password });
    else if (/name="password"/.test(step.html)) step = await browser.submit(step, { username: user.login, password: user.password });
    else if (/name="decision"/.test(step.html)) step = await browser.submit(step, { decision: 'allow' });
    else if (/name="prompt" value="consent"/.test(step.html)) step = await browser.submit(step, { prompt: 'consent' });
    else throw new Error(`${target.server.name}: unexpected page while signing in (${step.status})`);
  }
  if (!('leftTo' in step) || !codeOf(step.leftTo)) throw new Error(`${target.server.name}: sign-in did not end with a code`);
  return [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** `count` authorization codes through the real flow: /authorize with the SSO session, many at once. */
export async function collectCodes(target: Target, cookie: string, count: number): Promise<string[]> {
  const codes: string[] = [];
  const result = await runLoad(
    target.server.url,
    [
      {
        method: 'GET',
        path: authorizationPath(target),
        headers: { cookie },
        good: (status) => status >= 300 && status < 400,
        learn: (_body, _context, headers) => {
          const code = codeOf(header(headers, 'location'));
          if (code) codes.push(code);
        },
      },
    ],
    { connections: Math.min(50, count), amount: count },
  );
  if (codes.length < count * 0.99) throw new Error(`${target.server.name}: only ${codes.length} of ${count} codes (${result.errors} errors)`);
  return codes;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

/** Exchanges a code at the token endpoint (RFC 6749 §4.1.3). */
export async function exchange(target: Target, code: string): Promise<TokenSet> {
  const web = target.web!;
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: web.redirectUri, code_verifier: CODE_VERIFIER });
  return tokenRequest(target, web, body);
}

/** A client_credentials token of `client`. */
export async function clientToken(target: Target, client: Credentials): Promise<string> {
  return (await tokenRequest(target, client, new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }))).access_token;
}

async function tokenRequest(target: Target, client: Credentials, body: URLSearchParams): Promise<TokenSet> {
  const res = await fetch(target.server.url + target.paths.token, { method: 'POST', headers: { authorization: basic(client), 'content-type': FORM }, body });
  const json = (await res.json()) as TokenSet & { error?: string };
  if (res.status !== 200) throw new Error(`${target.server.name}: token request failed: ${JSON.stringify(json)}`);
  return json;
}
