import type { Command } from 'commander';
import { collect, replacingList } from './list-flags.js';
import { addGroupMember, createGroup, deleteGroup, describeGroup, groupView, removeGroupMember, updateGroup, type GroupInput, type NamedMapping } from '../core/admin/groups.js';
import { CliError, print } from './output.js';
import { withAdmin, withStoreOptions, withStores, type StoreOptions } from './store-options.js';

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
  withStoreOptions(groupFlags(group.command('create <name>').description('create a group'))).action(async (name: string, flags: GroupFlags) => {
    await withAdmin(flags, async (admin) => {
      await createGroup(admin, name, toInput(flags));
      print(await describeGroup(admin.stores, name), flags.json === true);
    });
  });
  withStoreOptions(groupFlags(group.command('update <name>').description('change a group; unset options keep their value'))).action(async (name: string, flags: GroupFlags) => {
    await withAdmin(flags, async (admin) => {
      await updateGroup(admin, name, toInput(flags));
      print(await describeGroup(admin.stores, name), flags.json === true);
    });
  });
  withStoreOptions(group.command('list').description('list groups')).action(async (flags: StoreOptions) => {
    await withStores(flags, async (stores) => {
      const [groups, providers] = await Promise.all([stores.groups.list(), stores.identityProviders.list()]);
      print(groups.map((g) => groupView(g, providers)), flags.json === true);
    });
  });
  withStoreOptions(group.command('show <name>').description('show a group and its members')).action(async (name: string, flags: StoreOptions) => {
    await withStores(flags, async (stores) => print(await describeGroup(stores, name), flags.json === true));
  });
  withStoreOptions(group.command('delete <name>').description('delete a group (its members keep their accounts; they lose the roles it gave them)')).action(async (name: string, flags: StoreOptions) => {
    await withAdmin(flags, async (admin) => {
      await deleteGroup(admin, name);
      print({ deleted: name }, flags.json === true);
    });
  });
  withStoreOptions(group.command('add-member <group> <user>').description('add a user (username or sub) to a group')).action(async (name: string, user: string, flags: StoreOptions) => {
    await withAdmin(flags, async (admin) => print({ group: name, user, ...(await addGroupMember(admin, name, user)) }, flags.json === true));
  });
  withStoreOptions(group.command('remove-member <group> <user>').description('remove a user (username or sub) from a group')).action(async (name: string, user: string, flags: StoreOptions) => {
    await withAdmin(flags, async (admin) => print({ group: name, user, ...(await removeGroupMember(admin, name, user)) }, flags.json === true));
  });
}
