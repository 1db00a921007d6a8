import type { GroupRecord } from '../../store/ports.js';
import { ScimError } from './errors.js';
import { keyOf } from './filter.js';
import type { PatchSchema } from './patch.js';

/**
 * A Tessera group as a SCIM Group (RFC 7643 §4.2) and back: displayName is the group's name (so it
 * follows Tessera's rules for group names), members are users by their id (`sub`). Members that
 * are groups are not supported.
 */

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const NAMES = ['displayName', 'members', 'value', 'display', 'type', 'externalId', 'meta', 'id', 'schemas', '$ref'];
const CANONICAL = new Map(NAMES.map((n) => [n.toLowerCase(), n]));

export const GROUP_PATCH_SCHEMA: PatchSchema = {
  canonical: (lower) => CANONICAL.get(lower) ?? lower,
  readOnly: new Set(['id', 'meta', 'schemas']),
};

export interface Member {
  id: string;
  username: string;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export function groupResource(group: GroupRecord, members: readonly Member[] | undefined, base: string): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    displayName: group.name,
    ...(members ? { members: members.map((m) => ({ value: m.id, display: m.username, type: 'User', $ref: `${base}/Users/${m.id}` })) } : {}),
    meta: { resourceType: 'Group', created: iso(group.createdAt), lastModified: iso(group.updatedAt), location: `${base}/Groups/${group.id}` },
  };
}

export interface GroupInput {
  displayName: string;
  externalId: string | null;
  /** User ids; undefined when the document does not name members (a PUT without them keeps none). */
  members: string[];
}

const invalid = (detail: string) => new ScimError(400, 'invalidValue', detail);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readGroup(doc: unknown): GroupInput {
  if (!isObject(doc)) throw new ScimError(400, 'invalidSyntax', 'the body must be a Group JSON object');
  const get = (d: Record<string, unknown>, name: string) => {
    const key = keyOf(d, name.toLowerCase());
    return key === undefined ? undefined : d[key];
  };
  const displayName = get(doc, 'displayName');
  if (typeof displayName !== 'string' || displayName === '') throw invalid('displayName is required');
  const externalId = get(doc, 'externalId');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') throw invalid('externalId must be a string');
  const members = get(doc, 'members') ?? [];
  if (!Array.isArray(members)) throw invalid('members must be a list');
  const ids = members.map((m) => {
    const value = isObject(m) ? get(m, 'value') : undefined;
    if (typeof value !== 'string' || value === '') throw invalid('each member must be an object with a value (the user id)');
    return value;
  });
  return { displayName, externalId: typeof externalId === 'string' && externalId !== '' ? externalId : null, members: [...new Set(ids)] };
}
