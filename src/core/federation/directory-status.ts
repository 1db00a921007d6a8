import type { Context } from '../context.js';
import { DependencyUnavailableError, OAuthError } from '../errors.js';
import type { LdapProvider } from './registry.js';

/**
 * A user from a directory keeps getting tokens only while the directory holds them, enabled: a
 * user removed or disabled there stops refreshing (within a minute). While the directory does not
 * answer, nothing is decided: the refresh gets 503 and can be tried again.
 */
export async function requireDirectoryAccount(ctx: Context, userId: string): Promise<void> {
  const links = await ctx.stores.federatedIdentities.listByUser(userId);
  if (links.length === 0) return;
  const directories = (await ctx.federation.enabled()).filter((p): p is LdapProvider => p.kind === 'ldap');
  for (const link of links) {
    const directory = directories.find((d) => d.id === link.providerId);
    if (!directory) continue;
    const status = await ctx.federation.directoryStatus(directory, link.subject);
    if (status === 'unavailable') throw new DependencyUnavailableError(`the directory ${directory.name} did not answer`);
    if (status !== 'active') throw new OAuthError('invalid_grant', 'the account was removed or disabled in its directory');
  }
}
