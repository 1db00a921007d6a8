import type { Context } from '../context.js';
import { page, type ProtocolResponse } from '../protocol.js';
import { ADMIN_CONSOLE_PATH } from '../admin-console/paths.js';
import { PATHS } from './discovery.js';

/**
 * Whether the admin console is open to anyone: the admin role exists and someone holds it (directly
 * or through a group). Nobody does until an operator grants it (config.ts), and until then a link
 * to /admin would lead every visitor to a 403.
 */
async function adminConsoleInUse(ctx: Context): Promise<boolean> {
  const role = await ctx.stores.roles.find(null, ctx.config.adminRole);
  return role !== undefined && (await ctx.stores.roles.holders(role.id)).length > 0;
}

/**
 * GET /: what a person who opens the server's address finds — where to manage their account, the
 * consoles the operator opened, and for developers the discovery document — instead of a JSON 404.
 */
export function homeEndpoint(ctx: Context) {
  const base = ctx.config.issuer;
  return async (): Promise<ProtocolResponse> => {
    const developerConsole = ctx.config.consoleUsers === 'all' || ctx.config.consoleUsers.length > 0;
    return page(200, 'home', {
      issuer: base,
      accountHref: base + PATHS.account,
      discoveryHref: base + PATHS.openidConfiguration,
      ...(developerConsole ? { developerConsoleHref: base + PATHS.console } : {}),
      ...((await adminConsoleInUse(ctx)) ? { adminConsoleHref: base + ADMIN_CONSOLE_PATH } : {}),
    });
  };
}
