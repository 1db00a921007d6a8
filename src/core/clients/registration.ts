import { commandLineToken, keyedHash, randomToken } from '../crypto.js';
import { printable } from '../errors.js';
import { isValidScopeToken, OPERATOR_SCOPES } from '../scopes.js';
import { redirectUriProblem } from './redirect-uri.js';
import { isLoopbackHost, normalizedHost } from '../hosts.js';
import { lifetimeProblem } from '../lifetime-rules.js';
import {
  ACCESS_TOKEN_ALGS,
  CLIENT_LIFETIMES,
  ID_TOKEN_ALGS,
  CLIENT_AUTH_METHODS,
  GRANT_TYPES,
  USER_GRANTS,
  type ApplicationType,
  type Client,
  type ClientAuthMethod,
  type ClientType,
  type GrantType,
  type ClientExtras,
  type ClientLifetimes,
  type AccessTokenAlg,
  type IdTokenAlg,
} from './client.js';

/** Metadata an operator gives when creating or changing a client. Unset fields keep their value (or default). */
export interface ClientInput {
  name?: string;
  type?: ClientType;
  applicationType?: ApplicationType;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: string[];
  scopes?: string[];
  tokenEndpointAuthMethod?: string;
  extras?: ClientExtras;
  requireMfa?: boolean;
  /** With requireMfa: the second factor must be a passkey (the client's `phishing-resistant` level). */
  requirePhishingResistant?: boolean;
  /** Operators only: users of this app are not asked to consent (registration and the console never set it). */
  firstParty?: boolean;
  /** Operators only: the API a client's tokens are for when a request names none. */
  defaultApi?: string | null;
  /** Lifetimes in seconds to set, or null to go back to the server's; unnamed ones keep their value. */
  lifetimes?: { [K in keyof ClientLifetimes]?: number | null };
  /** null: back to the server's default. */
  idTokenAlg?: string | null;
  accessTokenAlg?: string | null;
}

/** How each lifetime is named where a client's metadata is shown (toMetadataView). */
const LIFETIME_FIELDS: Record<keyof ClientLifetimes, string> = {
  accessToken: 'access_token_ttl',
  idToken: 'id_token_ttl',
  refreshToken: 'refresh_token_ttl',
  refreshTokenAbsolute: 'refresh_token_absolute_ttl',
};

/** Raised for client metadata that cannot be accepted; `field` names the RFC 7591 member at fault. */
export class ClientMetadataError extends Error {
  override name = 'ClientMetadataError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_CODE_FLOW_SCOPES = ['openid', 'profile', 'email'];

/** A value in a message, when it can be shown as it is (these messages also become error_description, RFC 6749 §5.2). */
const shown = (value: string): string => {
  const quoted = printable(value, 200);
  return quoted ? ` ${quoted}` : '';
};

/** Fills defaults and checks every rule; returns the complete, consistent client or throws ClientMetadataError. */
function resolve(
  input: ClientInput,
  base: Client | undefined,
): Omit<Client, 'clientId' | 'secretHash' | 'createdAt' | 'updatedAt' | 'disabled' | 'tokensRevokedAt' | 'origin' | 'registrationTokenHash' | 'ownerId' | 'version' | 'defaultApi' | 'firstParty' | 'attributeClaims'> {
  const name = (input.name ?? base?.name ?? '').trim();
  if (name === '' || name.length > 200) throw new ClientMetadataError('client_name', 'client name must be 1 to 200 characters');

  const type = input.type ?? base?.type ?? 'confidential';
  if (type !== 'confidential' && type !== 'public') throw new ClientMetadataError('client_type', "client type must be 'confidential' or 'public'");

  const applicationType = input.applicationType ?? base?.applicationType ?? (type === 'public' ? 'native' : 'web');
  if (applicationType !== 'web' && applicationType !== 'native') {
    throw new ClientMetadataError('application_type', "application type must be 'web' or 'native'");
  }

  const grantTypes = [...new Set(input.grantTypes ?? base?.grantTypes ?? ['authorization_code', 'refresh_token'])];
  for (const g of grantTypes) {
    if (!GRANT_TYPES.includes(g as GrantType)) {
      throw new ClientMetadataError('grant_types', `unsupported grant type${shown(g)} (supported: ${GRANT_TYPES.join(', ')})`);
    }
  }
  if (grantTypes.length === 0) throw new ClientMetadataError('grant_types', 'at least one grant type is required');
  if (type === 'public' && grantTypes.includes('client_credentials')) {
    throw new ClientMetadataError('grant_types', 'client_credentials needs a confidential client (RFC 6749 section 4.4)');
  }
  if (type === 'public' && grantTypes.includes('password')) {
    throw new ClientMetadataError('grant_types', 'the password grant is only for confidential first-party clients (RFC 9700 section 2.4)');
  }
  if (grantTypes.includes('refresh_token') && !grantTypes.some((g) => USER_GRANTS.includes(g as GrantType))) {
    throw new ClientMetadataError('grant_types', 'refresh_token is only issued with a grant that acts for a user (authorization_code, device code, password)');
  }

  const redirectUris = [...new Set(input.redirectUris ?? base?.redirectUris ?? [])];
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri, applicationType);
    if (problem) throw new ClientMetadataError('redirect_uris', `redirect URI${shown(uri)} ${problem}`);
  }
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new ClientMetadataError('redirect_uris', 'authorization_code needs at least one redirect URI');
  }
  // OpenID Connect RP-Initiated Logout §3.1: the same rules as redirect URIs.
  const postLogoutRedirectUris = [...new Set(input.postLogoutRedirectUris ?? base?.postLogoutRedirectUris ?? [])];
  for (const uri of postLogoutRedirectUris) {
    const problem = redirectUriProblem(uri, applicationType);
    if (problem) throw new ClientMetadataError('post_logout_redirect_uris', `post-logout redirect URI${shown(uri)} ${problem}`);
  }

  const codeFlow = grantTypes.some((g) => USER_GRANTS.includes(g as GrantType));
  const scopes = [...new Set(input.scopes ?? base?.scopes ?? (codeFlow ? DEFAULT_CODE_FLOW_SCOPES : []))];
  for (const s of scopes) {
    if (!isValidScopeToken(s)) throw new ClientMetadataError('scope', `scope${shown(s)} is not a valid scope token (RFC 6749 section 3.3)`);
  }

  const method = input.tokenEndpointAuthMethod ?? (input.type === undefined ? base?.tokenEndpointAuthMethod : undefined) ?? (type === 'public' ? 'none' : 'client_secret_basic');
  if (!CLIENT_AUTH_METHODS.includes(method as ClientAuthMethod)) {
    throw new ClientMetadataError('token_endpoint_auth_method', `unsupported method${shown(method)} (supported: ${CLIENT_AUTH_METHODS.join(', ')})`);
  }
  if ((type === 'public') !== (method === 'none')) {
    throw new ClientMetadataError('token_endpoint_auth_method', type === 'public' ? "public clients use 'none'" : "confidential clients cannot use 'none'");
  }

  const extras = input.extras ?? base?.extras ?? {};
  for (const field of ['logo_uri', 'policy_uri', 'tos_uri', 'client_uri', 'jwks_uri'] as const) {
    const value = extras[field];
    const problem = value === undefined ? undefined : publicUrlProblem(value);
    if (value !== undefined && problem) throw new ClientMetadataError(field, `${field}${shown(value)} ${problem}`);
  }
  for (const contact of extras.contacts ?? []) {
    if (contact.length === 0 || contact.length > 320 || /[\s<>]/.test(contact)) throw new ClientMetadataError('contacts', `contact${shown(contact)} is not an address`);
  }
  const description = extras.description;
  if (description !== undefined && (description.length > 1000 || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(description))) {
    throw new ClientMetadataError('description', 'description must be at most 1000 characters of text');
  }
  const requireMfa = input.requireMfa ?? base?.requireMfa ?? false;
  // The level is one setting: naming requireMfa alone (on|off) sets the plain level.
  const requirePhishingResistant = requireMfa && (input.requireMfa !== undefined ? input.requirePhishingResistant === true : (input.requirePhishingResistant ?? base?.requirePhishingResistant ?? false));
  const { lifetimes, idTokenAlg, accessTokenAlg } = tokenSettings(input, base);
  return { lifetimes, idTokenAlg, accessTokenAlg, requireMfa, requirePhishingResistant, name, type, applicationType, redirectUris, postLogoutRedirectUris, extras, grantTypes: grantTypes as GrantType[], scopes, tokenEndpointAuthMethod: method as ClientAuthMethod };
}

/** The client's own token lifetimes and algorithms, each checked against the same bounds as the server's. */
function tokenSettings(input: ClientInput, base: Client | undefined): Pick<Client, 'lifetimes' | 'idTokenAlg' | 'accessTokenAlg'> {
  const lifetimes: ClientLifetimes = {};
  for (const name of CLIENT_LIFETIMES) {
    const value = input.lifetimes?.[name] === undefined ? base?.lifetimes[name] : input.lifetimes[name];
    if (value === undefined || value === null) continue;
    const problem = lifetimeProblem(name, value);
    if (problem) throw new ClientMetadataError(LIFETIME_FIELDS[name], problem);
    lifetimes[name] = value;
  }
  const idTokenAlg = input.idTokenAlg === undefined ? (base?.idTokenAlg ?? null) : input.idTokenAlg;
  if (idTokenAlg !== null && !ID_TOKEN_ALGS.includes(idTokenAlg as IdTokenAlg)) {
    throw new ClientMetadataError('id_token_signed_response_alg', `ID token algorithm${shown(idTokenAlg)} is not supported (supported: ${ID_TOKEN_ALGS.join(', ')})`);
  }
  const accessTokenAlg = input.accessTokenAlg === undefined ? (base?.accessTokenAlg ?? null) : input.accessTokenAlg;
  if (accessTokenAlg !== null && !ACCESS_TOKEN_ALGS.includes(accessTokenAlg as AccessTokenAlg)) {
    throw new ClientMetadataError('access_token_alg', `access token algorithm${shown(accessTokenAlg)} is not supported (supported: ${ACCESS_TOKEN_ALGS.join(', ')})`);
  }
  return { lifetimes, idTokenAlg: idTokenAlg as IdTokenAlg | null, accessTokenAlg: accessTokenAlg as AccessTokenAlg | null };
}

/** A new client id: 128 random bits, base64url, safe on a command line (`tessera client delete <id>`). */
export function newClientId(): string {
  return commandLineToken(16);
}

/**
 * Why a URL that users will be shown (logo, policy, terms) cannot be accepted: it must be https on
 * a public host, never loopback or a private network address (RFC 7591 §5: the server must not be
 * made to point at, or fetch from, internal hosts).
 */
export function publicUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  const host = normalizedHost(url.hostname);
  if (isLoopbackHost(host) || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || host.endsWith('.home.arpa')) return 'must not point to a local host';
  // A single label (`https://intranet/`) is completed by the resolver's search domains: never a public name.
  if (!host.includes('.') && !host.includes(':')) return 'must not point to a local host';
  if (isPrivateAddress(host)) return 'must not point to a loopback or private address';
  return undefined;
}

function isPrivateAddress(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  if (host.includes(':')) {
    // `::` starts the unspecified, loopback, IPv4-mapped and IPv4-compatible addresses.
    return host.startsWith('::') || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  }
  return false;
}

/**
 * Rules for clients that no operator registered (dynamic registration, developer console): web apps
 * redirect over https only (loopback http is for native apps, RFC 8252 §7.3), and the client holds
 * only the scopes the operator opened to self-service — otherwise anyone could give a machine client
 * an API's scopes that no user or operator ever granted.
 */
export function checkSelfServiceClient(client: Client, allowedScopes: readonly string[]): void {
  if (client.applicationType === 'web' && client.redirectUris.some((u) => !u.startsWith('https:'))) {
    throw new ClientMetadataError('redirect_uris', 'web applications must use https redirect URIs');
  }
  const closed = client.scopes.filter((s) => !allowedScopes.includes(s) || OPERATOR_SCOPES.has(s));
  if (closed.length > 0) throw new ClientMetadataError('scope', `scope ${closed.join(' ')} needs an operator to register the client`);
}

/** A new client secret: 256 bits from the CSPRNG (DESIGN.md §6). Only its keyed hash is stored. */
export function newClientSecret(pepper: Buffer): { secret: string; secretHash: string } {
  const secret = randomToken(32);
  return { secret, secretHash: keyedHash(pepper, secret) };
}

/** Builds a new client from operator input; returns the secret once for confidential clients. */
export function buildClient(input: ClientInput, pepper: Buffer, now: number): { client: Client; secret?: string } {
  const resolved = resolve(input, undefined);
  const credentials = resolved.type === 'confidential' ? newClientSecret(pepper) : undefined;
  const client: Client = {
    ...resolved,
    clientId: newClientId(),
    secretHash: credentials?.secretHash ?? null,
    disabled: false,
    tokensRevokedAt: null,
    origin: 'operator',
    registrationTokenHash: null,
    ownerId: null,
    defaultApi: input.defaultApi ?? null,
    attributeClaims: [],
    firstParty: input.firstParty ?? false,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  return credentials ? { client, secret: credentials.secret } : { client };
}

/** Applies a change to an existing client; a client turned confidential gets a secret. */
export function changeClient(existing: Client, input: ClientInput, pepper: Buffer, now: number): { client: Client; secret?: string } {
  const resolved = resolve(input, existing);
  const needsSecret = resolved.type === 'confidential' && existing.secretHash === null;
  const credentials = needsSecret ? newClientSecret(pepper) : undefined;
  const client: Client = {
    ...existing,
    ...resolved,
    secretHash: resolved.type === 'public' ? null : (credentials?.secretHash ?? existing.secretHash),
    updatedAt: now,
  };
  return credentials ? { client, secret: credentials.secret } : { client };
}
