import type { Context } from '../context.js';
import type { User } from '../../store/ports.js';

/**
 * Checks a username and password, for every sign-in form. Unknown users, wrong passwords and
 * disabled accounts cost the same work and get the same answer (undefined).
 */
export async function checkCredentials(ctx: Context, username: string, password: string): Promise<User | undefined> {
  const user = await ctx.stores.users.findByUsername(username);
  const ok = await ctx.passwords.verify(user?.passwordHash, password);
  return ok && user && !user.disabled ? user : undefined;
}
