import type { Command } from 'commander';
import { collect, replacingList } from './list-flags.js';
import type { HolderRef, RoleInput, RoleRef } from '../core/admin/roles.js';
import { roleOperations, type RoleOperations } from './ops/roles.js';
import { CliError, print } from './output.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';

interface RoleFlags extends StoreOptions {
  api?: string;
  description?: string;
  scope?: string[];
  user?: string;
  group?: string;
}


function roleFlags(command: Command): Command {
  return command
    .option('--description <text>', 'what the role is for')
    .option('--scope <scope>', "an API scope the role gives its holders (repeat; replaces the list; 'none' clears it)", collect);
}

function toInput(flags: RoleFlags): RoleInput {
  const input: RoleInput = {};
  if (flags.description !== undefined) input.description = flags.description;
  if (flags.scope !== undefined) input.scopes = replacingList(flags.scope);
  return input;
}

function holderOf(flags: RoleFlags): HolderRef {
  if ((flags.user === undefined) === (flags.group === undefined)) throw new CliError('name who holds the role: --user <username|sub> or --group <name>');
  return flags.user !== undefined ? { user: flags.user } : { group: flags.group! };
}

const refOf = (name: string, api: string | undefined): RoleRef => (api === undefined ? { name } : { api, name });

/** The operations on roles, for `role …` (global, or `--api`) and `api role …` (the API first). */
const run = <T>(flags: RoleFlags, fn: (ops: RoleOperations) => Promise<T>) => withOperations(flags, roleOperations, fn);
const operations = {
  async create(name: string, api: string | undefined, flags: RoleFlags) {
    await run(flags, async (ops) => print(await ops.create(refOf(name, api), toInput(flags)), flags.json === true));
  },
  async update(name: string, api: string | undefined, flags: RoleFlags) {
    await run(flags, async (ops) => print(await ops.update(refOf(name, api), toInput(flags)), flags.json === true));
  },
  async delete(name: string, api: string | undefined, flags: RoleFlags) {
    await run(flags, async (ops) => {
      await ops.delete(refOf(name, api));
      print({ deleted: name, api: api ?? null }, flags.json === true);
    });
  },
  async show(name: string, api: string | undefined, flags: RoleFlags) {
    await run(flags, async (ops) => print(await ops.show(refOf(name, api)), flags.json === true));
  },
  async grant(name: string, api: string | undefined, flags: RoleFlags) {
    const holder = holderOf(flags);
    await run(flags, async (ops) => print({ role: name, api: api ?? null, ...holder, ...(await ops.grant(refOf(name, api), holder)) }, flags.json === true));
  },
  async revoke(name: string, api: string | undefined, flags: RoleFlags) {
    const holder = holderOf(flags);
    await run(flags, async (ops) => print({ role: name, api: api ?? null, ...holder, ...(await ops.revoke(refOf(name, api), holder)) }, flags.json === true));
  },
  async list(api: string | null | undefined, flags: RoleFlags) {
    await run(flags, async (ops) => print(await ops.list(api), flags.json === true));
  },
};

const holderFlags = (command: Command) => command.option('--user <user>', 'a user (username or sub)').option('--group <group>', 'a group (its members)');

export function roleCommands(program: Command): void {
  const role = program.command('role').description("roles: names APIs authorize by, and the API scopes they give (global, or an API's with --api)");
  const withApi = (command: Command) => withStoreOptions(command.option('--api <api>', "the API (identifier or name) the role belongs to; without it, a global role"));
  withApi(roleFlags(role.command('create <name>').description('define a role'))).action((name: string, flags: RoleFlags) => operations.create(name, flags.api, flags));
  withApi(roleFlags(role.command('update <name>').description('change a role; unset options keep their value'))).action((name: string, flags: RoleFlags) => operations.update(name, flags.api, flags));
  withApi(role.command('delete <name>').description('delete a role and every grant of it')).action((name: string, flags: RoleFlags) => operations.delete(name, flags.api, flags));
  withApi(role.command('show <name>').description('show a role and who holds it')).action((name: string, flags: RoleFlags) => operations.show(name, flags.api, flags));
  withApi(holderFlags(role.command('grant <name>').description('grant a role to a user or a group'))).action((name: string, flags: RoleFlags) => operations.grant(name, flags.api, flags));
  withApi(holderFlags(role.command('revoke <name>').description('take a role from a user or a group'))).action((name: string, flags: RoleFlags) => operations.revoke(name, flags.api, flags));
  withStoreOptions(role.command('list').description('list roles').option('--api <api>', "only this API's roles ('global': only the global ones)")).action((flags: RoleFlags) =>
    operations.list(flags.api === 'global' ? null : flags.api, flags),
  );
}

/** `api role add|update|remove|list|grant|revoke <api> …`: the same operations, the API named first. */
export function apiRoleCommands(api: Command): void {
  const role = api.command('role').description("an API's roles");
  withStoreOptions(roleFlags(role.command('add <api> <role>').description('define a role of the API'))).action((a: string, name: string, flags: RoleFlags) => operations.create(name, a, flags));
  withStoreOptions(roleFlags(role.command('update <api> <role>').description('change a role of the API'))).action((a: string, name: string, flags: RoleFlags) => operations.update(name, a, flags));
  withStoreOptions(role.command('remove <api> <role>').description('delete a role of the API and every grant of it')).action((a: string, name: string, flags: RoleFlags) => operations.delete(name, a, flags));
  withStoreOptions(holderFlags(role.command('grant <api> <role>').description('grant a role of the API to a user or a group'))).action((a: string, name: string, flags: RoleFlags) => operations.grant(name, a, flags));
  withStoreOptions(holderFlags(role.command('revoke <api> <role>').description('take a role of the API from a user or a group'))).action((a: string, name: string, flags: RoleFlags) => operations.revoke(name, a, flags));
  withStoreOptions(role.command('list <api>').description("list the API's roles")).action((a: string, flags: RoleFlags) => operations.list(a, flags));
}
