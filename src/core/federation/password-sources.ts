import type { Context } from '../context.js';
import type { User } from '../../store/ports.js';
import { LOCAL_PRIORITY } from './providers.js';
import type { LdapProvider } from './registry.js';
import { directoryAccount } from './accounts.js';

/** What checking a username and password against every source said. */
export type PasswordCheck =
  | { status: 'ok'; user: User; via: 'password' | `ldap:${string}` }
  /** Wrong password, unknown username, or an account that cannot sign in: all answered alike. */
  | { status: 'wrong'; user: User | undefined; reason: 'wrong_password' | 'unknown_user' | 'disabled' }
  /** The password was right, but the directory says the account is disabled, or its password expired. */
  | { status: 'directory_refused'; reason: 'disabled' | 'password_expired'; provider: string }
  /** A directory that may hold the username did not answer: nothing was decided. */
  | { status: 'unavailable'; provider: string }
  /** The directory's user has a username a local account already holds: an operator must sort it out. */
  | { status: 'username_taken'; provider: string };

type Source = { kind: 'local' } | { kind: 'ldap'; provider: LdapProvider };

/** Local users and the enabled directories, in the operator's order (local users first at equal priority). */
async function sources(ctx: Context): Promise<Source[]> {
  const directories = (await ctx.federation.enabled()).filter((p): p is LdapProvider => p.kind === 'ldap');
  const ordered: { priority: number; source: Source }[] = [
    { priority: LOCAL_PRIORITY - 0.5, source: { kind: 'local' } },
    ...directories.map((provider) => ({ priority: provider.priority, source: { kind: 'ldap' as const, provider } })),
  ];
  return ordered.sort((a, b) => a.priority - b.priority).map((o) => o.source);
}

/** The password checked by one directory, and what it means for the Tessera account. */
async function viaDirectory(ctx: Context, provider: LdapProvider, username: string, password: string, linkedTo?: User): Promise<PasswordCheck | 'not_here'> {
  const answer = await ctx.federation.directory(provider).authenticate(username, password);
  switch (answer.status) {
    case 'no_such_user':
      return linkedTo ? { status: 'wrong', user: linkedTo, reason: 'unknown_user' } : 'not_here';
    case 'unavailable':
      return { status: 'unavailable', provider: provider.name };
    case 'wrong_password':
      return { status: 'wrong', user: linkedTo, reason: 'wrong_password' };
    case 'disabled':
    case 'password_expired':
      return { status: 'directory_refused', reason: answer.status, provider: provider.name };
    case 'ok': {
      const { entry } = answer;
      const account = await directoryAccount(ctx, provider, { subject: entry.id, username: entry.username, email: entry.email, emailVerified: false, name: entry.name, groups: entry.groups });
      if (account.status === 'ok') return { status: 'ok', user: account.user, via: `ldap:${provider.name}` };
      if (account.status === 'disabled') return { status: 'wrong', user: linkedTo, reason: 'disabled' };
      return { status: 'username_taken', provider: provider.name };
    }
  }
}

/**
 * Checks a username and password against the sources of passwords in order: the first that holds
 * the username decides (a wrong password there is wrong; no other source is asked). Local users
 * whose account came from a directory are checked by that directory. No directory user's password
 * is ever stored. A username no source holds costs an argon2 check like a wrong password.
 */
export async function checkPassword(ctx: Context, username: string, password: string, requester: string): Promise<PasswordCheck> {
  let unavailable: string | undefined;
  for (const source of await sources(ctx)) {
    if (source.kind === 'ldap') {
      const result = await viaDirectory(ctx, source.provider, username, password);
      if (result === 'not_here') continue;
      if (result.status === 'unavailable') {
        unavailable ??= result.provider;
        continue;
      }
      return result;
    }
    const user = await ctx.stores.users.findByUsername(username);
    if (!user) continue;
    if (user.passwordHash !== '') {
      const verified = await ctx.passwords.verify(user.passwordHash, password, requester);
      if (!verified) return { status: 'wrong', user, reason: 'wrong_password' };
      return user.disabled ? { status: 'wrong', user, reason: 'disabled' } : { status: 'ok', user, via: 'password' };
    }
    // An account from a directory: that directory checks the password.
    const linked = await ctx.stores.federatedIdentities.listByUser(user.id);
    const directories = (await ctx.federation.enabled()).filter((p): p is LdapProvider => p.kind === 'ldap' && linked.some((l) => l.providerId === p.id));
    const [directory] = directories;
    if (directory) {
      const result = await viaDirectory(ctx, directory, username, password, user);
      if (result === 'not_here') return { status: 'wrong', user, reason: 'unknown_user' };
      if (result.status === 'ok' && result.user.id !== user.id) return { status: 'username_taken', provider: directory.name };
      return result;
    }
    // No password of its own and no directory (an account from an OpenID provider): like a wrong password, at the same cost.
    await ctx.passwords.verify(undefined, password, requester);
    return { status: 'wrong', user, reason: 'wrong_password' };
  }
  if (unavailable !== undefined) return { status: 'unavailable', provider: unavailable };
  await ctx.passwords.verify(undefined, password, requester);
  return { status: 'wrong', user: undefined, reason: 'unknown_user' };
}
