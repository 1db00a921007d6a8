import { revokeGrant } from '../lifecycle/revoke.js';
import type { AdminContext } from './context.js';
import { findUser } from './users.js';

/**
 * A user's consents: the grants they gave clients, as operators see and revoke them. Revoking one
 * is what the user's own /account page does (core/lifecycle/revoke.ts revokeGrant): the consent
 * is forgotten and every token issued under it revoked at once.
 */
export interface ConsentView {
  id: string;
  clientId: string;
  /** The client's name; null when the client is gone. */
  clientName: string | null;
  scopes: string[];
  createdAt: number;
  updatedAt: number;
}

export async function listUserConsents(admin: AdminContext, ref: string): Promise<ConsentView[]> {
  const user = await findUser(admin.stores, ref);
  const grants = await admin.stores.grants.listByUser(user.id);
  return Promise.all(
    grants.map(async (g) => ({
      id: g.grantId,
      clientId: g.clientId,
      clientName: (await admin.stores.clients.find(g.clientId))?.name ?? null,
      scopes: g.scopes,
      createdAt: g.createdAt,
      updatedAt: g.updatedAt,
    })),
  );
}

/**
 * Revokes one consent of the user, named by its id or by the client's id. False (and no event)
 * when the user has no such consent: another user's grant id is treated like an unknown one.
 */
export async function revokeUserConsent(admin: AdminContext, ref: string, consent: string): Promise<{ revoked: boolean }> {
  const user = await findUser(admin.stores, ref);
  const byId = await admin.stores.grants.findById(consent);
  const grant = byId && byId.userId === user.id ? byId : await admin.stores.grants.find(user.id, consent);
  if (!grant) return { revoked: false };
  await revokeGrant(admin.stores, grant.grantId, admin.now);
  await admin.audit({ type: 'consent.revoked', userId: user.id, username: user.username, clientId: grant.clientId, reason: 'operator' });
  return { revoked: true };
}
