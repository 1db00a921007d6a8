import { randomUUID } from 'node:crypto';
import type { ApiRecord, GroupMapping, GroupRecord, RoleRecord } from '../../store/ports.js';
import { NotFoundError } from '../admin/errors.js';

/** Bad input to a group or role operation (shown to the operator as it is). */
export class AccessInputError extends Error {
  override name = 'AccessInputError';
}

/** A group or role, user, provider or API that an operation names does not exist. */
export class AccessNotFoundError extends NotFoundError {
  override name = 'AccessNotFoundError';
}

/** Group and role names go into tokens (`groups`, `roles`): short, printable, no spaces or commas. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$/;
const MAX_DESCRIPTION = 200;
const MAX_MAPPINGS = 50;
const MAX_ROLE_SCOPES = 100;

export const checkedGroupName = (name: string): string => checkedName('group', name);

function checkedName(kind: 'group' | 'role', name: string): string {
  if (!NAME.test(name)) throw new AccessInputError(`a ${kind} name is 1 to 64 letters, digits and . _ : @ / - (starting with a letter or digit), not '${name}'`);
  return name;
}

function checkedDescription(description: string | undefined): string {
  const text = (description ?? '').trim();
  if (text.length > MAX_DESCRIPTION || /[\u0000-\u001f\u007f]/.test(text)) throw new AccessInputError(`a description is at most ${MAX_DESCRIPTION} characters of text`);
  return text;
}

export function checkedMappings(mappings: GroupMapping[]): GroupMapping[] {
  if (mappings.length > MAX_MAPPINGS) throw new AccessInputError(`at most ${MAX_MAPPINGS} provider groups map to one group`);
  const seen = new Set<string>();
  const out: GroupMapping[] = [];
  for (const m of mappings) {
    const group = m.group.trim();
    if (group === '' || group.length > 512 || /[\u0000-\u001f\u007f]/.test(group)) throw new AccessInputError('a provider group is 1 to 512 characters of text');
    const key = `${m.providerId}\u0000${group.toLowerCase()}`;
    if (!seen.has(key)) out.push({ providerId: m.providerId, group });
    seen.add(key);
  }
  return out;
}

export function buildGroup(input: { name: string; description?: string; mappings?: GroupMapping[] }, now: number): GroupRecord {
  return {
    id: randomUUID(),
    name: checkedName('group', input.name),
    description: checkedDescription(input.description),
    mappings: checkedMappings(input.mappings ?? []),
    externalId: null,
    createdAt: now,
    updatedAt: now,
  };
}

export { checkedDescription };

/**
 * The scopes a role gives: those of its API; a global role's may be any API's (each counts for
 * the API that defines it). A role without scopes is only a name (the `roles` claim).
 */
export function checkedRoleScopes(scopes: readonly string[], api: ApiRecord | undefined, apis: readonly ApiRecord[]): string[] {
  const unique = [...new Set(scopes)];
  if (unique.length > MAX_ROLE_SCOPES) throw new AccessInputError(`a role gives at most ${MAX_ROLE_SCOPES} scopes`);
  const defined = new Set((api ? [api] : apis).flatMap((a) => a.scopes.map((s) => s.name)));
  const unknown = unique.filter((s) => !defined.has(s));
  const listed = unknown.map((s) => `'${s}'`).join(', ');
  if (unknown.length > 0) throw new AccessInputError(api ? `API '${api.identifier}' does not define ${listed}` : `no API defines ${listed}`);
  return unique;
}

export function buildRole(input: { name: string; description?: string; scopes: string[] }, api: ApiRecord | undefined, now: number): RoleRecord {
  return { id: randomUUID(), apiId: api?.id ?? null, name: checkedName('role', input.name), description: checkedDescription(input.description), scopes: input.scopes, createdAt: now, updatedAt: now };
}
