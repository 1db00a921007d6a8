import type { AdminPageData } from '../../core/admin-console/page-data.js';
import type { SafeHtml } from '../html.js';
import type { PageContext } from '../page-context.js';
import { adminLayout } from './layout.js';
import { dashboardView } from './dashboard.js';
import { userView, usersView } from './users.js';
import { clientView, clientsView } from './clients.js';
import { accessView, confirmView, keysView, providersView } from './settings.js';
import { auditView } from './audit.js';

function body(d: AdminPageData): SafeHtml {
  switch (d.view) {
    case 'dashboard':
      return dashboardView(d.windows);
    case 'users':
      return usersView(d, d.query, d.users, d.more, d.entered);
    case 'user':
      return userView(d, d.user);
    case 'clients':
      return clientsView(d, d.clients, d.entered);
    case 'client':
      return clientView(d, d.client, d.secret);
    case 'access':
      return accessView(d, d);
    case 'providers':
      return providersView(d, d);
    case 'keys':
      return keysView(d, d);
    case 'audit':
      return auditView(d, d);
    case 'confirm':
      return confirmView(d, d);
  }
}

/** One page of the admin console. */
export function adminPage(d: AdminPageData, ctx: PageContext): string {
  return adminLayout(ctx, d, body(d));
}
