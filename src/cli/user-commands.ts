import type { Command } from 'commander';
import { argon2FromEnv, passwordPolicyFromEnv } from './account-settings.js';
import { buildUser, checkPassword, userView, type NewUserInput } from '../core/accounts/users.js';
import { createPasswordHasher } from '../core/accounts/passwords.js';
import { systemClock } from '../core/context.js';
import { enabledAgain, revokeUser } from '../core/lifecycle/revoke.js';
import type { Stores, User } from '../store/ports.js';
import { readSecretFromStdin } from './stdin.js';
import { CliError, print } from './output.js';
import { withStoreOptions, withStores, type StoreOptions } from './store-options.js';

const readPassword = () => readSecretFromStdin('--password-stdin');

/** A user by username or by sub. */
async function mustFind(stores: Stores, ref: string): Promise<User> {
  const user = (await stores.users.findByUsername(ref)) ?? (await stores.users.findById(ref));
  if (!user) throw new CliError(`no user '${ref}'`);
  return user;
}

interface CreateFlags extends StoreOptions {
  username?: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  passwordStdin?: boolean;
}

export function userCommands(program: Command): void {
  const user = program.command('user').description('manage the people who sign in');

  withStoreOptions(user.command('create').description('create a user'))
    .option('--username <username>', 'the name they sign in with')
    .option('--email <email>', 'email address')
    .option('--email-verified', 'mark the email address as verified')
    .option('--name <name>', 'full name')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (flags: CreateFlags) => {
      if (flags.username === undefined) throw new CliError('--username is required');
      if (!flags.passwordStdin) throw new CliError('--password-stdin is required: pipe the password in');
      const input: NewUserInput = { username: flags.username, password: await readPassword() };
      if (flags.email !== undefined) input.email = flags.email;
      if (flags.emailVerified) input.emailVerified = true;
      if (flags.name !== undefined) input.name = flags.name;
      await withStores(flags, async (stores, _pepper, audit) => {
        if (await stores.users.findByUsername(input.username)) throw new CliError(`username '${input.username}' is taken`);
        const created = await buildUser(input, await createPasswordHasher(argon2FromEnv()), systemClock(), passwordPolicyFromEnv());
        await stores.users.create(created);
        await audit({ type: 'user.created', userId: created.id, username: created.username });
        print(userView(created), flags.json === true);
      });
    });

  withStoreOptions(user.command('list').description('list users')).action(async (flags: StoreOptions) => {
    await withStores(flags, async (stores) => print((await stores.users.list()).map(userView), flags.json === true));
  });

  withStoreOptions(user.command('show <user>').description('show a user (by username or sub)')).action(async (ref: string, flags: StoreOptions) => {
    await withStores(flags, async (stores) => print(userView(await mustFind(stores, ref)), flags.json === true));
  });

  withStoreOptions(user.command('set-password <user>').description('set a new password, read from standard input'))
    .option('--password-stdin', 'read the password from standard input')
    .action(async (ref: string, flags: StoreOptions & { passwordStdin?: boolean }) => {
      if (!flags.passwordStdin) throw new CliError('--password-stdin is required: pipe the password in');
      const password = await readPassword();
      checkPassword(password, passwordPolicyFromEnv());
      await withStores(flags, async (stores, _pepper, audit) => {
        const existing = await mustFind(stores, ref);
        const updated = { ...existing, passwordHash: await (await createPasswordHasher(argon2FromEnv())).hash(password), updatedAt: systemClock() };
        await stores.users.update(existing.id, { passwordHash: updated.passwordHash }, updated.updatedAt);
        await audit({ type: 'user.changed', userId: existing.id, username: existing.username, reason: 'password_set' });
        print(userView(updated), flags.json === true);
      });
    });

  withStoreOptions(user.command('disable <user>').description('stop a user from signing in; ends their sessions and revokes their consents and tokens')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, _pepper, audit) => {
        const existing = await mustFind(stores, ref);
        await revokeUser(stores, existing, systemClock(), 'disable');
        await audit({ type: 'user.changed', userId: existing.id, username: existing.username, reason: 'disabled' });
        print(userView((await stores.users.findById(existing.id)) ?? existing), flags.json === true);
      });
    },
  );

  withStoreOptions(user.command('enable <user>').description('let a disabled user sign in again (revoked tokens stay revoked)')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, _pepper, audit) => {
        const existing = await mustFind(stores, ref);
        const updated = existing.disabled ? await enabledAgain(existing, systemClock()) : existing;
        if (existing.disabled) await stores.users.update(existing.id, { disabled: false, tokensRevokedAt: updated.tokensRevokedAt }, updated.updatedAt);
        await audit({ type: 'user.changed', userId: existing.id, username: existing.username, reason: 'enabled' });
        print(userView(updated), flags.json === true);
      });
    },
  );

  withStoreOptions(user.command('delete <user>').description('delete a user; ends their sessions and revokes their consents and tokens')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, _pepper, audit) => {
        const existing = await mustFind(stores, ref);
        await revokeUser(stores, existing, systemClock(), 'delete');
        await audit({ type: 'user.deleted', userId: existing.id, username: existing.username });
        print({ deleted: existing.id, username: existing.username }, flags.json === true);
      });
    },
  );

  const mfa = user.command('mfa').description('two-step verification of a user');
  withStoreOptions(mfa.command('reset <user>').description('remove the second factor (and backup codes), e.g. after a lost phone; the user sets it up again')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, _pepper, audit) => {
        const existing = await mustFind(stores, ref);
        const removed = await stores.mfa.delete(existing.id);
        if (removed) await audit({ type: 'mfa.reset', userId: existing.id, username: existing.username, reason: 'operator' });
        print({ user: existing.id, username: existing.username, second_factor_removed: removed }, flags.json === true);
      });
    },
  );
}
