import { ADMIN_READ_SCOPE, ADMIN_SCOPE } from './auth.js';
import { ADMIN_API_BASE } from './router.js';
import { PROBLEM_MEDIA_TYPE } from './problem.js';
import { ProblemSchema } from './schemas.js';
import type { AdminRoute } from './route.js';

/** A schema as plain JSON (TypeBox marks its objects with symbols, which JSON drops). */
const plain = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema));
const problemRef = (description: string) => ({ description, content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } });

function operation(route: AdminRoute): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const query = route.query ? (plain(route.query) as { properties?: Record<string, unknown>; required?: string[] }) : undefined;
  for (const [name, schema] of Object.entries(query?.properties ?? {})) {
    parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, schema });
  }
  if (route.current) parameters.push({ name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'the ETag of the read this change is based on; 412 when it no longer holds' });
  const status = route.status ?? 200;
  const success =
    status === 204
      ? { description: 'Done' }
      : {
          description: status === 201 ? 'Created' : 'OK',
          ...(route.etag || route.current ? { headers: { ETag: { schema: { type: 'string' } } } } : {}),
          content: { 'application/json': { schema: plain(route.response ?? {}) } },
        };
  const responses: Record<string, unknown> = {
    [String(status)]: success,
    '400': problemRef('The request is not valid'),
    '401': problemRef('No valid access token'),
    '403': problemRef('The token lacks the scope'),
    '404': problemRef('No such resource'),
  };
  if (route.current) responses['412'] = problemRef('The resource changed since the read named in If-Match');
  if (route.write) responses['409'] = problemRef('The name is taken');
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: [{ oauth2: [route.write ? ADMIN_SCOPE : ADMIN_READ_SCOPE] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(route.body) } } } } : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of the admin API, built from the route table that also routes and
 * validates requests: every served operation is in it, with the schemas that check its input.
 */
export function openApiDocument(issuer: string, routes: readonly AdminRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = `${ADMIN_API_BASE}${route.path}`;
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tessera admin API', version: '1', description: 'Manage clients, users, groups, roles, APIs, identity providers, sessions, consents, keys and the audit log. Errors are RFC 9457 problem details.' },
    servers: [{ url: issuer }],
    paths,
    components: {
      schemas: { Problem: plain(ProblemSchema) },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'An access token from the client credentials grant of a client the operator gave the scope.',
          flows: { clientCredentials: { tokenUrl: `${issuer}/token`, scopes: { [ADMIN_SCOPE]: 'read and change everything', [ADMIN_READ_SCOPE]: 'read everything' } } },
        },
      },
    },
  };
}
