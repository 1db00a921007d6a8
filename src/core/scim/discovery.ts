import { USER_SCHEMA } from './user-mapping.js';
import { GROUP_SCHEMA } from './group-mapping.js';

/**
 * What this SCIM server says of itself (RFC 7643 §5–§7): the features it has, its two resource
 * types, and the attributes of each that it keeps. Nothing here promises more than the endpoints do.
 */

export const MAX_RESULTS = 200;
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function listResponse(resources: unknown[], total: number, startIndex: number): Record<string, unknown> {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: true },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'An access token from this server (client credentials grant) with the scope tessera:scim',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string): Record<string, unknown>[] {
  return [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users', description: 'People who sign in', schema: USER_SCHEMA, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Groups of users', schema: GROUP_SCHEMA, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` } },
  ];
}

type Attr = Record<string, unknown>;

const attr = (name: string, over: Attr = {}): Attr => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...over,
});

const sub = (name: string, over: Attr = {}) => attr(name, over);

export function schemas(base: string): Record<string, unknown>[] {
  const user = [
    attr('userName', { required: true, uniqueness: 'server', description: "The username (1 to 64 letters, digits and . _ @ + -); unique, in any case" }),
    attr('name', { type: 'complex', subAttributes: [sub('formatted'), sub('givenName'), sub('familyName')] }),
    attr('displayName', { description: 'The same as name.formatted' }),
    attr('emails', { type: 'complex', multiValued: true, description: 'Only the primary address (else the first) is kept', subAttributes: [sub('value'), sub('type'), sub('primary', { type: 'boolean' })] }),
    attr('active', { type: 'boolean', description: 'false: the user cannot sign in; their sessions, consents and tokens are revoked' }),
    attr('password', { mutability: 'writeOnly', returned: 'never', description: 'Checked against the password policy' }),
    attr('externalId', { caseExact: true }),
    attr('preferredLanguage', { description: "The user's language (a language tag); their emails are written in it" }),
    attr('groups', { type: 'complex', multiValued: true, mutability: 'readOnly', subAttributes: [sub('value', { mutability: 'readOnly' }), sub('display', { mutability: 'readOnly' }), sub('$ref', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' })] }),
  ];
  const group = [
    attr('displayName', { required: true, uniqueness: 'server', description: "The group's name (1 to 64 letters, digits and . _ : @ / -)" }),
    attr('members', { type: 'complex', multiValued: true, subAttributes: [sub('value', { caseExact: true }), sub('display', { mutability: 'readOnly' }), sub('$ref', { type: 'reference', referenceTypes: ['User'] })] }),
    attr('externalId', { caseExact: true }),
  ];
  const schema = (id: string, name: string, attributes: Attr[]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    attributes,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  });
  return [schema(USER_SCHEMA, 'User', user), schema(GROUP_SCHEMA, 'Group', group)];
}
