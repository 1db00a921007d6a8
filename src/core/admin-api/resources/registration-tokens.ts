import { Type } from '@sinclair/typebox';
import { createRegistrationToken, listRegistrationTokens, revokeRegistrationToken } from '../../admin/registration-tokens.js';
import type { AdminRoute } from '../route.js';
import { Nullable } from '../schemas.js';
import { pageOf, pageQuery, paginate } from '../pagination.js';

const TokenView = Type.Object({ id: Type.String(), state: Type.String(), created_at: Type.Integer(), expires_at: Nullable(Type.Integer()), uses_left: Nullable(Type.Integer()) });

export const registrationTokenRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/registration-tokens', operationId: 'listRegistrationTokens', summary: 'Initial access tokens for dynamic registration (RFC 7591), by id; never the token', tag: 'Registration tokens', write: false,
    query: Type.Object(pageQuery, { additionalProperties: false }), response: pageOf(TokenView),
    handle: async ({ admin, query }) => ({ body: paginate(await listRegistrationTokens(admin.stores, admin.now), (t) => t.id, query) }),
  },
  {
    method: 'POST', path: '/registration-tokens', operationId: 'createRegistrationToken', summary: 'Issue an initial access token; it is in this answer only', tag: 'Registration tokens', write: true, status: 201,
    body: Type.Object({ expires_in: Type.Optional(Type.Integer({ minimum: 60, maximum: 365 * 24 * 3600 })), uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) }, { additionalProperties: false }),
    response: Type.Object({ token: Type.String(), id: Type.String(), expires_at: Type.Integer(), uses: Type.Integer() }),
    handle: async ({ admin, body }) => {
      const input = body as { expires_in?: number; uses?: number };
      const created = await createRegistrationToken(admin, { ...(input.expires_in !== undefined ? { expiresIn: input.expires_in } : {}), ...(input.uses !== undefined ? { uses: input.uses } : {}) });
      return { body: { token: created.token, id: created.id, expires_at: created.expiresAt, uses: created.uses }, location: `/registration-tokens/${created.id}` };
    },
  },
  {
    method: 'DELETE', path: '/registration-tokens/{id}', operationId: 'revokeRegistrationToken', summary: 'Revoke an initial access token', tag: 'Registration tokens', write: true, status: 204,
    handle: async ({ admin, params }) => {
      await revokeRegistrationToken(admin, params['id']!);
      return {};
    },
  },
];
