import type { Command } from 'commander';
import { collect, replacingList } from './list-flags.js';
import type { ClientInput } from '../core/clients/registration.js';
import { MFA_LEVELS, mfaLevelSettings, type ClientType, type ApplicationType, type MfaLevel } from '../core/clients/client.js';
import type { ClientUpdate, NewClient } from '../core/admin/clients.js';
import { clientOperations, clientSummary } from './ops/clients.js';
import { CliError, print } from './output.js';
import { DEFAULT, lifetimeFlag } from './durations.js';
import { withOperations, withStoreOptions, type StoreOptions } from './store-options.js';

interface ClientFlags extends StoreOptions {
  name?: string;
  type?: string;
  applicationType?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  grantType?: string[];
  scope?: string;
  authMethod?: string;
  requireMfa?: string;
  firstParty?: boolean;
  defaultApi?: string;
  claim?: string[];
  accessTokenTtl?: string;
  idTokenTtl?: string;
  refreshTokenTtl?: string;
  refreshTokenAbsoluteTtl?: string;
  idTokenAlg?: string;
  accessTokenAlg?: string;
}


function metadataFlags(command: Command): Command {
  return command
    .option('--name <name>', 'name shown to users on the consent page')
    .option('--type <type>', 'confidential (can keep a secret) or public (SPA, native app)')
    .option('--application-type <type>', 'web or native (native apps may use loopback and private-use redirect URIs)')
    .option('--redirect-uri <uri>', 'a redirect URI (repeat for several)', collect)
    .option('--post-logout-redirect-uri <uri>', 'where sign-out may return to (repeat for several)', collect)
    .option('--grant-type <grant>', 'authorization_code, refresh_token or client_credentials (repeat for several)', collect)
    .option('--scope <scopes>', 'space-separated scopes the client may ask for')
    .option('--auth-method <method>', 'token endpoint auth method: client_secret_basic, client_secret_post or none')
    .option('--require-mfa <off|on|phishing-resistant>', 'users must pass a second factor to sign in to this client; phishing-resistant: it must be a passkey')
    .option('--first-party', 'an app you trust as your own: its users are not asked to consent (their consent is recorded, and revocable on /account)')
    .option('--no-first-party', 'users are asked to consent to this app (the default)')
    .option('--default-api <identifier>', "the API its tokens are for when a request names no resource (RFC 8707); 'none' for Tessera itself")
    .option('--claim <attribute>', "a user attribute this client receives as a claim of that name (repeat; replaces the list; 'none' clears it)", collect)
    .option('--access-token-ttl <duration>', "how long this client's access tokens live (90s, 10m, 12h, 30d; 'default': the server's)")
    .option('--id-token-ttl <duration>', "how long this client's ID tokens live ('default': the server's)")
    .option('--refresh-token-ttl <duration>', "this client's refresh tokens expire when unused this long ('default': the server's)")
    .option('--refresh-token-absolute-ttl <duration>', "this client's refresh tokens end this long after the sign-in, however often rotated ('default': the server's)")
    .option('--id-token-alg <alg>', "algorithm of this client's ID tokens: RS256, ES256 or PS256 ('default': the server's)")
    .option('--access-token-alg <alg>', "algorithm of this client's access tokens: ES256 or RS256 ('default': the server's)");
}

function toInput(flags: ClientFlags): ClientInput {
  const input: ClientInput = {};
  if (flags.name !== undefined) input.name = flags.name;
  if (flags.type !== undefined) input.type = flags.type as ClientType;
  if (flags.applicationType !== undefined) input.applicationType = flags.applicationType as ApplicationType;
  if (flags.redirectUri !== undefined) input.redirectUris = flags.redirectUri;
  if (flags.postLogoutRedirectUri !== undefined) input.postLogoutRedirectUris = flags.postLogoutRedirectUri;
  if (flags.grantType !== undefined) input.grantTypes = flags.grantType;
  if (flags.scope !== undefined) input.scopes = flags.scope.split(' ').filter((s) => s !== '');
  if (flags.authMethod !== undefined) input.tokenEndpointAuthMethod = flags.authMethod;
  if (flags.firstParty !== undefined) input.firstParty = flags.firstParty;
  if (flags.defaultApi !== undefined) input.defaultApi = flags.defaultApi === 'none' ? null : flags.defaultApi;
  if (flags.requireMfa !== undefined) {
    const level = flags.requireMfa as MfaLevel;
    if (!MFA_LEVELS.includes(level)) throw new CliError(`--require-mfa must be 'off', 'on' or 'phishing-resistant', not '${flags.requireMfa}'`);
    Object.assign(input, mfaLevelSettings(level));
  }
  const lifetimes: NonNullable<ClientInput['lifetimes']> = {};
  if (flags.accessTokenTtl !== undefined) lifetimes.accessToken = lifetimeFlag('--access-token-ttl', flags.accessTokenTtl);
  if (flags.idTokenTtl !== undefined) lifetimes.idToken = lifetimeFlag('--id-token-ttl', flags.idTokenTtl);
  if (flags.refreshTokenTtl !== undefined) lifetimes.refreshToken = lifetimeFlag('--refresh-token-ttl', flags.refreshTokenTtl);
  if (flags.refreshTokenAbsoluteTtl !== undefined) lifetimes.refreshTokenAbsolute = lifetimeFlag('--refresh-token-absolute-ttl', flags.refreshTokenAbsoluteTtl);
  if (Object.keys(lifetimes).length > 0) input.lifetimes = lifetimes;
  // Checked with the rest of the metadata (registration.ts), so the message is the same wherever the value comes from.
  if (flags.idTokenAlg !== undefined) input.idTokenAlg = flags.idTokenAlg === DEFAULT ? null : flags.idTokenAlg;
  if (flags.accessTokenAlg !== undefined) input.accessTokenAlg = flags.accessTokenAlg === DEFAULT ? null : flags.accessTokenAlg;
  return input;
}

export function clientCommands(program: Command): void {
  const client = program.command('client').description('register and manage applications');

  withStoreOptions(metadataFlags(client.command('create').description('register a new client; its secret is shown only now'))).action(async (flags: ClientFlags) => {
    if (flags.name === undefined) throw new CliError('--name is required');
    const input: NewClient = toInput(flags);
    if (flags.claim !== undefined) input.attributeClaims = replacingList(flags.claim);
    await withOperations(flags, clientOperations, async (ops) => print(await ops.create(input), flags.json === true));
  });

  withStoreOptions(client.command('list').description('list clients')).action(async (flags: StoreOptions) => {
    await withOperations(flags, clientOperations, async (ops) => {
      const clients = await ops.list();
      print(flags.json ? clients : clients.map(clientSummary), flags.json === true);
    });
  });

  withStoreOptions(client.command('show <clientId>').description('show one client')).action(async (clientId: string, flags: StoreOptions) => {
    await withOperations(flags, clientOperations, async (ops) => print(await ops.show(clientId), flags.json === true));
  });

  withStoreOptions(metadataFlags(client.command('update <clientId>').description('change a client; unset options keep their value')))
    .option('--disable', 'stop the client from getting tokens, and revoke its consents and tokens')
    .option('--enable', 'let a disabled client get tokens again')
    .action(async (clientId: string, flags: ClientFlags & { disable?: boolean; enable?: boolean }) => {
      if (flags.disable && flags.enable) throw new CliError('--disable and --enable cannot be combined');
      const input: ClientUpdate = toInput(flags);
      if (flags.claim !== undefined) input.attributeClaims = replacingList(flags.claim);
      if (flags.disable) input.disabled = true;
      else if (flags.enable) input.disabled = false;
      await withOperations(flags, clientOperations, async (ops) => print(await ops.update(clientId, input), flags.json === true));
    });

  withStoreOptions(client.command('rotate-secret <clientId>').description('replace the secret; the old one stops working at once')).action(
    async (clientId: string, flags: StoreOptions) => {
      await withOperations(flags, clientOperations, async (ops) => print(await ops.rotateSecret(clientId), flags.json === true));
    },
  );

  withStoreOptions(client.command('delete <clientId>').description('delete a client and revoke all its consents and tokens')).action(
    async (clientId: string, flags: StoreOptions) => {
      await withOperations(flags, clientOperations, async (ops) => {
        await ops.delete(clientId);
        print({ deleted: clientId }, flags.json === true);
      });
    },
  );
}
