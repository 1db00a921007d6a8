import type { Context } from '../context.js';
import type { ProtocolRequest } from '../protocol.js';
import { bearerError } from '../endpoints/bearer.js';
import { operatorClient } from '../endpoints/operator-token.js';
import { ADMIN_READ_SCOPE, ADMIN_SCOPE } from '../scopes.js';

export { ADMIN_READ_SCOPE, ADMIN_SCOPE };

/** Who is calling the admin API, and whether they may change things. */
export interface AdminCaller {
  clientId: string;
  canWrite: boolean;
}

/** The caller of an admin API request: an operator client (see operatorClient) with `tessera:admin` or `tessera:admin:read`. */
export async function adminCaller(ctx: Context, req: ProtocolRequest, needsWrite: boolean): Promise<AdminCaller> {
  const { clientId, scopes } = await operatorClient(ctx, req, [ADMIN_SCOPE, ADMIN_READ_SCOPE]);
  const canWrite = scopes.includes(ADMIN_SCOPE);
  if (needsWrite && !canWrite) throw bearerError('insufficient_scope', `changes need the ${ADMIN_SCOPE} scope; this token is read-only`, { scope: ADMIN_SCOPE });
  return { clientId, canWrite };
}
