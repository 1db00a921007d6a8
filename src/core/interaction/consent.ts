import type { Context } from '../context.js';
import type { Grant } from '../../store/ports.js';
import type { Requester } from '../audit.js';

/**
 * Stores a user's consent to `scopes` (added to what they allowed this client before), then
 * checks that the client and the user are still active. A disable or delete that ran while the
 * user was on the consent page swept the grants before this one was written; checking afterwards
 * (and undoing) keeps the consent from outliving it. `automatic`: a first-party app, the user was not asked.
 */
export async function recordConsent(
  ctx: Context,
  userId: string,
  clientId: string,
  scopes: readonly string[],
  from: Requester,
  how: 'asked' | 'automatic' = 'asked',
): Promise<Grant | undefined> {
  const existing = await ctx.stores.grants.find(userId, clientId);
  const grant = await ctx.stores.grants.upsert(userId, clientId, [...new Set([...(existing?.scopes ?? []), ...scopes])], ctx.now());
  const [client, user] = await Promise.all([ctx.stores.clients.find(clientId), ctx.stores.users.findById(userId)]);
  if (client && !client.disabled && user && !user.disabled) {
    // A first-party app's consent is given without asking the user: the audit says so before the scopes.
    const scopeList = grant.scopes.join(' ');
    const reason = how === 'automatic' ? `automatic: ${scopeList}`.trimEnd() : scopeList || null;
    await ctx.audit.record({ type: 'consent.given', userId, clientId, ...from, reason });
    return grant;
  }
  await ctx.stores.grants.delete(grant.grantId);
  return undefined;
}
