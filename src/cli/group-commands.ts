import type { Command } from 'commander';
import { collect, replacingList } from './list-flags.js';
import type { GroupInput, NamedMapping } from '../core/admin/groups.js';
import { groupOperations, type GroupOperations } from './ops/groups.js';
import { CliError, print } from './output.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';

interface GroupFlags extends StoreOptions {
  description?: string;
  map?: string[];
}


/** `--map <provider>=<group>`: the provider's name never holds '=', a group (an LDAP DN) may. */
function parseMapping(text: string): NamedMapping {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new CliError(`--map takes <provider>=<group>, e.g. corp-ldap=cn=staff,ou=groups,dc=example,dc=com; not '${text}'`);
  return { provider: text.slice(0, eq), group: text.slice(eq + 1) };
}

function groupFlags(command: Command): Command {
  return command
    .option('--description <text>', 'what the group is for')
    .option('--map <provider=group>', "members of this group at an identity provider are members here (repeat; replaces the list; 'none' clears it)", collect);
}

function toInput(flags: GroupFlags): GroupInput {
  const input: GroupInput = {};
  if (flags.description !== undefined) input.description = flags.description;
  if (flags.map !== undefined) input.mappings = replacingList(flags.map).map(parseMapping);
  return input;
}

export function groupCommands(program: Command): void {
  const group = program.command('group').description('groups of users: roles granted to a group are held by its members');
  const run = <T>(flags: StoreOptions, fn: (ops: GroupOperations) => Promise<T>) => withOperations(flags, groupOperations, fn);
  withStoreOptions(groupFlags(group.command('create <name>').description('create a group'))).action(async (name: string, flags: GroupFlags) => {
    await run(flags, async (ops) => print(await ops.create(name, toInput(flags)), flags.json === true));
  });
  withStoreOptions(groupFlags(group.command('update <name>').description('change a group; unset options keep their value'))).action(async (name: string, flags: GroupFlags) => {
    await run(flags, async (ops) => print(await ops.update(name, toInput(flags)), flags.json === true));
  });
  withStoreOptions(group.command('list').description('list groups')).action(async (flags: StoreOptions) => {
    await run(flags, async (ops) => print(await ops.list(), flags.json === true));
  });
  withStoreOptions(group.command('show <name>').description('show a group and its members')).action(async (name: string, flags: StoreOptions) => {
    await run(flags, async (ops) => print(await ops.show(name), flags.json === true));
  });
  withStoreOptions(group.command('delete <name>').description('delete a group (its members keep their accounts; they lose the roles it gave them)')).action(async (name: string, flags: StoreOptions) => {
    await run(flags, async (ops) => {
      await ops.delete(name);
      print({ deleted: name }, flags.json === true);
    });
  });
  withStoreOptions(group.command('add-member <group> <user>').description('add a user (username or sub) to a group')).action(async (name: string, user: string, flags: StoreOptions) => {
    await run(flags, async (ops) => print({ group: name, user, ...(await ops.addMember(name, user)) }, flags.json === true));
  });
  withStoreOptions(group.command('remove-member <group> <user>').description('remove a user (username or sub) from a group')).action(async (name: string, user: string, flags: StoreOptions) => {
    await run(flags, async (ops) => print({ group: name, user, ...(await ops.removeMember(name, user)) }, flags.json === true));
  });
}
