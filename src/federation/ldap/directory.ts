import { EqualityFilter, InvalidCredentialsError, type Entry, type Filter, type SearchOptions } from 'ldapts';
import type { Directory, DirectoryAnswer, DirectoryEntry, LdapSettings } from '../../core/federation/ports.js';
import { bindRefusal, guidToBytes } from './active-directory.js';
import { openConnection } from './connection.js';
import { binaryId, toDirectoryEntry, userAttributes } from './entry.js';
import { LdapFailure, operatorMessage } from './failures.js';
import { escapeFilterValue, fillFilter } from './filter-escape.js';
import { ConnectionPool } from './pool.js';

/** Connections per pool. Searches and users' binds have a pool each: a connection a user bound on never searches. */
const MAX_CONNECTIONS = 4;
const MAX_USERNAME_LENGTH = 256;
const GROUP_PAGE_SIZE = 500;

/** A directory (OpenLDAP, Active Directory, …) users sign in with; see the Directory port. */
export function ldapDirectory(settings: LdapSettings): Directory {
  return new LdapDirectory(settings);
}

class LdapDirectory implements Directory {
  private readonly searches: ConnectionPool;
  private readonly binds: ConnectionPool;

  constructor(private readonly settings: LdapSettings) {
    const service = { dn: settings.bindDn, password: settings.bindPassword };
    this.searches = new ConnectionPool(() => openConnection(settings, service), MAX_CONNECTIONS, settings.timeoutMs);
    this.binds = new ConnectionPool(() => openConnection(settings, null), MAX_CONNECTIONS, settings.timeoutMs);
  }

  async authenticate(username: string, password: string): Promise<DirectoryAnswer> {
    // A simple bind with a DN and an empty password is an "unauthenticated bind" (RFC 4513 §5.1.2):
    // many directories answer it with success. Refuse it before anything is sent.
    if (password === '') return { status: 'wrong_password' };
    try {
      const raw = await this.findUser(username);
      if (raw === undefined || toDirectoryEntry(raw, this.settings, []) === undefined) return { status: 'no_such_user' };
      const bound = await this.bindAs(raw.dn, password);
      if (bound === 'wrong_password') return { status: 'wrong_password' };
      const entry = await this.complete(raw);
      if (entry === undefined) return { status: 'no_such_user' };
      if (bound === 'disabled' || entry.disabled) return { status: 'disabled', entry };
      if (bound === 'password_expired' || entry.passwordExpired) return { status: 'password_expired', entry };
      return { status: 'ok', entry };
    } catch {
      return { status: 'unavailable' };
    }
  }

  async findById(id: string): Promise<DirectoryEntry | undefined | 'unavailable'> {
    const filter = this.idFilter(id);
    if (filter === undefined) return undefined;
    try {
      const found = await this.search(this.settings.userBase, filter, { ...userAttributes(this.settings), sizeLimit: 2 });
      return found.length === 1 && found[0] ? await this.complete(found[0]) : undefined;
    } catch {
      return 'unavailable';
    }
  }

  async lookup(username: string): Promise<DirectoryEntry | undefined> {
    try {
      const raw = await this.findUser(username);
      if (raw === undefined) return undefined;
      const entry = await this.complete(raw);
      if (entry === undefined) throw new Error(`${raw.dn} has no ${this.settings.attributes.id} the service account may read, so it cannot be keyed`);
      return entry;
    } catch (error) {
      if (!(error instanceof LdapFailure)) throw error;
      throw new Error(operatorMessage(error, this.settings), { cause: error });
    }
  }

  async check(): Promise<void> {
    const { settings } = this;
    let connection: Awaited<ReturnType<typeof openConnection>> | undefined;
    try {
      connection = await openConnection(settings, { dn: settings.bindDn, password: settings.bindPassword });
      const { client } = connection;
      const read = (stage: 'search' | 'filter', base: string, filter: string, scope: 'base' | 'sub') =>
        client.search(base, { scope, filter, attributes: ['1.1'], sizeLimit: 1 }).catch((error: unknown) => {
          throw new LdapFailure(stage, error, stage === 'search' ? base : filter);
        });
      await read('search', settings.userBase, '(objectClass=*)', 'base');
      // The filters once, with values that match no one: a filter that cannot work shows here, not at the first sign-in.
      await read('filter', settings.userBase, fillFilter(settings.userFilter, '{username}', `tessera-check-${Date.now()}`), 'sub');
      if (settings.groupSearch) {
        await read('search', settings.groupSearch.base, '(objectClass=*)', 'base');
        await read('filter', settings.groupSearch.base, fillFilter(settings.groupSearch.filter, '{dn}', settings.bindDn), 'sub');
      }
    } catch (error) {
      throw new Error(operatorMessage(error, settings), { cause: error });
    } finally {
      await connection?.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.searches.close(), this.binds.close()]);
  }

  /** The one entry the user filter finds for this username; none when there are none or several. */
  private async findUser(username: string): Promise<Entry | undefined> {
    if (username === '' || username.length > MAX_USERNAME_LENGTH || /\p{Cs}/u.test(username)) return undefined;
    const filter = fillFilter(this.settings.userFilter, '{username}', username);
    const found = await this.search(this.settings.userBase, filter, { ...userAttributes(this.settings), sizeLimit: 2 });
    return found.length === 1 ? found[0] : undefined;
  }

  /** Binds as the user on a connection of the bind pool; the service account's connections never see it. */
  private async bindAs(dn: string, password: string): Promise<'ok' | 'wrong_password' | 'disabled' | 'password_expired'> {
    try {
      await this.binds.use((connection) => connection.client.bind(dn, password));
      return 'ok';
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return bindRefusal(error.message) ?? 'wrong_password';
      throw error;
    }
  }

  /** The entry with the groups a group search adds to its groups attribute. */
  private async complete(raw: Entry): Promise<DirectoryEntry | undefined> {
    const search = this.settings.groupSearch;
    if (search === null) return toDirectoryEntry(raw, this.settings, []);
    const groups = await this.search(search.base, fillFilter(search.filter, '{dn}', raw.dn), { attributes: ['1.1'], paged: { pageSize: GROUP_PAGE_SIZE } });
    return toDirectoryEntry(raw, this.settings, groups.map((g) => g.dn));
  }

  private idFilter(id: string): Filter | string | undefined {
    const attribute = this.settings.attributes.id;
    if (binaryId(this.settings)) {
      const bytes = guidToBytes(id);
      // The escaped form (RFC 4515 `\xx` per byte) would not survive ldapts's parser, which reads each
      // `\xx` as one character and sends it UTF-8 encoded; a filter object sends the bytes as they are.
      return bytes && new EqualityFilter({ attribute, value: bytes });
    }
    if (id === '' || id.length > MAX_USERNAME_LENGTH || /\p{Cs}/u.test(id)) return undefined;
    return `(${attribute}=${escapeFilterValue(id)})`;
  }

  private search(base: string, filter: Filter | string, options: SearchOptions): Promise<Entry[]> {
    return this.searches.use(async (connection) => {
      try {
        const result = await connection.client.search(base, {
          scope: 'sub',
          derefAliases: 'never',
          timeLimit: Math.ceil(this.settings.timeoutMs / 1000),
          ...options,
          filter,
        });
        return result.searchEntries;
      } catch (error) {
        throw new LdapFailure('search', error, base);
      }
    });
  }
}
