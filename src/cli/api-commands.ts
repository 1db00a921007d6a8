import type { Command } from 'commander';
import { collect, replacingList } from './list-flags.js';
import { parseScopeDefinition, type ApiInput } from '../core/apis/apis.js';
import { apiOperations, type ApiOperations } from './ops/apis.js';
import { CliError, print } from './output.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';
import { DEFAULT, lifetimeFlag } from './durations.js';
import { apiRoleCommands } from './role-commands.js';

interface ApiFlags extends StoreOptions {
  identifier?: string;
  name?: string;
  scope?: string[];
  accessTokenTtl?: string;
  accessTokenAlg?: string;
  rbac?: string;
  introspectionClient?: string[];
}


function apiFlags(command: Command): Command {
  return command
    .option('--name <name>', 'what people see, e.g. on the consent page')
    .option('--scope <name=description>', 'a scope of this API and what it lets an app do (repeat for several; replaces the list)', collect)
    .option('--access-token-ttl <duration>', "lifetime of access tokens for this API, e.g. 10m ('default': the server's)")
    .option('--access-token-alg <alg>', "ES256 or RS256 for access tokens for this API ('default': the client's or the server's)")
    .option('--rbac <on|off>', "role-based access: an app gets this API's scopes only as far as the user's roles give them")
    .option('--introspection-client <client_id>', "a client (this API's own) that may introspect tokens for it (repeat; replaces the list; 'none' clears it)", collect);
}

function toInput(flags: ApiFlags): ApiInput {
  const input: ApiInput = {};
  if (flags.identifier !== undefined) input.identifier = flags.identifier;
  if (flags.name !== undefined) input.name = flags.name;
  if (flags.scope !== undefined) input.scopes = flags.scope.map(parseScopeDefinition);
  if (flags.accessTokenTtl !== undefined) input.accessTokenTtl = lifetimeFlag('--access-token-ttl', flags.accessTokenTtl);
  if (flags.accessTokenAlg !== undefined) input.accessTokenAlg = flags.accessTokenAlg === DEFAULT ? null : flags.accessTokenAlg;
  if (flags.rbac !== undefined) {
    if (flags.rbac !== 'on' && flags.rbac !== 'off') throw new CliError(`--rbac must be 'on' or 'off', not '${flags.rbac}'`);
    input.rbac = flags.rbac === 'on';
  }
  if (flags.introspectionClient !== undefined) input.introspectionClients = replacingList(flags.introspectionClient);
  return input;
}


export function apiCommands(program: Command): void {
  const api = program.command('api').description('APIs (resource servers): the audiences of access tokens (RFC 8707) and their scopes');
  const run = <T>(flags: ApiFlags, fn: (ops: ApiOperations) => Promise<T>) => withOperations(flags, apiOperations, fn);
  withStoreOptions(apiFlags(api.command('create').description('define an API').requiredOption('--identifier <uri>', "the API's URI: what apps pass as `resource`, and tokens' `aud`"))).action(
    async (flags: ApiFlags) => {
      if (flags.name === undefined) throw new CliError('--name is required');
      await run(flags, async (ops) => print(await ops.create(toInput(flags)), flags.json === true));
    },
  );
  withStoreOptions(api.command('list').description('list APIs')).action(async (flags: ApiFlags) => {
    await run(flags, async (ops) => {
      const apis = await ops.list();
      if (flags.json) print(apis, true);
      else print(apis.map((a) => ({ identifier: a['identifier'], name: a['name'], scopes: (a['scopes'] as { name: string }[]).map((s) => s.name), rbac: a['rbac'] })), false);
    });
  });
  withStoreOptions(api.command('show <identifier>').description('show an API')).action(async (identifier: string, flags: ApiFlags) => {
    await run(flags, async (ops) => print(await ops.show(identifier), flags.json === true));
  });
  withStoreOptions(apiFlags(api.command('update <identifier>').description('change an API; unset options keep their value'))).action(async (identifier: string, flags: ApiFlags) => {
    await run(flags, async (ops) => print(await ops.update(identifier, toInput(flags)), flags.json === true));
  });
  apiRoleCommands(api);
  withStoreOptions(api.command('delete <identifier>').description('delete an API (tokens already issued for it run out on their own)')).action(async (identifier: string, flags: ApiFlags) => {
    await run(flags, async (ops) => {
      await ops.delete(identifier);
      print({ deleted: identifier }, flags.json === true);
    });
  });
}
