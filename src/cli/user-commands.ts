import type { Command } from 'commander';
import type { UserUpdate } from '../core/admin/users.js';
import type { NewUser } from '../core/admin/user-lifecycle.js';
import { parseAttributeAssignment } from '../core/accounts/attributes.js';
import { readSecretFromStdin } from './stdin.js';
import { CliError, print } from './output.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';
import { userOperations } from './ops/users.js';
import { invitationOperations } from './ops/invitations.js';

const readPassword = () => readSecretFromStdin('--password-stdin');

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

/** `user show` for people: one line each, times in ISO 8601 (from the view `user show --json` prints). */
function descriptionLines(view: Record<string, unknown>): Record<string, unknown> {
  const { last_sign_in_at, locked_until, mfa, identities, ...user } = view as {
    last_sign_in_at: number | null; locked_until: number | null; identities: { provider: string; subject: string; last_sign_in_at: number }[];
    mfa: { totp: string; enrolled_at: number | null; backup_codes_remaining: number };
  } & Record<string, unknown>;
  return {
    ...user,
    last_sign_in: iso(last_sign_in_at) ?? 'never',
    locked: locked_until === null ? 'no' : `until ${iso(locked_until)}`,
    totp: mfa.totp === 'enrolled' ? `enrolled ${iso(mfa.enrolled_at)}, ${mfa.backup_codes_remaining} backup codes left` : mfa.totp === 'pending' ? 'set-up started, not confirmed' : 'none',
    identities: identities.length === 0 ? 'none' : identities.map((i) => `${i.provider}:${i.subject} (last ${iso(i.last_sign_in_at)})`).join(', '),
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
      await withOperations(flags, userOperations, async (ops) => print(await ops.create(input), flags.json === true));
    });

  withStoreOptions(user.command('list').description('list users')).action(async (flags: StoreOptions) => {
    await withOperations(flags, userOperations, async (ops) => print(await ops.list(), flags.json === true));
  });

  withStoreOptions(user.command('show <user>').description('show a user (by username or sub): profile, second factor, lock, last sign-in, linked identities')).action(
    async (ref: string, flags: StoreOptions) => {
      await withOperations(flags, userOperations, async (ops) => {
        const view = await ops.show(ref);
        print(flags.json ? view : descriptionLines(view), flags.json === true);
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
      await withOperations(flags, userOperations, async (ops) => print(await ops.update(ref, update), flags.json === true));
    });

  withStoreOptions(user.command('unlock <user>').description('lift the sign-in and second-factor locks of a user after failed attempts, so they can sign in at once')).action(
    async (ref: string, flags: StoreOptions) => {
      await withOperations(flags, userOperations, async (ops) => print(await ops.unlock(ref), flags.json === true));
    },
  );

  withStoreOptions(user.command('set-password <user>').description('set a new password, read from standard input'))
    .option('--password-stdin', 'read the password from standard input')
    .action(async (ref: string, flags: StoreOptions & { passwordStdin?: boolean }) => {
      if (!flags.passwordStdin) throw new CliError('--password-stdin is required: pipe the password in');
      const password = await readPassword();
      await withOperations(flags, userOperations, async (ops) => print(await ops.setPassword(ref, password), flags.json === true));
    });

  withStoreOptions(user.command('disable <user>').description('stop a user from signing in; ends their sessions and revokes their consents and tokens')).action(
    async (ref: string, flags: StoreOptions) => {
      await withOperations(flags, userOperations, async (ops) => print(await ops.disable(ref), flags.json === true));
    },
  );

  withStoreOptions(user.command('enable <user>').description('let a disabled user sign in again (revoked tokens stay revoked)')).action(
    async (ref: string, flags: StoreOptions) => {
      await withOperations(flags, userOperations, async (ops) => print(await ops.enable(ref), flags.json === true));
    },
  );

  withStoreOptions(user.command('delete <user>').description('delete a user; ends their sessions and revokes their consents and tokens')).action(
    async (ref: string, flags: StoreOptions) => {
      await withOperations(flags, userOperations, async (ops) => print(await ops.delete(ref), flags.json === true));
    },
  );

  withStoreOptions(user.command('invite <email>').description('invite an address to sign up (--signup invite): a single-use link, valid 7 days, is mailed to it'))
    .option('--issuer <url>', 'the server\'s issuer URL, which the link points at (with a store; not needed with a saved admin login)', process.env['TESSERA_ISSUER'])
    .action(async (email: string, flags: StoreOptions & { issuer?: string }) => {
      await withOperations(flags, invitationOperations, async (ops) => print(await ops.invite(email, flags.issuer), flags.json === true));
    });

  const mfa = user.command('mfa').description('two-step verification of a user');
  withStoreOptions(mfa.command('reset <user>').description('remove the second factor (and backup codes), e.g. after a lost phone; the user sets it up again')).action(
    async (ref: string, flags: StoreOptions) => {
      await withOperations(flags, userOperations, async (ops) => print(await ops.resetMfa(ref), flags.json === true));
    },
  );
}
