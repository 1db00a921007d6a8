import type { TestServer } from './server.js';
import { basic, postForm } from './http.js';

/** RFC 7643/7644 schema URIs the SCIM tests send and expect. */
export const SCIM = {
  USER: 'urn:ietf:params:scim:schemas:core:2.0:User',
  GROUP: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  PATCH: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  ERROR: 'urn:ietf:params:scim:api:messages:2.0:Error',
  LIST: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
} as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ScimBody = Record<string, any>;
export interface ScimAnswer {
  status: number;
  /** The parsed body; `{ unparsable: text }` when it was not JSON. */
  body: ScimBody;
  text: string;
  headers: Headers;
}

/** A SCIM request as a provisioning client sends it: application/scim+json and the bearer token. */
export async function scimRequest(issuer: string, bearer: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimAnswer> {
  const sent: Record<string, string> = { authorization: `Bearer ${bearer}`, accept: 'application/scim+json', ...headers };
  const init: RequestInit = { method, headers: sent };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    sent['content-type'] ??= 'application/scim+json';
  }
  const res = await fetch(`${issuer}/scim/v2${path}`, init);
  const text = await res.text();
  let parsed: ScimBody = {};
  try {
    if (text !== '') parsed = JSON.parse(text) as ScimBody;
  } catch {
    parsed = { unparsable: text };
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** A client allowed to provision (scope tessera:scim) and its client-credentials token. */
export async function provisioningClient(server: TestServer, name: string): Promise<{ clientId: string; secret?: string; token: string }> {
  const provisioner = await server.addClient({ name, grantTypes: ['client_credentials'], scopes: ['tessera:scim'] });
  const issued = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'tessera:scim' }, basic(provisioner.clientId, provisioner.secret!));
  if (issued.status !== 200) throw new Error(`no SCIM token: ${JSON.stringify(issued.body)}`);
  return { ...provisioner, token: issued.body['access_token'] as string };
}
