import type { Command } from 'commander';
import { argon2FromEnv, passwordPolicyFromEnv } from './account-settings.js';
import { userView } from '../core/accounts/users.js';
import { createPasswordHasher } from '../core/accounts/passwords.js';
import { systemClock } from '../core/context.js';
import { describeUser, unlockUser, updateUser, type UserDescription, type UserUpdate } from '../core/admin/users.js';
import { createUser, deleteUser, disableUser, enableUser, resetUserMfa, setUserPassword, type NewUser, type PasswordSetting } from '../core/admin/user-lifecycle.js';
import type { AdminContext } from '../core/admin/context.js';
import { parseAttributeAssignment } from '../core/accounts/attributes.js';
import type { Stores } from '../store/ports.js';
import { readSecretFromStdin } from './stdin.js';
import { CliError, print } from './output.js';
import { adminContext, withStoreOptions, withStores, type CliAudit, type StoreOptions } from './store-options.js';

const readPassword = () => readSecretFromStdin('--password-stdin');

const adminOf = (stores: Stores, pepper: Buffer, audit: CliAudit): AdminContext => adminContext(stores, pepper, audit);

/** The password policy and argon2 parameters the environment sets; the hasher is built only when a password is hashed. */
function passwordSetting(): PasswordSetting {
  return { policy: passwordPolicyFromEnv(), hash: async (password) => (await createPasswordHasher(argon2FromEnv())).hash(password) };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface UpdateFlags extends StoreOptions {
  username?: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  attr?: string[];
}

/** `none` clears an optional field. */
const orNone = (value: string): string | null => (value === 'none' ? null : value);

function toUpdate(flags: UpdateFlags): UserUpdate {
  const update: UserUpdate = {};
  if (flags.username !== undefined) update.username = flags.username;
  if (flags.email !== undefined) update.email = orNone(flags.email);
  if (flags.emailVerified !== undefined) update.emailVerified = flags.emailVerified;
  if (flags.name !== undefined) update.name = orNone(flags.name);
  if (flags.attr !== undefined) {
    const attributes: Record<string, string | null> = {};
    for (const assignment of flags.attr) {
      const [key, value] = parseAttributeAssignment(assignment);
      if (key in attributes) throw new CliError(`--attr ${key} is given twice`);
      attributes[key] = value;
    }
    update.attributes = attributes;
  }
  if (Object.keys(update).length === 0) throw new CliError('nothing to change: give --username, --email, --email-verified, --name or --attr');
  return update;
}

const iso = (seconds: number | null): string | null => (seconds === null ? null : new Date(seconds * 1000).toISOString());

/** `user show --json`: the user, then what the server knows of their sign-ins. Times are Unix seconds, as elsewhere. */
function descriptionView(d: UserDescription): Record<string, unknown> {
  return {
    ...userView(d.user),
    last_sign_in_at: d.user.lastSignInAt,
    locked_until: d.lockedUntil,
    mfa: { totp: d.mfa.totp, enrolled_at: d.mfa.enrolledAt, backup_codes_remaining: d.mfa.backupCodesRemaining },
    identities: d.identities.map((i) => ({ provider: i.provider, subject: i.subject, last_sign_in_at: i.lastSignInAt })),
  };
}

/** `user show` for people: one line each, times in ISO 8601. */
function descriptionLines(d: UserDescription): Record<string, unknown> {
  const { mfa } = d;
  return {
    ...userView(d.user),
    last_sign_in: iso(d.user.lastSignInAt) ?? 'never',
    locked: d.lockedUntil === null ? 'no' : `until ${iso(d.lockedUntil)}`,
    totp: mfa.totp === 'enrolled' ? `enrolled ${iso(mfa.enrolledAt)}, ${mfa.backupCodesRemaining} backup codes left` : mfa.totp === 'pending' ? 'set-up started, not confirmed' : 'none',
    identities: d.identities.length === 0 ? 'none' : d.identities.map((i) => `${i.provider}:${i.subject} (last ${iso(i.lastSignInAt)})`).join(', '),
  };
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
      const input: NewUser = { username: flags.username, password: await readPassword() };
      if (flags.email !== undefined) input.email = flags.email;
      if (flags.emailVerified) input.emailVerified = true;
      if (flags.name !== undefined) input.name = flags.name;
      await withStores(flags, async (stores, pepper, audit) => {
        const created = await createUser(adminOf(stores, pepper, audit), input, passwordSetting());
        print(userView(created), flags.json === true);
      });
    });

  withStoreOptions(user.command('list').description('list users')).action(async (flags: StoreOptions) => {
    await withStores(flags, async (stores) => print((await stores.users.list()).map(userView), flags.json === true));
  });

  withStoreOptions(user.command('show <user>').description('show a user (by username or sub): profile, second factor, lock, last sign-in, linked identities')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores) => {
        const description = await describeUser(stores, ref, systemClock());
        print(flags.json ? descriptionView(description) : descriptionLines(description), flags.json === true);
      });
    },
  );

  withStoreOptions(user.command('update <user>').description('change a user (by username or sub); the sub never changes, unset options keep their value'))
    .option('--username <username>', 'a new username (not one another user has, in any case)')
    .option('--email <email>', "a new email address ('none' removes it); unverified unless --email-verified")
    .option('--email-verified', 'mark the email address as verified')
    .option('--no-email-verified', 'mark the email address as not verified')
    .option('--name <name>', "full name ('none' removes it)")
    .option('--attr <key=value>', 'set a custom attribute; key= removes it (repeat for several)', collect)
    .action(async (ref: string, flags: UpdateFlags) => {
      const update = toUpdate(flags);
      await withStores(flags, async (stores, pepper, audit) => print(userView(await updateUser(adminOf(stores, pepper, audit), ref, update)), flags.json === true));
    });

  withStoreOptions(user.command('unlock <user>').description('lift the sign-in and second-factor locks of a user after failed attempts, so they can sign in at once')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, pepper, audit) => {
        const unlocked = await unlockUser(adminOf(stores, pepper, audit), ref);
        print({ sub: unlocked.id, username: unlocked.username, unlocked_at: unlocked.unlockedAt }, flags.json === true);
      });
    },
  );

  withStoreOptions(user.command('set-password <user>').description('set a new password, read from standard input'))
    .option('--password-stdin', 'read the password from standard input')
    .action(async (ref: string, flags: StoreOptions & { passwordStdin?: boolean }) => {
      if (!flags.passwordStdin) throw new CliError('--password-stdin is required: pipe the password in');
      const password = await readPassword();
      const passwords = passwordSetting();
      await withStores(flags, async (stores, pepper, audit) => {
        print(userView(await setUserPassword(adminOf(stores, pepper, audit), ref, password, passwords)), flags.json === true);
      });
    });

  withStoreOptions(user.command('disable <user>').description('stop a user from signing in; ends their sessions and revokes their consents and tokens')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, pepper, audit) => print(userView(await disableUser(adminOf(stores, pepper, audit), ref)), flags.json === true));
    },
  );

  withStoreOptions(user.command('enable <user>').description('let a disabled user sign in again (revoked tokens stay revoked)')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, pepper, audit) => print(userView(await enableUser(adminOf(stores, pepper, audit), ref)), flags.json === true));
    },
  );

  withStoreOptions(user.command('delete <user>').description('delete a user; ends their sessions and revokes their consents and tokens')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, pepper, audit) => {
        const deleted = await deleteUser(adminOf(stores, pepper, audit), ref);
        print({ deleted: deleted.id, username: deleted.username }, flags.json === true);
      });
    },
  );

  const mfa = user.command('mfa').description('two-step verification of a user');
  withStoreOptions(mfa.command('reset <user>').description('remove the second factor (and backup codes), e.g. after a lost phone; the user sets it up again')).action(
    async (ref: string, flags: StoreOptions) => {
      await withStores(flags, async (stores, pepper, audit) => {
        const { user: existing, removed } = await resetUserMfa(adminOf(stores, pepper, audit), ref);
        print({ user: existing.id, username: existing.username, second_factor_removed: removed }, flags.json === true);
      });
    },
  );
}
