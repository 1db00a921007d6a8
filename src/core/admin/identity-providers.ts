import type { IdentityProviderRecord, Stores } from '../../store/ports.js';
import type { AuditInput } from '../audit.js';
import { ProviderInputError, buildProvider, providerChanges, resolveProvider, type ProviderInput } from '../federation/providers.js';
import type { DirectoryEntry, FederationAdapters } from '../federation/ports.js';
import type { AdminContext } from './context.js';
import { NotFoundError } from './errors.js';

export type { AdminContext } from './context.js';

/**
 * Managing upstream identity providers: one function per operation, which the CLI (and the admin
 * API and console, as they come) call. Each validates, writes and records an audit event.
 */

export class ProviderNotFoundError extends NotFoundError {
  override name = 'ProviderNotFoundError';
  constructor(name: string) {
    super(`no identity provider named '${name}'`);
  }
}

async function mustFind(stores: Stores, name: string): Promise<IdentityProviderRecord> {
  const record = await stores.identityProviders.findByName(name.toLowerCase());
  if (!record) throw new ProviderNotFoundError(name);
  return record;
}

export async function addProvider(admin: AdminContext, input: ProviderInput): Promise<IdentityProviderRecord> {
  const record = buildProvider(input, admin.pepper, admin.now);
  if (!(await admin.stores.identityProviders.create(record))) throw new ProviderInputError(`an identity provider named '${record.name}' exists already`);
  await admin.audit({ type: 'idp.created', reason: `${record.kind}:${record.name}` });
  return record;
}

export async function updateProvider(admin: AdminContext, name: string, input: ProviderInput): Promise<IdentityProviderRecord> {
  // Computed from a fresh read and written only over it: a concurrent change is never undone.
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await mustFind(admin.stores, name);
    const changes = providerChanges(record, input, admin.pepper);
    const outcome = await admin.stores.identityProviders.update(record.id, changes, record.version, admin.now);
    if (outcome === 'missing') throw new ProviderNotFoundError(name);
    if (outcome === 'ok') {
      await admin.audit({ type: 'idp.changed', reason: `${record.kind}:${record.name}` });
      return { ...record, ...changes, updatedAt: admin.now, version: record.version + 1 };
    }
  }
  throw new ProviderInputError(`identity provider '${name}' kept changing meanwhile; try again`);
}

export async function setProviderEnabled(admin: AdminContext, name: string, enabled: boolean): Promise<IdentityProviderRecord> {
  const record = await mustFind(admin.stores, name);
  await admin.stores.identityProviders.setEnabled(record.id, enabled, admin.now);
  await admin.audit({ type: 'idp.changed', reason: `${enabled ? 'enabled' : 'disabled'}:${record.name}` });
  return { ...record, enabled };
}

/** Removes the provider and its users' links to it; the users stay (an operator deletes them if meant). */
export async function removeProvider(admin: AdminContext, name: string): Promise<void> {
  const record = await mustFind(admin.stores, name);
  await admin.stores.identityProviders.delete(record.id);
  await admin.audit({ type: 'idp.deleted', reason: `${record.kind}:${record.name}` });
}

export async function listProviders(stores: Stores): Promise<IdentityProviderRecord[]> {
  return stores.identityProviders.list();
}

export async function showProvider(stores: Stores, name: string): Promise<IdentityProviderRecord> {
  return mustFind(stores, name);
}

export type ProviderTest = { ok: true; checked: string; entry?: DirectoryEntry | null } | { ok: false; problem: string };

/**
 * Checks a provider as a sign-in would use it: the directory's service bind (and, with `username`,
 * the entry a sign-in would find, without a password), or the upstream provider's metadata.
 */
export async function testProvider(stores: Stores, pepper: Buffer, adapters: FederationAdapters, name: string, username?: string): Promise<ProviderTest> {
  const record = await mustFind(stores, name);
  const provider = resolveProvider(record, pepper);
  if (!provider) return { ok: false, problem: 'its secret cannot be opened with this pepper: set it again with idp update' };
  try {
    if (provider.kind === 'ldap') {
      const directory = adapters.directory(provider.ldap);
      try {
        await directory.check();
        if (username === undefined) return { ok: true, checked: 'connected and bound as the service account; the user base can be read' };
        const entry = await directory.lookup(username);
        return { ok: true, checked: entry ? `found '${username}'` : `no user '${username}' under the user base`, entry: entry ?? null };
      } finally {
        await directory.close();
      }
    }
    const upstream = provider.kind === 'oidc' ? adapters.upstream({ kind: 'oidc', oidc: provider.oidc }) : adapters.upstream({ kind: 'oauth2', oauth2: provider.oauth2 });
    await upstream.check();
    return { ok: true, checked: provider.kind === 'oidc' ? 'discovery and keys fetched' : 'endpoints answer' };
  } catch (e) {
    return { ok: false, problem: e instanceof Error ? e.message : String(e) };
  }
}
