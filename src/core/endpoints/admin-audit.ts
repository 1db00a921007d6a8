import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { NO_STORE, json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { AuditQueryError, auditQuery, auditView } from '../audit-query.js';
import { singleValued } from '../params.js';
import { operatorClient } from './operator-token.js';
import { errorJson } from './form.js';
import { ADMIN_READ_SCOPE, ADMIN_SCOPE } from '../scopes.js';
import { AUDIT_SCOPE } from '../scopes.js';

/** The scope an operator gives a service client (client credentials) to read the audit log. */
export { AUDIT_SCOPE };

/**
 * GET /admin/audit: the audit log for an operator's tooling, with the filters of `tessera audit
 * list`. It takes a client-credentials access token with the `tessera:audit` scope; only operators
 * can give a client that scope (it is never a self-service scope).
 */
export function adminAuditEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    try {
      if (req.method !== 'GET') throw new OAuthError('invalid_request', 'use GET', { status: 405, headers: { Allow: 'GET' } });
      // The admin API's scopes read the audit log too (it is /admin/v1/audit-events there).
      await operatorClient(ctx, req, [AUDIT_SCOPE, ADMIN_SCOPE, ADMIN_READ_SCOPE]);
      let query;
      try {
        query = auditQuery(singleValued(req.query), ctx.now());
      } catch (e) {
        if (e instanceof AuditQueryError) throw new OAuthError('invalid_request', e.message);
        throw e;
      }
      const events = await ctx.stores.audit.list(query);
      const body: Record<string, unknown> = { events: events.map(auditView) };
      if (events.length === query.limit) body['next_before'] = events[events.length - 1]!.id;
      return json(200, body, { ...NO_STORE });
    } catch (e) {
      return errorJson(e);
    }
  };
}
