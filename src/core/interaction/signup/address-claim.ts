import type { Context } from '../../context.js';

/**
 * How long a claim is kept from being taken over even when its holder does not (yet) have the
 * address: between the claim and the account's creation (a sign-up) or the address's change (an
 * email change) the holder is in flight, and taking its claim over then gave two accounts one address.
 */
export const CLAIM_SETTLE_SECONDS = 60;

/**
 * Holds the address `key` (lower case) for `userId`, race-free: the first sign-up or email change to
 * claim it (a primary key) wins. A claim is taken over only from an account deleted since, or that
 * has another address now, and only once it is older than CLAIM_SETTLE_SECONDS.
 */
export async function claimAddress(ctx: Context, key: string, userId: string): Promise<boolean> {
  const now = ctx.now();
  if (await ctx.stores.signups.claimAddress(key, userId, now)) return true;
  const holder = await ctx.stores.signups.addressHolder(key);
  if (holder === undefined) return ctx.stores.signups.claimAddress(key, userId, now);
  if (holder.userId === userId) return true;
  if (holder.claimedAt > now - CLAIM_SETTLE_SECONDS) return false;
  const account = await ctx.stores.users.findById(holder.userId);
  if (account && (account.email ?? '').toLowerCase() === key) return false;
  return ctx.stores.signups.takeOverAddress(key, holder.userId, userId, now);
}
