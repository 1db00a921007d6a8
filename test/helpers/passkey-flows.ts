import * as client from 'openid-client';
import { Browser, formOf, isPage, type Page } from './browser.js';
import type { TestServer } from './server.js';
import { SoftwareAuthenticator, type CeremonyOptions } from './software-authenticator.js';

/** The WebAuthn options a page's passkey form carries (data-options), parsed. */
export function passkeyOptions(page: Page, kind: 'sign-in' | 'second-factor' | 'register'): Record<string, any> {
  const form = new RegExp(`<form[^>]*data-passkey="${kind}"[^>]*data-options="([^"]*)"`).exec(page.html);
  if (!form) throw new Error(`no ${kind} passkey form on the page`);
  return JSON.parse(form[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Record<string, any>;
}

/** Signs in to /account/security with a password: the page as it then shows. */
export async function securityPageAfterPassword(server: TestServer, browser: Browser, user: { username: string; password: string }): Promise<Page> {
  const login = isPage(await browser.visit(`${server.issuer}/account/security`));
  return isPage(await browser.submit(login, { username: user.username, password: user.password }));
}

/** Registers a passkey from the security page; the page after. */
export async function registerPasskey(browser: Browser, page: Page, authenticator: SoftwareAuthenticator, name = 'Test key', o: CeremonyOptions = {}): Promise<Page> {
  const credential = authenticator.create(passkeyOptions(page, 'register') as never, o);
  return isPage(await browser.submit(page, { name, credential: JSON.stringify(credential) }, '/account/passkeys/add'));
}

/** Posts an answer to a page's passkey form as-is (a string body, to send malformed ones too). */
export async function postPasskey(browser: Browser, page: Page, actionEnd: string, credential: string) {
  const form = formOf(page.html, actionEnd);
  const passkeyForm = [...page.html.matchAll(/<form[^>]*action="([^"]*)"[^>]*data-passkey[^>]*>([\s\S]*?)<\/form>/g)].find((f) => f[1]!.replace(/&amp;/g, '&').endsWith(actionEnd));
  const hidden: Record<string, string> = {};
  for (const m of (passkeyForm?.[2] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  return browser.request(new URL(form.action, page.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...hidden, credential }).toString(),
  });
}

/** Where a posted answer leads: a page on the server, or the app it left to. */
export async function follow(server: TestServer, browser: Browser, response: Response): Promise<Page | { leftTo: string }> {
  const location = response.headers.get('location');
  if (location === null) return { status: response.status, url: response.url, html: await response.text(), headers: response.headers };
  const next = new URL(location, server.issuer).href;
  return next.startsWith(server.issuer + '/') ? browser.visit(next) : { leftTo: next };
}

/** Starts an authorization code flow (PKCE): the URL to visit, and how to redeem the code it ends with. */
export async function startCodeFlow(server: TestServer, clientId: string, redirectUri: string, extra: Record<string, string> = {}, issuer = server.issuer) {
  const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, ...extra });
  return {
    url: url.href,
    redeem: (callback: string) => client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
  };
}
