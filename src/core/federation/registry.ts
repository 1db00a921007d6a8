import type { ChangeFeed, IdentityProviderRecord, IdentityProviderStore } from '../../store/ports.js';
import { resolveProvider, type ResolvedProvider } from './providers.js';
import type { Directory, FederationAdapters, Upstream } from './ports.js';

/** Providers are read again after this long even without a change announced (a missed notification heals). */
const LIST_TTL_MS = 30_000;
/** How long a directory's "still there and enabled" is believed before it is asked again (refreshes ask it). */
const STATUS_TTL_MS = 60_000;

export type LdapProvider = Extract<ResolvedProvider, { kind: 'ldap' }>;
export type UpstreamProvider = Exclude<ResolvedProvider, { kind: 'ldap' }>;

/**
 * The enabled providers of this node, with one adapter per provider and version (an LDAP connection
 * pool, an OpenID provider's discovered metadata), dropped when the provider changes. Every node
 * reads the providers from the shared store and hears of changes on the change feed.
 */
export interface FederationRegistry {
  /** Enabled providers in priority order. */
  enabled(): Promise<ResolvedProvider[]>;
  byName(name: string): Promise<ResolvedProvider | undefined>;
  byId(id: string): Promise<ResolvedProvider | undefined>;
  directory(provider: LdapProvider): Directory;
  /** Whether the directory still holds this user, enabled; an answer of 'active' is remembered for a minute. */
  directoryStatus(provider: LdapProvider, subject: string): Promise<'active' | 'gone' | 'disabled' | 'unavailable'>;
  upstream(provider: UpstreamProvider): Upstream;
  /** The adapters it opens providers with; `idp test` opens its own (closed after) with them. */
  readonly adapters: FederationAdapters;
  close(): Promise<void>;
}

export function federationRegistry(store: IdentityProviderStore, adapters: FederationAdapters, pepper: Buffer, feed?: ChangeFeed, now: () => number = Date.now): FederationRegistry {
  let cached: { at: number; list: ResolvedProvider[] } | undefined;
  const directories = new Map<string, { version: number; directory: Directory }>();
  const upstreams = new Map<string, { version: number; upstream: Upstream }>();
  const statuses = new Map<string, number>();
  feed?.subscribe((change) => {
    if (change === 'reset' || change.kind === 'identity_providers') cached = undefined;
  });

  async function all(): Promise<ResolvedProvider[]> {
    feed?.refresh?.();
    if (cached && feed?.live !== false && now() - cached.at < LIST_TTL_MS) return cached.list;
    const records: IdentityProviderRecord[] = await store.list();
    // A provider whose secret this pepper cannot open is left out (and `idp test` says why).
    const list = records.map((r) => resolveProvider(r, pepper)).filter((p): p is ResolvedProvider => p !== undefined);
    cached = { at: now(), list };
    return list;
  }

  return {
    adapters,
    async enabled() {
      return (await all()).filter((p) => p.enabled);
    },
    async byName(name) {
      return (await all()).find((p) => p.enabled && p.name === name);
    },
    async byId(id) {
      return (await all()).find((p) => p.id === id);
    },
    directory(provider) {
      const known = directories.get(provider.id);
      if (known && known.version === provider.version) return known.directory;
      void known?.directory.close().catch(() => {});
      const directory = adapters.directory(provider.ldap);
      directories.set(provider.id, { version: provider.version, directory });
      return directory;
    },
    async directoryStatus(provider, subject) {
      const key = `${provider.id}:${provider.version}:${subject}`;
      const seen = statuses.get(key);
      if (seen !== undefined && now() - seen < STATUS_TTL_MS) return 'active';
      const entry = await this.directory(provider).findById(subject);
      if (entry === 'unavailable') return 'unavailable';
      if (entry === undefined) return 'gone';
      if (entry.disabled) return 'disabled';
      if (statuses.size >= 10_000) statuses.clear();
      statuses.set(key, now());
      return 'active';
    },
    upstream(provider) {
      const known = upstreams.get(provider.id);
      if (known && known.version === provider.version) return known.upstream;
      const upstream = provider.kind === 'oidc' ? adapters.upstream({ kind: 'oidc', oidc: provider.oidc }) : adapters.upstream({ kind: 'oauth2', oauth2: provider.oauth2 });
      upstreams.set(provider.id, { version: provider.version, upstream });
      return upstream;
    },
    async close() {
      await Promise.all([...directories.values()].map((d) => d.directory.close().catch(() => {})));
    },
  };
}
