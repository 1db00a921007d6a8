import { auditQuery, auditView } from '../../core/audit-query.js';
import type { Operations } from '../store-options.js';

type View = Record<string, unknown>;
export type AuditFilters = { since?: string; type?: string; user?: string; client?: string; limit?: string; before?: string };

/** What `tessera audit list` does, against a store or a running server: events, newest first. */
export interface AuditOperations {
  list(filters: AuditFilters): Promise<View[]>;
}

/** The admin API's page size limit: longer lists are read page by page. */
const PAGE = 200;

export const auditOperations: Operations<AuditOperations> = {
  local: (admin) => ({
    list: async (filters) => (await admin.stores.audit.list(auditQuery(filters, admin.now))).map(auditView),
  }),
  remote: (api) => ({
    list: async (filters) => {
      // Checked here first, so a mistake reads the same as against a store.
      const { limit } = auditQuery(filters, Math.floor(Date.now() / 1000));
      const query: Record<string, string | number | undefined> = { since: filters.since, type: filters.type, user: filters.user, client: filters.client };
      let cursor = filters.before === undefined ? undefined : Buffer.from(filters.before).toString('base64url');
      const events: View[] = [];
      while (events.length < limit) {
        const page = await api.get<{ items: View[]; next_cursor: string | null }>('/audit-events', { ...query, limit: Math.min(PAGE, limit - events.length), cursor });
        events.push(...page.items);
        if (page.next_cursor === null) break;
        cursor = page.next_cursor;
      }
      return events;
    },
  }),
};
