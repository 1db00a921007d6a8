import { Type } from '@sinclair/typebox';
import { auditQuery, auditView } from '../../audit-query.js';
import type { AdminRoute } from '../route.js';
import { Nullable } from '../schemas.js';
import { MAX_LIMIT } from '../pagination.js';
import { Problem } from '../problem.js';

const EventSchema = Type.Object({
  id: Type.Integer(),
  time: Type.String({ format: 'date-time' }),
  type: Type.String(),
  outcome: Type.String(),
  user_id: Nullable(Type.String()),
  username: Nullable(Type.String()),
  client_id: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  actor: Nullable(Type.String()),
  count: Type.Integer(),
});

const cursorOf = (id: number) => Buffer.from(String(id)).toString('base64url');
function beforeOf(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new Problem(400, 'the cursor is not one this API gave out', {}, [{ pointer: 'cursor', detail: 'malformed' }]);
  return id;
}

export const auditRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/audit-events', operationId: 'listAuditEvents', summary: 'Read the audit log, newest first', tag: 'Audit', write: false,
    query: Type.Object(
      {
        since: Type.Optional(Type.String({ maxLength: 40, description: 'a duration back from now (24h, 7d) or an ISO 8601 time' })),
        type: Type.Optional(Type.String({ maxLength: 60 })),
        user: Type.Optional(Type.String({ maxLength: 200, description: 'a sub or a username' })),
        client: Type.Optional(Type.String({ maxLength: 200 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT })),
        cursor: Type.Optional(Type.String({ maxLength: 40 })),
      },
      { additionalProperties: false },
    ),
    response: Type.Object({ items: Type.Array(EventSchema), next_cursor: Nullable(Type.String()) }),
    handle: async ({ admin, query }) => {
      const filters: Record<string, string> = {};
      for (const name of ['since', 'type', 'user', 'client'] as const) if (query[name] !== undefined) filters[name] = String(query[name]);
      filters['limit'] = String(query['limit'] ?? 50);
      if (query['cursor'] !== undefined) filters['before'] = beforeOf(String(query['cursor']));
      const q = auditQuery(filters, admin.now);
      const events = await admin.stores.audit.list(q);
      const next = events.length === q.limit ? cursorOf(events[events.length - 1]!.id) : null;
      return { body: { items: events.map(auditView), next_cursor: next } };
    },
  },
];
