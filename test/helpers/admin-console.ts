import assert from 'node:assert/strict';
import type { TestServer } from './server.js';
import { Browser, isPage, textOf, type Page } from './browser.js';
import { totp } from './totp.js';
import type { AdminContext } from '../../src/core/admin/context.js';
import { createRole, grantRole, revokeRole } from '../../src/core/admin/roles.js';
import { DEFAULT_ADMIN_ROLE } from '../../src/core/config.js';

/** An operator's admin context for test setup (the CLI's actor). */
export function setupAdmin(server: TestServer): AdminContext {
  const { ctx } = server.tessera;
  return { stores: ctx.stores, pepper: ctx.pepper, now: ctx.now(), actor: 'cli', audit: (e) => ctx.audit.record({ ...e, actor: 'cli' }) };
}

/** Grants the console's role to a user (creating the role the first time). */
export async function grantAdminRole(server: TestServer, username: string, role = DEFAULT_ADMIN_ROLE): Promise<void> {
  const admin = setupAdmin(server);
  if (!(await admin.stores.roles.find(null, role))) await createRole(admin, { name: role }, { description: 'operators of the admin console' });
  await grantRole(admin, { name: role }, { user: username });
}

export async function revokeAdminRole(server: TestServer, username: string, role = DEFAULT_ADMIN_ROLE): Promise<void> {
  await revokeRole(setupAdmin(server), { name: role }, { user: username });
}

export const keyOf = (page: Page): string => /<code id="totp_secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1] ?? assert.fail(`no key: ${textOf(page.html)}`);

/**
 * Opens /admin as a person would: the sign-in form, then the second factor (set up on the way
 * when the user has none: `totpKey` remembers the key for later sign-ins). Returns the dashboard.
 */
export async function openAdminConsole(server: TestServer, who: { username: string; password: string; totpKey?: string }, browser = new Browser(server.issuer)): Promise<{ browser: Browser; page: Page; totpKey: string }> {
  const login = isPage(await browser.visit(`${server.issuer}/admin`));
  assert.match(login.html, /name="password"/);
  const factor = isPage(await browser.submit(login, { username: who.username, password: who.password }));
  let totpKey = who.totpKey;
  if (totpKey === undefined) {
    assert.match(textOf(factor.html), /Set up two-step verification/);
    totpKey = keyOf(factor);
    const codes = isPage(await browser.submit(factor, { code: totp(totpKey, server.tessera.ctx.now()) }));
    const href = /<a class="button" href="([^"]+)">Continue<\/a>/.exec(codes.html)?.[1] ?? assert.fail(`no backup codes page: ${textOf(codes.html)}`);
    return { browser, page: isPage(await browser.visit(href.replace(/&amp;/g, '&'))), totpKey };
  }
  assert.match(textOf(factor.html), /Two-step verification/);
  // Each code works once: a later sign-in uses the next time step.
  server.advance(30);
  const page = isPage(await browser.submit(factor, { code: totp(totpKey, server.tessera.ctx.now()) }));
  return { browser, page, totpKey };
}
