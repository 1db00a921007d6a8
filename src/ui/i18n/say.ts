import type { Said } from '../../core/message.js';
import { STANDARD_SCOPE_DESCRIPTIONS } from '../../core/scopes.js';
import type { PageContext } from '../page-context.js';

/** A message of the core in the page's language; text the core passes as it is (a developer's or an operator's words) stays as written. */
export function say(ctx: PageContext, said: Said): string {
  return typeof said === 'string' ? said : ctx.t(said.key, { brand: ctx.brand.name, ...said.values });
}

/**
 * What a scope lets an app do: the standard OpenID Connect scopes in the page's language, unless the
 * operator wrote their own description; an API's scopes as their operator wrote them.
 */
export function scopeDescription(ctx: PageContext, scope: { name: string; description: string; api?: string }): string {
  const standard = scope.api === undefined && Object.hasOwn(STANDARD_SCOPE_DESCRIPTIONS, scope.name) && STANDARD_SCOPE_DESCRIPTIONS[scope.name] === scope.description;
  return standard ? ctx.t(`consent:scope.${scope.name}`) : scope.description;
}
