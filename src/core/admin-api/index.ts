import type { Context } from '../context.js';
import { json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { adminApiEndpoint } from './router.js';
import { openApiDocument } from './openapi.js';
import type { AdminRoute } from './route.js';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../accounts/users.js';
import { userLifecycleRoutes } from './resources/user-lifecycle.js';
import { apiRoutes } from './resources/apis.js';
import { groupRoutes } from './resources/groups.js';
import { roleRoutes } from './resources/roles.js';
import { userRoutes } from './resources/users.js';
import { invitationRoutes } from './resources/invitations.js';
import { identityProviderRoutes } from './resources/identity-providers.js';
import { auditRoutes } from './resources/audit-events.js';
import { clientRoutes } from './resources/clients.js';
import { keyRoutes } from './resources/keys.js';
import { registrationTokenRoutes } from './resources/registration-tokens.js';

/** Every operation of the admin API, in the order the OpenAPI document lists them. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  ...clientRoutes,
  ...userRoutes,
  ...userLifecycleRoutes,
  ...invitationRoutes,
  ...groupRoutes,
  ...roleRoutes,
  ...apiRoutes,
  ...identityProviderRoutes,
  ...keyRoutes,
  ...registrationTokenRoutes,
  ...auditRoutes,
];

/** /admin/v1/…: the OpenAPI document (public: it holds no data), and the operations. */
export function adminApi(ctx: Context, passwordPolicy: PasswordPolicy = DEFAULT_PASSWORD_POLICY) {
  const operations = adminApiEndpoint(ctx, ADMIN_ROUTES, { policy: passwordPolicy, hash: (password) => ctx.passwords.hash(password) });
  const document = openApiDocument(ctx.config.issuer, ADMIN_ROUTES);
  return async (req: ProtocolRequest, path: string): Promise<ProtocolResponse> => {
    if (path === 'openapi.json' && req.method === 'GET') return json(200, document, { 'Cache-Control': 'public, max-age=300' });
    return operations(req, path);
  };
}
