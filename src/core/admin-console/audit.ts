import type { StoredAuditEvent } from '../../store/ports.js';
import { AUDIT_TYPES } from '../audit.js';
import { auditQuery, auditView, MAX_AUDIT_LIMIT } from '../audit-query.js';
import type { AuditFilters, AuditRow } from './page-data.js';
import { shownTime, type ConsoleCall, type ConsoleRoute, type ShowOptions } from './route.js';
import { toCsv } from './csv.js';

/** Events per page of the log. */
const PAGE = 50;
/** Events an export holds at most (newest first); narrow the filter for older ones. */
export const MAX_EXPORT = 20_000;

const FILTERS = ['type', 'user', 'client', 'since'] as const;

function filtersOf(query: Record<string, string>): AuditFilters {
  const value = (name: string) => (query[name] ?? '').trim();
  return { type: value('type'), user: value('user'), client: value('client'), since: value('since') };
}

/** The filters in the form auditQuery reads (empty fields left out). */
function given(filters: AuditFilters): Record<string, string> {
  return Object.fromEntries(FILTERS.map((f) => [f, filters[f]]).filter(([, v]) => v !== ''));
}

const queryString = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

const row = (e: StoredAuditEvent): AuditRow => ({
  id: e.id,
  time: shownTime(e.at),
  type: e.type,
  outcome: e.outcome,
  user: e.username ?? e.userId ?? '',
  clientId: e.clientId ?? '',
  ip: e.ip ?? '',
  reason: e.reason ?? '',
  actor: e.actor ?? '',
  count: e.count,
});

async function logPage(call: ConsoleCall, options: ShowOptions = {}) {
  const filters = filtersOf(call.query);
  const before = call.query['before'];
  let events: StoredAuditEvent[] = [];
  if (!options.error) {
    const query = auditQuery({ ...given(filters), limit: String(PAGE + 1), ...(before ? { before } : {}) }, call.admin.now);
    events = await call.ctx.stores.audit.list(query);
  }
  const shown = events.slice(0, PAGE);
  const older = events.length > PAGE ? queryString({ ...given(filters), before: String(shown[shown.length - 1]!.id) }) : undefined;
  return call.show('audit', 'Audit log', { view: 'audit', filters, types: AUDIT_TYPES, events: shown.map(row), ...(older ? { olderQuery: older } : {}), exportQuery: queryString(given(filters)) }, options);
}

/** Every event the filter selects, newest first, up to MAX_EXPORT. */
async function allMatching(call: ConsoleCall): Promise<StoredAuditEvent[]> {
  const filters = given(filtersOf(call.query));
  const out: StoredAuditEvent[] = [];
  let before: number | undefined;
  while (out.length < MAX_EXPORT) {
    const limit = Math.min(MAX_AUDIT_LIMIT, MAX_EXPORT - out.length);
    const batch = await call.ctx.stores.audit.list(auditQuery({ ...filters, limit: String(limit), ...(before ? { before: String(before) } : {}) }, call.admin.now));
    out.push(...batch);
    if (batch.length < limit) break;
    before = batch[batch.length - 1]!.id;
  }
  return out;
}

const COLUMNS = ['id', 'time', 'type', 'outcome', 'user_id', 'username', 'client_id', 'ip', 'user_agent', 'reason', 'actor', 'count'] as const;

export const auditRoutes: ConsoleRoute[] = [
  { method: 'GET', path: '/audit-log', handle: (call) => logPage(call), onError: logPage },
  {
    method: 'GET',
    path: '/audit-log/export.csv',
    async handle(call) {
      const views = (await allMatching(call)).map(auditView);
      return { kind: 'file', status: 200, contentType: 'text/csv; charset=utf-8', filename: 'tessera-audit.csv', body: toCsv(COLUMNS, views.map((v) => COLUMNS.map((c) => v[c]))) };
    },
    onError: logPage,
  },
  {
    method: 'GET',
    path: '/audit-log/export.json',
    async handle(call) {
      const views = (await allMatching(call)).map(auditView);
      return { kind: 'file', status: 200, contentType: 'application/json; charset=utf-8', filename: 'tessera-audit.json', body: JSON.stringify({ items: views }, null, 2) };
    },
    onError: logPage,
  },
];
