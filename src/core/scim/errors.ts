import { json, type ProtocolResponse } from '../protocol.js';

/** RFC 7644 §3.12: the scimType values this server sends. */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** A SCIM error: the status, the scimType (for 400, 409) and a detail for people. */
export class ScimError extends Error {
  override name = 'ScimError';
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** A SCIM answer: application/scim+json, never cached. */
export function scimJson(status: number, body: unknown, headers: Record<string, string> = {}): ProtocolResponse {
  return json(status, body, { 'Content-Type': SCIM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...headers });
}

/** The error body of RFC 7644 §3.12 (status as a string, as the RFC's examples have it). */
export function scimErrorBody(status: number, detail: string, scimType?: ScimType): Record<string, unknown> {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

export function scimError(e: ScimError): ProtocolResponse {
  return scimJson(e.status, scimErrorBody(e.status, e.message, e.scimType), e.headers);
}
