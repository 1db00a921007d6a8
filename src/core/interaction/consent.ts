import type { Context } from '../context.js';
import type { Grant } from '../../store/ports.js';

/**
 * Stores a user's consent, then checks that the client and the user are still active. A disable
 * or delete that ran while the user was on the consent page swept the grants before this one was
 * written; checking afterwards (and undoing) keeps the consent from outliving it.
 */
export async function recordConsent(ctx: Context, userId: string, clientId: string, scopes: string[]): Promise<Grant | undefined> {
  const grant = await ctx.stores.grants.upsert(userId, clientId, scopes, ctx.now());
  const [client, user] = await Promise.all([ctx.stores.clients.find(clientId), ctx.stores.users.findById(userId)]);
  if (client && !client.disabled && user && !user.disabled) return grant;
  await ctx.stores.grants.delete(grant.grantId);
  return undefined;
}
