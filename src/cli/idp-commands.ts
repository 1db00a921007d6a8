import { readFileSync } from 'node:fs';
import { collect } from './list-flags.js';
import type { Command } from 'commander';
import type { ProviderInput } from '../core/federation/providers.js';
import type { IdentityProviderRecord } from '../store/ports.js';
import { identityProviderOperations, type IdentityProviderOperations } from './ops/identity-providers.js';
import { CliError, print } from './output.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';
import { readSecretFromStdin } from './stdin.js';

interface IdpFlags extends StoreOptions {
  name?: string;
  displayName?: string;
  priority?: string;
  domain?: string[];
  trustEmail?: boolean;
  issuerUrl?: string;
  url?: string;
  startTls?: boolean;
  caFile?: string;
  bindDn?: string;
  bindPasswordStdin?: boolean;
  userBase?: string;
  userFilter?: string;
  preset?: string;
  groupBase?: string;
  groupFilter?: string;
  attrId?: string;
  attrUsername?: string;
  attrEmail?: string;
  attrName?: string;
  attrGroups?: string;
  timeoutMs?: string;
  issuer?: string;
  clientId?: string;
  clientSecretStdin?: boolean;
  scope?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userEndpoint?: string;
  mapSubject?: string;
  mapUsername?: string;
  mapEmail?: string;
  mapEmailVerified?: string;
  mapName?: string;
}


function commonFlags(command: Command): Command {
  return command
    .option('--display-name <text>', 'what users see: "Continue with <text>" (default: the name)')
    .option('--priority <n>', 'order among the sources of a username: local users are 0, lower comes first (default 10)')
    .option('--domain <domain>', 'an email domain this provider signs in (repeat for several)', collect)
    .option('--issuer-url <url>', "this server's issuer, to print the redirect URI (default: TESSERA_ISSUER, or what the server recorded)");
}

function ldapFlags(command: Command): Command {
  return command
    .option('--url <url>', 'ldaps://host:636 or ldap://host:389')
    .option('--start-tls', 'upgrade an ldap:// connection with StartTLS')
    .option('--ca-file <file>', 'PEM of the CA that signed the directory certificate')
    .option('--bind-dn <dn>', 'the service account that searches for users')
    .option('--bind-password-stdin', 'read the service account password from standard input (or TESSERA_IDP_SECRET_FILE)')
    .option('--user-base <dn>', 'where users are searched')
    .option('--user-filter <filter>', 'how a user is found, with {username}, e.g. "(uid={username})"')
    .option('--group-base <dn>', 'search groups under this base (with --group-filter)')
    .option('--group-filter <filter>', 'how groups of a user are found, with {dn}; in AD nested groups: "(member:1.2.840.113556.1.4.1941:={dn})"')
    .option('--attr-id <name>', 'the stable id attribute (default entryUUID, or objectGUID for ad)')
    .option('--attr-username <name>', 'the username attribute')
    .option('--attr-email <name>', 'the email attribute')
    .option('--attr-name <name>', 'the display name attribute')
    .option('--attr-groups <name>', 'the attribute listing groups (default memberOf)')
    .option('--timeout-ms <ms>', 'how long to wait for the directory (default 5000)');
}

function upstreamFlags(command: Command): Command {
  return command
    .option('--client-id <id>', 'the client id Tessera was given at the provider')
    .option('--client-secret-stdin', 'read the client secret from standard input (or TESSERA_IDP_SECRET_FILE)')
    .option('--scope <scopes>', 'scopes to ask for, separated by spaces')
    .option('--trust-email', "link a first sign-in to the local account with the same address when the provider says it is verified");
}

function oidcFlags(command: Command): Command {
  return command.option('--issuer <url>', "the provider's issuer (its discovery document is read from there)");
}

const LDAP_PRESETS = 'openldap (default) or ad (Active Directory: sAMAccountName/userPrincipalName, objectGUID, account flags)';
const OAUTH2_PRESETS = 'a known provider: github';

function oauth2Flags(command: Command): Command {
  return command
    .option('--authorization-endpoint <url>', 'where users are sent to sign in')
    .option('--token-endpoint <url>', 'where codes are exchanged')
    .option('--user-endpoint <url>', 'where the signed-in user is described (JSON)')
    .option('--map-subject <path>', "the user's stable id in that JSON (default id)")
    .option('--map-username <path>', 'the username (default login)')
    .option('--map-email <path>', 'the email address (default email)')
    .option('--map-email-verified <path>', 'whether the address is verified (default: never)')
    .option('--map-name <path>', 'the display name (default name)');
}

function whole(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new CliError(`${flag} must be a whole number, not '${value}'`);
  return Number(value);
}

/** The secret from standard input or TESSERA_IDP_SECRET_FILE; undefined when neither was given. */
async function secretOf(stdin: boolean | undefined, flag: string): Promise<string | undefined> {
  const file = process.env['TESSERA_IDP_SECRET_FILE'];
  if (stdin && file) throw new CliError('give the secret on standard input or in TESSERA_IDP_SECRET_FILE, not both');
  if (file) return readFileSync(file, 'utf8').trim();
  if (!stdin) return undefined;
  const secret = await readSecretFromStdin(flag);
  if (secret === '') throw new CliError('the secret on standard input is empty');
  return secret;
}

/** The fields that were given: options not passed keep the provider's value. */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

async function toInput(kind: IdentityProviderRecord['kind'], flags: IdpFlags): Promise<ProviderInput> {
  const input: ProviderInput = defined({
    name: flags.name,
    kind,
    displayName: flags.displayName,
    priority: whole('--priority', flags.priority),
    domains: flags.domain,
    trustEmail: flags.trustEmail,
  });
  const secret = kind === 'ldap' ? await secretOf(flags.bindPasswordStdin, '--bind-password-stdin') : await secretOf(flags.clientSecretStdin, '--client-secret-stdin');
  if (secret !== undefined) input.secret = secret;
  if (kind === 'ldap') {
    const attributes = defined({ id: flags.attrId, username: flags.attrUsername, email: flags.attrEmail, name: flags.attrName, groups: flags.attrGroups });
    if ((flags.groupBase === undefined) !== (flags.groupFilter === undefined)) throw new CliError('--group-base and --group-filter go together');
    input.ldap = defined({
      url: flags.url,
      startTls: flags.startTls,
      caFile: flags.caFile,
      bindDn: flags.bindDn,
      userBase: flags.userBase,
      userFilter: flags.userFilter,
      preset: flags.preset as 'openldap' | 'ad' | undefined,
      timeoutMs: whole('--timeout-ms', flags.timeoutMs),
      groupSearch: flags.groupBase !== undefined && flags.groupFilter !== undefined ? { base: flags.groupBase, filter: flags.groupFilter } : undefined,
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    });
  }
  const scopes = flags.scope?.split(' ').filter((s) => s !== '');
  if (kind === 'oidc') input.oidc = defined({ issuer: flags.issuer, clientId: flags.clientId, scopes });
  if (kind === 'oauth2') {
    const mapping = defined({ subject: flags.mapSubject, username: flags.mapUsername, email: flags.mapEmail, emailVerified: flags.mapEmailVerified, name: flags.mapName });
    input.oauth2 = defined({
      preset: flags.preset,
      authorizationEndpoint: flags.authorizationEndpoint,
      tokenEndpoint: flags.tokenEndpoint,
      userEndpoint: flags.userEndpoint,
      clientId: flags.clientId,
      scopes,
      ...(Object.keys(mapping).length > 0 ? { mapping } : {}),
    });
  }
  return input;
}

export function idpCommands(program: Command): void {
  const idp = program.command('idp').description('upstream identity providers: LDAP and Active Directory, OpenID Connect and OAuth 2.0');
  const add = idp.command('add').description('add an identity provider');
  const adders: [IdentityProviderRecord['kind'], string, (c: Command) => Command][] = [
    ['ldap', 'an LDAP directory or Active Directory: its users sign in on the login form', (c) => ldapFlags(c).option('--preset <preset>', LDAP_PRESETS)],
    ['oidc', 'an OpenID provider: "Continue with …" on the login page', (c) => oidcFlags(upstreamFlags(c))],
    ['oauth2', 'a plain OAuth 2.0 provider with a user endpoint (GitHub style)', (c) => oauth2Flags(upstreamFlags(c)).option('--preset <preset>', OAUTH2_PRESETS)],
  ];
  const run = <T>(options: IdpFlags, fn: (ops: IdentityProviderOperations) => Promise<T>) => withOperations(options, identityProviderOperations, fn);
  for (const [kind, description, flags] of adders) {
    withStoreOptions(flags(commonFlags(add.command(kind).description(description).requiredOption('--name <name>', 'a short name: lower-case letters, digits, - or _'))))
      .action(async (options: IdpFlags) => {
        const input = await toInput(kind, options);
        await run(options, async (ops) => print(await ops.add(input, options.issuerUrl), options.json === true));
      });
  }

  withStoreOptions(idp.command('list').description('list identity providers')).action(async (options: IdpFlags) => {
    await run(options, async (ops) => {
      const views = await ops.list();
      if (options.json) print(views, true);
      else print(views.map((v) => ({ name: v['name'], kind: v['kind'], display_name: v['display_name'], enabled: v['enabled'], priority: v['priority'], domains: v['domains'] })), false);
    });
  });

  withStoreOptions(commonFlags(idp.command('show <name>').description('show a provider (never its secret), with the redirect URI to register upstream'))).action(async (name: string, options: IdpFlags) => {
    await run(options, async (ops) => print(await ops.show(name, options.issuerUrl), options.json === true));
  });

  withStoreOptions(oauth2Flags(oidcFlags(upstreamFlags(ldapFlags(commonFlags(idp.command('update <name>').description('change a provider; unset options keep their value')))))))
    .option('--preset <preset>', `LDAP: ${LDAP_PRESETS}; OAuth 2.0: ${OAUTH2_PRESETS}`)
    .allowExcessArguments(false)
    .action(async (name: string, options: IdpFlags) => {
      await run(options, async (ops) => {
        const { kind: _kind, name: _name, ...input } = await toInput(await ops.kindOf(name), options);
        print(await ops.update(name, input, options.issuerUrl), options.json === true);
      });
    });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    withStoreOptions(idp.command(`${verb} <name>`).description(enabled ? 'offer the provider again' : 'stop offering the provider (its users cannot sign in through it)')).action(
      async (name: string, options: IdpFlags) => {
        await run(options, async (ops) => print(await ops.setEnabled(name, enabled), options.json === true));
      },
    );
  }

  withStoreOptions(idp.command('remove <name>').description("remove a provider and its users' links to it (the users stay)")).action(async (name: string, options: IdpFlags) => {
    await run(options, async (ops) => {
      await ops.remove(name);
      print({ removed: name.toLowerCase() }, options.json === true);
    });
  });

  withStoreOptions(idp.command('test <name>').description('check the connection; with --username, show what a sign-in would map').option('--username <username>', 'a user to look up (no password needed)')).action(
    async (name: string, options: IdpFlags & { username?: string }) => {
      await run(options, async (ops) => {
        const result = await ops.test(name, options.username);
        if (!result.ok) throw new CliError(`${name}: ${result.problem}`);
        print({ provider: name.toLowerCase(), ok: true, checked: result.checked, ...(result.entry !== undefined ? { entry: result.entry } : {}) }, options.json === true);
      });
    },
  );
}
