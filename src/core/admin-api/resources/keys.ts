import { Type } from '@sinclair/typebox';
import { listSigningKeys, pruneSigningKeys, rotateSigningKeys } from '../../admin/keys.js';
import type { AdminRoute } from '../route.js';
import { Nullable } from '../schemas.js';

const Key = Type.Object({ kid: Type.String(), alg: Type.String(), state: Type.String(), created_at: Type.Integer(), retired_at: Nullable(Type.Integer()), prunable_at: Nullable(Type.Integer()) });
const Keys = Type.Object({ items: Type.Array(Key) });

export const keyRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/keys', operationId: 'listKeys', summary: 'The signing keys, active and retired (public facts only)', tag: 'Keys', write: false, response: Keys,
    handle: async ({ admin, ctx }) => ({ body: { items: await listSigningKeys(admin.stores, admin.now, ctx.config.ttl) } }),
  },
  {
    method: 'POST', path: '/keys/rotate', operationId: 'rotateKeys', summary: 'Start signing with new keys (all algorithms, or those named); old keys verify until their tokens expire', tag: 'Keys', write: true, response: Keys,
    body: Type.Object({ algs: Type.Optional(Type.Array(Type.String({ maxLength: 10 }), { maxItems: 5 })) }, { additionalProperties: false }),
    handle: async ({ admin, ctx, body }) => {
      const algs = (body as { algs?: string[] }).algs;
      return { body: { items: await rotateSigningKeys(admin, algs ? { algs } : {}, ctx.config.ttl) } };
    },
  },
  {
    method: 'POST', path: '/keys/prune', operationId: 'pruneKeys', summary: 'Remove retired keys no unexpired token was signed with', tag: 'Keys', write: true,
    response: Type.Object({ pruned: Type.Array(Type.String()) }),
    handle: async ({ admin, ctx }) => ({ body: await pruneSigningKeys(admin, ctx.config.ttl) }),
  },
];
