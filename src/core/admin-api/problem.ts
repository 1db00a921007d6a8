import { json, NO_STORE, type ProtocolResponse } from '../protocol.js';
import { OAuthError, safeDescription } from '../errors.js';
import { ApiInputError } from '../apis/apis.js';
import { AccessInputError } from '../access/access-input.js';
import { AccountError } from '../accounts/users.js';
import { ProviderInputError } from '../federation/providers.js';
import { ClientMetadataError } from '../clients/registration.js';
import { ClientChangedMeanwhile } from '../clients/change.js';
import { AuditQueryError } from '../audit-query.js';
import { NotFoundError, StaleVersionError } from '../admin/errors.js';
import { ClientInputError } from '../admin/clients.js';
import { KeyInputError } from '../admin/keys.js';
import { RegistrationTokenInputError } from '../admin/registration-tokens.js';

/** RFC 9457: the media type of the admin API's errors. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  415: 'Unsupported Media Type',
};

/** One field a request got wrong: where (a JSON Pointer into the body, or the query parameter) and why. */
export interface InvalidParam {
  pointer: string;
  detail: string;
}

/** An answer of the admin API other than success; `type` stays about:blank, so `title` is the status's (RFC 9457 §4.2.1). */
export class Problem extends Error {
  override name = 'Problem';
  constructor(
    readonly status: number,
    detail: string,
    readonly headers: Record<string, string> = {},
    readonly errors: InvalidParam[] = [],
  ) {
    super(detail);
  }
}

/** Mistakes the core's admin operations name: the operator's to fix (400), or a name taken (409). */
const INPUT_ERRORS = [ApiInputError, AccessInputError, AccountError, ProviderInputError, ClientMetadataError, AuditQueryError, ClientInputError, KeyInputError, RegistrationTokenInputError];
const TAKEN = /exists already|is taken|already exists|has a role '[^']*' already/;

/** The problem an error stands for; undefined for faults (they stay 500s, logged, never described). */
export function problemOf(e: unknown): Problem | undefined {
  if (e instanceof Problem) return e;
  if (e instanceof OAuthError) return new Problem(e.status, e.description, e.headers);
  if (e instanceof NotFoundError) return new Problem(404, e.message);
  // A write at a version that is no longer current (If-Match); one that kept losing to concurrent writes.
  if (e instanceof StaleVersionError) return new Problem(412, e.message);
  if (e instanceof ClientChangedMeanwhile) return new Problem(409, e.message);
  if (INPUT_ERRORS.some((kind) => e instanceof kind)) {
    const message = (e as Error).message;
    return new Problem(TAKEN.test(message) ? 409 : 400, message);
  }
  return undefined;
}

export function problemResponse(problem: Problem, instance: string): ProtocolResponse {
  const body: Record<string, unknown> = {
    type: 'about:blank',
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: safeDescription(problem.message),
    instance,
  };
  if (problem.errors.length > 0) body['errors'] = problem.errors;
  return json(problem.status, body, { ...NO_STORE, ...problem.headers, 'Content-Type': `${PROBLEM_MEDIA_TYPE}; charset=utf-8` });
}
