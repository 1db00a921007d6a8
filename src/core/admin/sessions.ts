import type { SessionRecord } from '../../store/ports.js';
import type { AdminContext } from './context.js';
import { findUser } from './users.js';

/**
 * A user's SSO sessions (the browsers signed in to Tessera), as operators see and end them. A
 * session is named by the hash of its cookie, the key it is stored under: the hash shows which
 * session it is and cannot be used as the cookie. Ending a session signs that browser out of
 * Tessera; tokens apps already hold stay (revoke the consent, or disable the user, for those).
 */
export interface SessionView {
  id: string;
  /** When the user signed in (Unix seconds) and how (RFC 8176 amr values). */
  authTime: number;
  amr: string[];
  /** True while the session waits for its second factor (it signs nobody in yet). */
  pendingSecondFactor: boolean;
  createdAt: number;
  expiresAt: number;
}

const view = (s: SessionRecord): SessionView => ({
  id: s.idHash,
  authTime: s.authTime,
  amr: s.amr,
  pendingSecondFactor: s.pendingFactor !== null,
  createdAt: s.createdAt,
  expiresAt: s.expiresAt,
});

/** The user's sessions that have not ended, newest first. */
export async function listUserSessions(admin: AdminContext, ref: string): Promise<SessionView[]> {
  const user = await findUser(admin.stores, ref);
  return (await admin.stores.sessions.listByUser(user.id, admin.now)).map(view);
}

/**
 * Ends one session of the user; false (and no event) when it is not theirs or has ended already.
 * `by: 'user'` when the user ends one of their own sessions from the account page.
 */
export async function endUserSession(admin: AdminContext, ref: string, sessionId: string, by: 'operator' | 'user' = 'operator'): Promise<{ ended: boolean }> {
  const user = await findUser(admin.stores, ref);
  const ended = await admin.stores.sessions.destroyOfUser(sessionId, user.id);
  if (ended) await admin.audit({ type: 'session.ended', userId: user.id, username: user.username, reason: by });
  return { ended };
}

/** Ends every session of the user but `keep` (the one asking): signed out everywhere else. */
export async function endOtherUserSessions(admin: AdminContext, ref: string, keep: string): Promise<{ ended: number }> {
  const user = await findUser(admin.stores, ref);
  let ended = 0;
  for (const s of await admin.stores.sessions.listByUser(user.id, admin.now)) {
    if (s.idHash !== keep && (await admin.stores.sessions.destroyOfUser(s.idHash, user.id))) ended++;
  }
  if (ended > 0) await admin.audit({ type: 'session.ended', userId: user.id, username: user.username, reason: `user:others:${ended}` });
  return { ended };
}

/** Ends every session of the user: they sign in again everywhere. */
export async function endAllUserSessions(admin: AdminContext, ref: string): Promise<{ ended: number }> {
  const user = await findUser(admin.stores, ref);
  const ended = await admin.stores.sessions.destroyForUser(user.id);
  if (ended > 0) await admin.audit({ type: 'session.ended', userId: user.id, username: user.username, reason: `operator:all:${ended}` });
  return { ended };
}
