import { randomUUID } from 'node:crypto';
import type { IdentityProviderChanges, IdentityProviderRecord } from '../../store/ports.js';
import { seal, unseal } from '../crypto.js';
import type { LdapSettings, OAuth2Settings, OidcSettings } from './ports.js';

/** An operator's description of a provider, as the CLI (and later the admin API) take it; unset fields keep their value. */
export interface ProviderInput {
  name?: string;
  kind?: IdentityProviderRecord['kind'];
  displayName?: string;
  priority?: number;
  domains?: string[];
  /** The bind password (LDAP) or client secret (OIDC, OAuth 2.0). */
  secret?: string | null;
  /** Link a first sign-in to the local account with the same address, when the provider says it is verified. */
  trustEmail?: boolean;
  ldap?: Partial<Omit<LdapSettings, 'bindPassword' | 'attributes'>> & { attributes?: Partial<LdapSettings['attributes']> };
  oidc?: Partial<Omit<OidcSettings, 'clientSecret'>>;
  oauth2?: Partial<Omit<OAuth2Settings, 'clientSecret' | 'mapping'>> & { mapping?: Partial<OAuth2Settings['mapping']>; preset?: string };
}

/** What is stored in a provider's `settings`: the kind's settings, its secret sealed under the pepper. */
interface StoredSettings {
  secretSealed: string | null;
  trustEmail: boolean;
  ldap?: Omit<LdapSettings, 'bindPassword'>;
  oidc?: Omit<OidcSettings, 'clientSecret'>;
  oauth2?: Omit<OAuth2Settings, 'clientSecret'>;
}

/** A provider ready for an adapter: its secret unsealed. */
export type ResolvedProvider = IdentityProviderRecord & { trustEmail: boolean } & (
    | { kind: 'ldap'; ldap: LdapSettings }
    | { kind: 'oidc'; oidc: OidcSettings }
    | { kind: 'oauth2'; oauth2: OAuth2Settings }
  );

export class ProviderInputError extends Error {
  override name = 'ProviderInputError';
}

/** Users who sign in with a password here are local users; providers come after them unless given a negative priority. */
export const LOCAL_PRIORITY = 0;
const DEFAULT_PRIORITY = 10;
const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const LDAP_PRESETS: Record<LdapSettings['preset'], { userFilter: string; attributes: LdapSettings['attributes'] }> = {
  openldap: { userFilter: '(uid={username})', attributes: { id: 'entryUUID', username: 'uid', email: 'mail', name: 'cn', groups: 'memberOf' } },
  // sAMAccountName or userPrincipalName (user@domain); objectGUID never changes, not even on rename.
  ad: {
    userFilter: '(&(objectCategory=person)(objectClass=user)(|(sAMAccountName={username})(userPrincipalName={username})))',
    attributes: { id: 'objectGUID', username: 'sAMAccountName', email: 'mail', name: 'displayName', groups: 'memberOf' },
  },
};

/** Plain OAuth 2.0 providers whose endpoints and user JSON are known. OpenID providers need only their issuer. */
const OAUTH2_PRESETS: Record<string, Omit<OAuth2Settings, 'clientId' | 'clientSecret'>> = {
  github: {
    authorizationEndpoint: 'https://github.com/login/oauth/authorize',
    tokenEndpoint: 'https://github.com/login/oauth/access_token',
    userEndpoint: 'https://api.github.com/user',
    scopes: ['read:user', 'user:email'],
    mapping: { subject: 'id', username: 'login', email: 'email', emailVerified: null, name: 'name' },
  },
};

function url(value: string | undefined, field: string, schemes: string[]): string {
  if (value === undefined || value === '') throw new ProviderInputError(`${field} is required`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ProviderInputError(`${field} is not a URL`);
  }
  if (!schemes.includes(parsed.protocol)) throw new ProviderInputError(`${field} must use ${schemes.map((s) => s.slice(0, -1)).join(' or ')}`);
  if (parsed.username || parsed.password) throw new ProviderInputError(`${field} must not contain credentials`);
  return value;
}

/** https only, except on a loopback host (a provider on the same machine, as in tests). */
function webUrl(value: string | undefined, field: string): string {
  const checked = url(value, field, ['https:', 'http:']);
  const host = new URL(checked).hostname;
  if (new URL(checked).protocol === 'http:' && host !== 'localhost' && host !== '127.0.0.1' && host !== '[::1]') throw new ProviderInputError(`${field} must use https`);
  return checked;
}

function text(value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === '') throw new ProviderInputError(`${field} is required`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new ProviderInputError(`${field} must not contain control characters`);
  return value;
}

function ldapSettings(input: ProviderInput['ldap'] = {}, base: StoredSettings['ldap']): NonNullable<StoredSettings['ldap']> {
  const preset = input.preset ?? base?.preset ?? 'openldap';
  if (preset !== 'openldap' && preset !== 'ad') throw new ProviderInputError("preset must be 'openldap' or 'ad'");
  const defaults = LDAP_PRESETS[preset];
  const link = url(input.url ?? base?.url, 'url', ['ldap:', 'ldaps:']);
  const startTls = input.startTls ?? base?.startTls ?? false;
  if (startTls && link.startsWith('ldaps:')) throw new ProviderInputError('StartTLS is for ldap:// URLs; ldaps:// is TLS already');
  const userFilter = text(input.userFilter ?? base?.userFilter ?? defaults.userFilter, 'user filter');
  if (!userFilter.includes('{username}')) throw new ProviderInputError('the user filter must contain {username}');
  if (!/^\(.*\)$/.test(userFilter)) throw new ProviderInputError('the user filter must be an LDAP filter in parentheses');
  const attributes = { ...defaults.attributes, ...base?.attributes, ...input.attributes };
  for (const [name, value] of Object.entries(attributes)) if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(value)) throw new ProviderInputError(`attribute ${name} '${value}' is not an attribute name`);
  const groupSearch = input.groupSearch === undefined ? (base?.groupSearch ?? null) : input.groupSearch;
  if (groupSearch && !groupSearch.filter.includes('{dn}')) throw new ProviderInputError('the group filter must contain {dn}');
  const timeoutMs = input.timeoutMs ?? base?.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) throw new ProviderInputError('timeout must be between 100 ms and 60 s');
  return {
    url: link,
    startTls,
    caFile: input.caFile === undefined ? (base?.caFile ?? null) : input.caFile,
    bindDn: text(input.bindDn ?? base?.bindDn, 'bind DN'),
    userBase: text(input.userBase ?? base?.userBase, 'user base'),
    userFilter,
    preset,
    attributes,
    groupSearch,
    timeoutMs,
  };
}

function oidcSettings(input: ProviderInput['oidc'] = {}, base: StoredSettings['oidc']): NonNullable<StoredSettings['oidc']> {
  return {
    issuer: webUrl(input.issuer ?? base?.issuer, 'issuer'),
    clientId: text(input.clientId ?? base?.clientId, 'client id'),
    scopes: input.scopes ?? base?.scopes ?? ['openid', 'email', 'profile'],
  };
}

function oauth2Settings(input: ProviderInput['oauth2'] = {}, base: StoredSettings['oauth2']): NonNullable<StoredSettings['oauth2']> {
  const preset = input.preset === undefined || !Object.hasOwn(OAUTH2_PRESETS, input.preset) ? undefined : OAUTH2_PRESETS[input.preset];
  if (input.preset !== undefined && !preset) throw new ProviderInputError(`unknown preset '${input.preset}' (known: ${Object.keys(OAUTH2_PRESETS).join(', ')}; for OpenID providers use 'idp add oidc --issuer')`);
  const start = { ...preset, ...base };
  const mapping = { subject: 'id', username: 'login', email: 'email', emailVerified: null, name: 'name', ...start.mapping, ...input.mapping };
  return {
    authorizationEndpoint: webUrl(input.authorizationEndpoint ?? start.authorizationEndpoint, 'authorization endpoint'),
    tokenEndpoint: webUrl(input.tokenEndpoint ?? start.tokenEndpoint, 'token endpoint'),
    userEndpoint: webUrl(input.userEndpoint ?? start.userEndpoint, 'user endpoint'),
    clientId: text(input.clientId ?? start.clientId, 'client id'),
    scopes: input.scopes ?? start.scopes ?? [],
    mapping,
  };
}

function parseStored(record: IdentityProviderRecord): StoredSettings {
  return JSON.parse(record.settings) as StoredSettings;
}

/** Validates the input against (optionally) the stored provider; returns the fields to store. */
function resolveInput(input: ProviderInput, pepper: Buffer, base?: IdentityProviderRecord): Omit<IdentityProviderRecord, 'id' | 'createdAt' | 'updatedAt' | 'version' | 'enabled'> {
  const kind = base?.kind ?? input.kind;
  if (kind !== 'ldap' && kind !== 'oidc' && kind !== 'oauth2') throw new ProviderInputError("kind must be 'ldap', 'oidc' or 'oauth2'");
  const name = (base?.name ?? input.name ?? '').toLowerCase();
  if (!NAME.test(name)) throw new ProviderInputError('name must be 1 to 40 lower-case letters, digits, - or _, starting with a letter or digit');
  const displayName = (input.displayName ?? base?.displayName ?? input.name ?? name).trim();
  if (displayName === '' || displayName.length > 80 || /[\u0000-\u001f\u007f]/.test(displayName)) throw new ProviderInputError('display name must be 1 to 80 characters of text');
  const priority = input.priority ?? base?.priority ?? DEFAULT_PRIORITY;
  if (!Number.isInteger(priority) || Math.abs(priority) > 1000) throw new ProviderInputError('priority must be a whole number between -1000 and 1000');
  const domains = [...new Set((input.domains ?? base?.domains ?? []).map((d) => d.trim().toLowerCase().replace(/\.$/, '')))];
  for (const d of domains) if (!DOMAIN.test(d)) throw new ProviderInputError(`'${d}' is not a domain name`);
  if (kind === 'ldap' && domains.length > 0) throw new ProviderInputError('domains route sign-ins to OpenID and OAuth 2.0 providers; a directory is found by its usernames');
  const stored = base ? parseStored(base) : undefined;
  const secretSealed = input.secret === undefined ? (stored?.secretSealed ?? null) : input.secret === null || input.secret === '' ? null : seal(pepper, input.secret, 'idp_secret');
  if (kind === 'ldap' && secretSealed === null) throw new ProviderInputError('a bind password is required (--bind-password-stdin)');
  const settings: StoredSettings = { secretSealed, trustEmail: input.trustEmail ?? stored?.trustEmail ?? false };
  if (kind === 'ldap') settings.ldap = ldapSettings(input.ldap, stored?.ldap);
  if (kind === 'oidc') settings.oidc = oidcSettings(input.oidc, stored?.oidc);
  if (kind === 'oauth2') settings.oauth2 = oauth2Settings(input.oauth2, stored?.oauth2);
  if (kind === 'ldap' && settings.trustEmail) throw new ProviderInputError('--trust-email is for OpenID and OAuth 2.0 providers');
  return { name, kind, displayName, priority, domains, settings: JSON.stringify(settings) };
}

export function buildProvider(input: ProviderInput, pepper: Buffer, now: number): IdentityProviderRecord {
  return { id: randomUUID(), ...resolveInput(input, pepper), enabled: true, createdAt: now, updatedAt: now, version: 1 };
}

export function providerChanges(record: IdentityProviderRecord, input: ProviderInput, pepper: Buffer): IdentityProviderChanges {
  if (input.kind !== undefined && input.kind !== record.kind) throw new ProviderInputError('the kind of a provider cannot change; add a new one');
  const { displayName, priority, domains, settings } = resolveInput(input, pepper, record);
  return { displayName, priority, domains, settings };
}

/** The provider with its secret unsealed, for an adapter; undefined when the secret cannot be opened (another pepper). */
export function resolveProvider(record: IdentityProviderRecord, pepper: Buffer): ResolvedProvider | undefined {
  const stored = parseStored(record);
  const secret = stored.secretSealed === null ? null : unseal(pepper, stored.secretSealed, 'idp_secret');
  if (stored.secretSealed !== null && secret === undefined) return undefined;
  const common = { ...record, trustEmail: stored.trustEmail };
  if (record.kind === 'ldap' && stored.ldap) return { ...common, kind: 'ldap', ldap: { ...stored.ldap, bindPassword: secret ?? '' } };
  if (record.kind === 'oidc' && stored.oidc) return { ...common, kind: 'oidc', oidc: { ...stored.oidc, clientSecret: secret ?? null } };
  if (record.kind === 'oauth2' && stored.oauth2) return { ...common, kind: 'oauth2', oauth2: { ...stored.oauth2, clientSecret: secret ?? null } };
  return undefined;
}

/** Where an upstream provider sends the browser back: register this URL there. */
export function callbackUrl(issuer: string, record: Pick<IdentityProviderRecord, 'name'>): string {
  return `${issuer}/federation/${encodeURIComponent(record.name)}/callback`;
}

/** The provider as the CLI and APIs show it: its settings, never its secret. */
export function providerView(record: IdentityProviderRecord, issuer: string | undefined): Record<string, unknown> {
  const stored = parseStored(record);
  const view: Record<string, unknown> = {
    name: record.name,
    kind: record.kind,
    display_name: record.displayName,
    enabled: record.enabled,
    priority: record.priority,
    domains: record.domains,
    has_secret: stored.secretSealed !== null,
    trust_email: stored.trustEmail,
    ...(stored.ldap ? { ldap: stored.ldap } : {}),
    ...(stored.oidc ? { oidc: stored.oidc } : {}),
    ...(stored.oauth2 ? { oauth2: stored.oauth2 } : {}),
    created_at: new Date(record.createdAt * 1000).toISOString(),
  };
  if (record.kind !== 'ldap' && issuer !== undefined) view['redirect_uri'] = callbackUrl(issuer, record);
  return view;
}
