import type { GroupRecord, User } from '../../store/ports.js';
import { isLanguageTag } from '../locale.js';
import { ScimError } from './errors.js';
import { keyOf } from './filter.js';
import type { PatchSchema } from './patch.js';

/**
 * A Tessera user as a SCIM User (RFC 7643 §4.1) and back. `id` is the user's `sub`; userName is
 * the username; the primary email (else the first) is the email; name.formatted (else displayName,
 * else given and family name joined) is the name; active is the opposite of disabled; externalId,
 * name.givenName and name.familyName are kept as sent. Attributes Tessera does not keep (title,
 * phoneNumbers, addresses, extension schemas …) are accepted and not stored.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

const NAMES = ['userName', 'name', 'formatted', 'givenName', 'familyName', 'displayName', 'emails', 'value', 'primary', 'type', 'display', 'active', 'externalId', 'preferredLanguage', 'groups', 'password', 'meta', 'id', 'schemas', '$ref'];
const CANONICAL = new Map(NAMES.map((n) => [n.toLowerCase(), n]));

export const USER_PATCH_SCHEMA: PatchSchema = {
  canonical: (lower) => CANONICAL.get(lower) ?? lower,
  readOnly: new Set(['id', 'meta', 'groups', 'schemas']),
};

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export function userResource(user: User, groups: readonly GroupRecord[], base: string): Record<string, unknown> {
  const name: Record<string, string> = {};
  if (user.name !== null) name['formatted'] = user.name;
  if (user.givenName !== null) name['givenName'] = user.givenName;
  if (user.familyName !== null) name['familyName'] = user.familyName;
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    userName: user.username,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(user.name !== null ? { displayName: user.name } : {}),
    ...(user.locale !== undefined ? { preferredLanguage: user.locale } : {}),
    emails: user.email === null ? [] : [{ value: user.email, type: 'work', primary: true }],
    active: !user.disabled,
    groups: groups.map((g) => ({ value: g.id, display: g.name, $ref: `${base}/Groups/${g.id}` })),
    meta: { resourceType: 'User', created: iso(user.createdAt), lastModified: iso(user.updatedAt), location: `${base}/Users/${user.id}` },
  };
}

/** What a SCIM User asks Tessera to keep; `active` and `password` undefined when not given. */
export interface UserInput {
  userName: string;
  email: string | null;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  /** RFC 7643 §4.1.1: the user's language, kept as their `locale` (emails are written in it). */
  preferredLanguage: string | null;
  active?: boolean;
  password?: string;
}

const invalid = (detail: string) => new ScimError(400, 'invalidValue', detail);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(doc: Record<string, unknown>, name: string): unknown {
  const key = keyOf(doc, name.toLowerCase());
  return key === undefined ? undefined : doc[key];
}

function text(value: unknown, what: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  return value;
}

/** A boolean, or the strings "true"/"false" in any case (Entra ID sends "False"). */
export function booleanOf(value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalid(`${what} must be true or false`);
}

function primaryEmail(emails: unknown): string | null {
  if (emails === undefined || emails === null) return null;
  if (!Array.isArray(emails)) throw invalid('emails must be a list');
  const values = emails.map((e) => {
    if (!isObject(e)) throw invalid('each email must be an object with a value');
    return { value: text(field(e, 'value'), 'emails.value'), primary: field(e, 'primary') };
  });
  const chosen = values.find((e) => e.value !== null && (e.primary === true || e.primary === 'true' || e.primary === 'True')) ?? values.find((e) => e.value !== null);
  return chosen?.value ?? null;
}

/**
 * The user a SCIM User document asks for. `before` is the document the change was computed from
 * (PATCH): then the name comes from whichever of name.formatted and displayName changed.
 */
export function readUser(doc: unknown, before?: Record<string, unknown>): UserInput {
  if (!isObject(doc)) throw new ScimError(400, 'invalidSyntax', 'the body must be a User JSON object');
  const userName = field(doc, 'userName');
  if (typeof userName !== 'string' || userName === '') throw invalid('userName is required');
  const nameObject = field(doc, 'name');
  if (nameObject !== undefined && nameObject !== null && !isObject(nameObject)) throw invalid('name must be an object');
  const nameOf = (d: Record<string, unknown> | undefined, part: string) => {
    const n = d === undefined ? undefined : field(d, 'name');
    return isObject(n) ? text(field(n, part), `name.${part}`) : null;
  };
  const formatted = nameOf(doc, 'formatted');
  const displayName = text(field(doc, 'displayName'), 'displayName');
  const givenName = nameOf(doc, 'givenName');
  const familyName = nameOf(doc, 'familyName');
  const joined = [givenName, familyName].filter((p) => p !== null).join(' ') || null;
  let name = formatted ?? displayName ?? joined;
  if (before !== undefined) {
    const displayChanged = displayName !== text(field(before, 'displayName'), 'displayName');
    const formattedChanged = formatted !== nameOf(before, 'formatted');
    if (displayChanged && !formattedChanged) name = displayName ?? formatted ?? joined;
  }
  const preferredLanguage = text(field(doc, 'preferredLanguage'), 'preferredLanguage');
  if (preferredLanguage !== null && !isLanguageTag(preferredLanguage)) throw invalid('preferredLanguage must be a language tag such as en, de or fr-CA');
  const input: UserInput = {
    userName,
    email: primaryEmail(field(doc, 'emails')),
    name,
    givenName,
    familyName,
    externalId: text(field(doc, 'externalId'), 'externalId'),
    preferredLanguage,
  };
  const active = field(doc, 'active');
  if (active !== undefined && active !== null) input.active = booleanOf(active, 'active');
  const password = field(doc, 'password');
  if (password !== undefined && password !== null) {
    if (typeof password !== 'string') throw invalid('password must be a string');
    input.password = password;
  }
  return input;
}
