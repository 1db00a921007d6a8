import type { Context } from '../context.js';
import type { ProtocolRequest, ProtocolResponse } from '../protocol.js';
import { OAuthError, DependencyUnavailableError } from '../errors.js';
import { AccountError } from '../accounts/users.js';
import { AccessInputError, AccessNotFoundError } from '../access/access-input.js';
import { UserNotFoundError, UsernameTakenError } from '../admin/users.js';
import { GroupNameTakenError } from '../admin/groups.js';
import type { PasswordSetting } from '../admin/user-lifecycle.js';
import type { AdminContext } from '../admin/context.js';
import { operatorClient } from '../endpoints/operator-token.js';
import { requester } from '../audit.js';
import { SCIM_SCOPE } from '../scopes.js';
import { serializedBy } from '../serialized.js';
import { ScimError, scimError, scimJson } from './errors.js';
import { listResponse, resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import type { ScimCall } from './request.js';
import { createScimUser, deleteScimUser, getUser, listUsers, patchUser, replaceUser } from './users-endpoint.js';
import { createScimGroup, deleteScimGroup, getGroup, listGroups, patchGroup, replaceGroup } from './groups-endpoint.js';

/**
 * SCIM 2.0 (RFC 7643, RFC 7644) under /scim/v2: Users, Groups, and the discovery resources. Every
 * request needs a client-credentials access token of this server with the scope tessera:scim
 * (401 without a good token, 403 without the scope); every change is made by a core admin
 * operation with the actor `client:<client id>`. Every refusal is a SCIM error (RFC 7644 §3.12).
 */

export const SCIM_PREFIX = '/scim/v2';

type Handler = (call: ScimCall, id: string) => Promise<ProtocolResponse>;
type Route = Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>;

const ROUTES: Record<string, { collection: Route; item: Route }> = {
  Users: { collection: { GET: listUsers, POST: createScimUser }, item: { GET: getUser, PUT: replaceUser, PATCH: patchUser, DELETE: deleteScimUser } },
  Groups: { collection: { GET: listGroups, POST: createScimGroup }, item: { GET: getGroup, PUT: replaceGroup, PATCH: patchGroup, DELETE: deleteScimGroup } },
};

/** The client a good token names; SCIM errors (with the RFC 6750 challenge) otherwise. */
async function authenticate(ctx: Context, req: ProtocolRequest): Promise<string> {
  try {
    return (await operatorClient(ctx, req, [SCIM_SCOPE])).clientId;
  } catch (e) {
    if (e instanceof OAuthError) throw new ScimError(e.status, undefined, e.message, e.headers);
    throw e;
  }
}

/** The core's typed errors as SCIM errors; anything else is a fault and goes up (the HTTP shell answers 500 in SCIM form). */
function asScimError(e: unknown): ScimError | undefined {
  if (e instanceof ScimError) return e;
  if (e instanceof UsernameTakenError || e instanceof GroupNameTakenError) return new ScimError(409, 'uniqueness', e.message);
  if (e instanceof UserNotFoundError || e instanceof AccessNotFoundError) return new ScimError(404, undefined, e.message);
  if (e instanceof AccountError || e instanceof AccessInputError) return new ScimError(400, 'invalidValue', e.message);
  return undefined;
}

function discovery(base: string, path: string[]): ProtocolResponse | undefined {
  const [what, id] = path;
  if (what === 'ServiceProviderConfig' && id === undefined) return scimJson(200, serviceProviderConfig(base));
  const lists: Record<string, Record<string, unknown>[]> = { ResourceTypes: resourceTypes(base), Schemas: schemas(base) };
  const list = what === undefined ? undefined : lists[what];
  if (!list) return undefined;
  if (id === undefined) return scimJson(200, listResponse(list, list.length, 1));
  const one = list.find((r) => r['id'] === id);
  return one ? scimJson(200, one) : undefined;
}

export function scimEndpoints(ctx: Context, options: { passwordPolicy: PasswordSetting['policy'] }) {
  const passwords: PasswordSetting = { policy: options.passwordPolicy, hash: (password) => ctx.passwords.hash(password) };
  const serialized = serializedBy();
  /** `path`: what follows /scim/v2/, e.g. `Users/2819c223-…`. */
  return async (req: ProtocolRequest, path: string): Promise<ProtocolResponse> => {
    try {
      const clientId = await authenticate(ctx, req);
      const base = ctx.config.issuer + SCIM_PREFIX;
      const parts = path.split('/').filter((p) => p !== '');
      const method = req.method as keyof Route;
      const routes = parts[0] === undefined ? undefined : ROUTES[parts[0]];
      if (!routes) {
        if (method !== 'GET') throw new ScimError(parts[0] === undefined || !['ServiceProviderConfig', 'ResourceTypes', 'Schemas'].includes(parts[0]) ? 404 : 405, undefined, 'not supported here');
        const found = discovery(base, parts);
        if (!found) throw new ScimError(404, undefined, 'no such resource');
        return found;
      }
      if (parts.length > 2) throw new ScimError(404, undefined, 'no such resource');
      // No resource has an id with a control character (and PostgreSQL refuses U+0000 in a query).
      if (parts[1] !== undefined && /[\u0000-\u001f\u007f]/.test(parts[1])) throw new ScimError(404, undefined, 'no such resource');
      const route = parts.length === 1 ? routes.collection : routes.item;
      const handler = route[method];
      if (!handler) throw new ScimError(405, undefined, `${req.method} is not supported here`, { Allow: Object.keys(route).join(', ') });
      const actor = `client:${clientId}`;
      const from = requester(req);
      const admin: AdminContext = {
        stores: ctx.stores,
        pepper: ctx.pepper,
        now: ctx.now(),
        actor,
        audit: (event) => ctx.audit.record({ ...event, actor, ip: from.ip, userAgent: from.userAgent }),
      };
      const call: ScimCall = { admin, passwords, base, req };
      const id = parts[1] ?? '';
      // An If-Match check and the write after it are one step for the resource on this node: of
      // writes based on one ETag, one wins (across nodes the check is not atomic: docs/scim.md).
      if (parts.length === 2 && req.headers['if-match'] !== undefined && method !== 'GET') return await serialized(`${parts[0]}:${id}`, () => handler(call, id));
      return await handler(call, id);
    } catch (e) {
      if (e instanceof DependencyUnavailableError) throw e;
      const known = asScimError(e);
      if (known) return scimError(known);
      throw e;
    }
  };
}
