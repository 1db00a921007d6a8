import { sha256 } from '../../core/crypto.js';
import { createRegistrationToken, listRegistrationTokens, revokeRegistrationToken } from '../../core/admin/registration-tokens.js';
import type { Operations } from '../store-options.js';
import { seg } from '../remote/admin-http.js';
import { orderBy } from './order.js';

type View = Record<string, unknown>;

/** What `tessera registration-token …` does, against a store or a running server. */
export interface RegistrationTokenOperations {
  /** The new token (shown only now), when it expires and how many registrations it allows. */
  create(input: { expiresIn?: number; uses?: number }): Promise<View>;
  list(): Promise<View[]>;
  /** Revokes by id, or by the token itself; says which id went. */
  revoke(ref: string): Promise<{ revoked: string }>;
}

export const registrationTokenOperations: Operations<RegistrationTokenOperations> = {
  local: (admin) => ({
    create: async (input) => {
      const created = await createRegistrationToken(admin, input);
      return { token: created.token, expires_at: created.expiresAt, uses: created.uses };
    },
    list: async () => (await listRegistrationTokens(admin.stores, admin.now)) as unknown as View[],
    revoke: (ref) => revokeRegistrationToken(admin, ref),
  }),
  remote: (api) => ({
    create: async (input) => {
      const body = { ...(input.expiresIn !== undefined ? { expires_in: input.expiresIn } : {}), ...(input.uses !== undefined ? { uses: input.uses } : {}) };
      const created = await api.post('/registration-tokens', body);
      return { token: created['token'], expires_at: created['expires_at'], uses: created['uses'] };
    },
    list: async () => orderBy(await api.all('/registration-tokens'), (t) => Number(t['created_at']), (t) => String(t['id'])),
    revoke: async (ref) => {
      // The server takes the id or the token; what it revoked is the id, or the token's hash (its id).
      const known = (await api.all('/registration-tokens')).some((t) => t['id'] === ref);
      await api.delete(`/registration-tokens/${seg(ref)}`);
      return { revoked: known ? ref : sha256(ref) };
    },
  }),
};
