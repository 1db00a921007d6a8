import type { Entry } from 'ldapts';
import type { DirectoryEntry, LdapSettings } from '../../core/federation/ports.js';
import { accountFlags, guidToString } from './active-directory.js';

/** AD's objectGUID is 16 raw bytes; any other id attribute (entryUUID, …) is text. */
export function binaryId(settings: LdapSettings): boolean {
  return settings.attributes.id.toLowerCase() === 'objectguid';
}

const AD_FLAGS = ['userAccountControl', 'pwdLastSet', 'msDS-User-Account-Control-Computed'];

/** What to ask for in a user search (entryUUID and memberOf are operational: they come only when named). */
export function userAttributes(settings: LdapSettings): { attributes: string[]; explicitBufferAttributes: string[] } {
  const a = settings.attributes;
  const attributes = [...new Set([a.id, a.username, a.email, a.name, a.groups, ...(settings.preset === 'ad' ? AD_FLAGS : [])])];
  // ldapts matches these names case-sensitively against the names the server answers with.
  const explicitBufferAttributes = binaryId(settings) ? [...new Set([a.id, 'objectGUID', 'objectguid', 'OBJECTGUID'])] : [];
  return { attributes, explicitBufferAttributes };
}

/** The entry as the port describes it; undefined when it has no usable stable id (then it cannot be keyed). */
export function toDirectoryEntry(raw: Entry, settings: LdapSettings, searchedGroups: string[]): DirectoryEntry | undefined {
  const a = settings.attributes;
  const idValue = values(raw, a.id)[0];
  const id = binaryId(settings) ? (Buffer.isBuffer(idValue) ? guidToString(idValue) : undefined) : text(idValue);
  if (id === undefined) return undefined;
  const groups = new Map<string, string>();
  for (const dn of [...values(raw, a.groups).map(text), ...searchedGroups]) if (dn !== undefined && !groups.has(dn.toLowerCase())) groups.set(dn.toLowerCase(), dn);
  const first = (name: string) => text(values(raw, name)[0]);
  const flags =
    settings.preset === 'ad'
      ? accountFlags({ userAccountControl: first('userAccountControl'), pwdLastSet: first('pwdLastSet'), computed: first('msDS-User-Account-Control-Computed') })
      : { disabled: false, passwordExpired: false };
  return {
    id,
    dn: raw.dn,
    username: first(a.username) ?? raw.dn,
    email: first(a.email) ?? null,
    name: first(a.name) ?? null,
    groups: [...groups.values()],
    ...flags,
  };
}

/** An attribute's values, whatever case the server wrote its name in. */
function values(raw: Entry, name: string): (string | Buffer)[] {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'dn' || key.toLowerCase() !== lower) continue;
    const list = Array.isArray(value) ? value : [value];
    if (list.length > 0) return list;
  }
  return [];
}

function text(value: string | Buffer | undefined): string | undefined {
  const s = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  return s === undefined || s === '' ? undefined : s;
}
