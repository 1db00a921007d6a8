import type { AdminFrame, AdminView } from '../../core/admin-console/page-data.js';
import { html, type SafeHtml } from '../html.js';
import { field } from './layout.js';

type AuditData = Extract<AdminView, { view: 'audit' }>;

/** The audit log: a filter form (GET, so a filtered view can be bookmarked), pages, and the exports. */
export function auditView(d: AdminFrame, v: AuditData): SafeHtml {
  const f = v.filters;
  const suffix = v.exportQuery ? `?${v.exportQuery}` : '';
  return html`<form method="get" action="${d.base}/audit-log" class="filters">
<label for="type">Type</label>
<select id="type" name="type"><option value="">(any)</option>${v.types.map((t) => html`<option value="${t}"${t === f.type ? html` selected` : ''}>${t}</option>`)}</select>
${field('user', 'User (sub or username)', f.user)}
${field('client', 'Client ID', f.client)}
${field('since', 'Since (24h, 7d, an ISO time or Unix seconds)', f.since)}
<div class="actions"><button type="submit">Filter</button> <a href="${d.base}/audit-log">Clear</a></div>
</form>
<p>Export these events: <a href="${d.base}/audit-log/export.csv${suffix}" download>CSV</a> · <a href="${d.base}/audit-log/export.json${suffix}" download>JSON</a></p>
${v.events.length === 0
  ? html`<p class="muted">No events match.</p>`
  : html`<table class="list audit"><thead><tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Outcome</th><th scope="col">User</th><th scope="col">Client</th><th scope="col">Actor</th><th scope="col">Reason</th><th scope="col">IP</th><th scope="col">Count</th></tr></thead><tbody>${v.events.map(
      (e) => html`<tr><td>${e.time}</td><td>${e.type}</td><td>${e.outcome}</td><td>${e.user}</td><td><code>${e.clientId}</code></td><td>${e.actor}</td><td>${e.reason}</td><td>${e.ip}</td><td>${e.count}</td></tr>`,
    )}</tbody></table>`}
${v.olderQuery ? html`<p><a href="${d.base}/audit-log?${v.olderQuery}" rel="next">Older events</a></p>` : ''}`;
}
