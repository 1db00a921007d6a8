import { UpstreamError, type OAuth2Settings, type UpstreamClaims } from '../../core/federation/ports.js';

/** How the claims of an ID token, a userinfo answer or a user endpoint's JSON become UpstreamClaims. */

type Json = Record<string, unknown>;

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** OpenID Connect Core §5.1 claims; `email_verified` counts only as the boolean true. */
export function fromOpenIdClaims(claims: Json): UpstreamClaims {
  const email = text(claims['email']);
  return {
    subject: String(claims['sub']),
    username: text(claims['preferred_username']),
    email,
    emailVerified: email !== null && claims['email_verified'] === true,
    name: text(claims['name']),
    amr: strings(claims['amr']),
    groups: strings(claims['groups']),
  };
}

/** The ID token's claims, completed by the userinfo answer where the ID token had none. */
export function withUserinfo(fromIdToken: UpstreamClaims, userinfo: Json): UpstreamClaims {
  const more = fromOpenIdClaims(userinfo);
  // The address and whether it is verified come from the same source, never one from each.
  const email = fromIdToken.email === null ? { email: more.email, emailVerified: more.emailVerified } : {};
  return {
    ...fromIdToken,
    ...email,
    username: fromIdToken.username ?? more.username,
    name: fromIdToken.name ?? more.name,
    groups: fromIdToken.groups.length > 0 ? fromIdToken.groups : more.groups,
  };
}

/** The value at a dotted path (`id`, `profile.email`), looking only at the document's own members. */
export function valueAt(document: unknown, path: string): unknown {
  let current: unknown = document;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, key)) return undefined;
    current = (current as Json)[key];
  }
  return current;
}

/** Text, or a whole number rendered as text (GitHub's numeric user ids). */
function textOrNumber(value: unknown): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return text(value);
}

export function fromUserDocument(document: unknown, mapping: OAuth2Settings['mapping']): UpstreamClaims {
  const subject = textOrNumber(valueAt(document, mapping.subject));
  if (subject === null) {
    throw new UpstreamError(`the provider's user endpoint answered without a subject at "${mapping.subject}"`, 'invalid_response');
  }
  const email = text(valueAt(document, mapping.email));
  return {
    subject,
    username: textOrNumber(valueAt(document, mapping.username)),
    email,
    emailVerified: email !== null && mapping.emailVerified !== null && valueAt(document, mapping.emailVerified) === true,
    name: text(valueAt(document, mapping.name)),
    amr: [],
    groups: [],
  };
}
