import type { AuditType } from '../audit.js';
import type { ConsoleRoute } from './route.js';

/** What the dashboard counts, and how it names each. */
const METRICS: { type: AuditType; label: string }[] = [
  { type: 'login.success', label: 'Sign-ins' },
  { type: 'login.failure', label: 'Sign-in failures' },
  { type: 'login.lockout', label: 'Lockouts' },
  { type: 'token.issued', label: 'Tokens issued' },
];

const WINDOWS = [
  { label: 'Last 24 hours', seconds: 24 * 3600 },
  { label: 'Last 7 days', seconds: 7 * 24 * 3600 },
];

export const dashboardRoutes: ConsoleRoute[] = [
  {
    method: 'GET',
    path: '',
    async handle(call) {
      const types = METRICS.map((m) => m.type);
      const windows = await Promise.all(
        WINDOWS.map(async (w) => {
          const counts = await call.ctx.stores.audit.countByType({ since: call.admin.now - w.seconds, types });
          return { label: w.label, metrics: METRICS.map((m) => ({ label: m.label, value: counts[m.type] ?? 0 })) };
        }),
      );
      return call.show('dashboard', 'Dashboard', { view: 'dashboard', windows });
    },
  },
];
