import assert from 'node:assert/strict';
import { Browser, isPage, textOf, type Page } from './browser.js';
import type { ReceivedMail } from './mail-sink.js';
import type { TestServer } from './server.js';
import type { MailSettings } from '../../src/server.js';

/** The outbox sends at once to the test's SMTP sink. */
export const mailTo = (url: string): MailSettings => ({ url, from: 'Tessera <id@example.com>', allowPlain: true, pollSeconds: 0.2 });

export const PASSWORD = 'a long and unusual password';

/** A browser from an address of its own (the server believes the test's X-Forwarded-For), so limits per IP stay apart. */
let octet = 10;
export const browserAt = (server: TestServer, ip = `198.51.100.${octet++ % 250}`) => new Browser(server.issuer, { 'x-forwarded-for': ip });

/** The link to `path` with a token in a delivered email. */
export function linkIn(mail: ReceivedMail, server: TestServer, path: string, param = 'token'): string {
  const found = new RegExp(`${server.issuer.replace(/[.]/g, '\\.')}${path}\\?${param}=[A-Za-z0-9_-]{43}`).exec(mail.decoded);
  assert.ok(found, `no ${path} link in the email: ${mail.decoded}`);
  return found[0];
}

export const verifyLinkIn = (mail: ReceivedMail, server: TestServer) => linkIn(mail, server, '/login/verify-email');

/** Fills in /signup (opened at `url`) and submits it. */
export async function signUp(browser: Browser, url: string, fields: { username: string; email?: string; password?: string; again?: string }): Promise<Page> {
  const form = isPage(await browser.visit(url));
  assert.equal(form.status, 200, textOf(form.html));
  const password = fields.password ?? PASSWORD;
  return isPage(
    await browser.submit(form, {
      username: fields.username,
      ...(fields.email !== undefined ? { email: fields.email } : {}),
      password,
      password_again: fields.again ?? password,
    }),
  );
}

/** Opens a confirmation link and presses its button. */
export async function confirm(browser: Browser, link: string): Promise<Page> {
  const page = isPage(await browser.visit(link));
  if (page.status !== 200) return page;
  return isPage(await browser.submit(page, {}));
}

/** Signs in on the server's own login page; the page it ended on. */
export async function signIn(server: TestServer, browser: Browser, username: string, password = PASSWORD): Promise<Page> {
  const login = isPage(await browser.visit(`${server.issuer}/account`));
  return isPage(await browser.submit(login, { username, password }));
}

export const signedIn = (page: Page) => /Signed in as/.test(page.html) && !/name="password"/.test(page.html);

/** The newest message to `address` (any case) that the sink received, waiting for it up to `timeoutMs`; `after` skips messages seen before. */
export async function mailFor(sink: { messages: ReceivedMail[] }, address: string, after = 0, timeoutMs = 10_000): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = sink.messages.slice(after).reverse().find((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${address} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
