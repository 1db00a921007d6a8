import type { OAuthClient, SignedIn } from '../../src/client/index.js';
import { Browser, type Page } from './browser.js';
import type { TestServer } from './server.js';
import { basic, postForm } from './http.js';

/** Signs `user` in through Tessera's login and consent pages and completes the callback with `client`. */
export async function signIn(server: TestServer, client: OAuthClient, user: { username: string; password: string }): Promise<SignedIn> {
  const { url, pending } = await client.authorizationUrl();
  const callback = await new Browser(server.issuer).authorize(url.href, user);
  return client.completeSignIn(callback, pending);
}

/** How many audit events of `type` Tessera recorded for `clientId` (repeats folded into one record count each). */
export async function auditCount(server: TestServer, type: string, clientId: string): Promise<number> {
  const events = await server.tessera.ctx.stores.audit.list({ type, clientId, limit: 1000 });
  return events.reduce((sum, e) => sum + e.count, 0);
}

/** Refresh requests Tessera saw from `clientId`: granted ones, and reuses of a spent token (each revokes a family). */
export async function refreshRequests(server: TestServer, clientId: string): Promise<{ refreshed: number; reused: number }> {
  return { refreshed: await auditCount(server, 'token.refreshed', clientId), reused: await auditCount(server, 'refresh.reuse', clientId) };
}

/** Revokes a token at Tessera (RFC 7009) as its client. */
export async function revoke(server: TestServer, client: { clientId: string; secret?: string }, token: string): Promise<void> {
  const { status } = await postForm(`${server.issuer}/revoke`, { token }, basic(client.clientId, client.secret!));
  if (status !== 200) throw new Error(`revocation answered ${status}`);
}

/** A user at the device page (the verification URI with the code filled in): signs in and answers. */
export async function answerDevice(server: TestServer, verificationUriComplete: string, userCode: string, user: { username: string; password: string }, decision: 'allow' | 'deny'): Promise<string> {
  const browser = new Browser(server.issuer);
  let step = await browser.visit(verificationUriComplete);
  for (let i = 0; i < 5 && !('leftTo' in step); i++) {
    const page: Page = step;
    if (/name="password"/.test(page.html)) step = await browser.submit(page, { username: user.username, password: user.password });
    else if (/name="decision"/.test(page.html)) step = await browser.submit(page, { decision });
    else if (/name="user_code"/.test(page.html)) step = await browser.submit(page, { user_code: userCode });
    else return page.html;
  }
  throw new Error('the device page did not come to an end');
}
