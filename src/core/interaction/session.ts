import type { Context } from '../context.js';
import { randomToken, sha256 } from '../crypto.js';
import type { CookieToSet, ProtocolRequest } from '../protocol.js';
import type { SessionRecord, User } from '../../store/ports.js';

export const SESSION_COOKIE = 'tessera_session';
/** Binds logins and consents in progress to the browser that started them. */
export const BROWSER_COOKIE = 'tessera_browser';

export interface ActiveSession {
  record: SessionRecord;
  user: User;
}

/** The browser's SSO session, if it is live and its user is still active. */
export async function currentSession(ctx: Context, req: ProtocolRequest): Promise<ActiveSession | undefined> {
  const id = req.cookies[SESSION_COOKIE];
  if (!id) return undefined;
  const record = await ctx.stores.sessions.find(sha256(id));
  if (!record || record.expiresAt <= ctx.now()) return undefined;
  const user = await ctx.stores.users.findById(record.userId);
  if (!user || user.disabled) return undefined;
  return { record, user };
}

/** Starts a new session after a login. Always a new id, so a planted cookie never becomes a session (fixation). */
export async function startSession(ctx: Context, req: ProtocolRequest, userId: string): Promise<{ authTime: number; cookies: CookieToSet[] }> {
  const old = req.cookies[SESSION_COOKIE];
  if (old) await ctx.stores.sessions.destroy(sha256(old));
  const id = randomToken(32);
  const now = ctx.now();
  await ctx.stores.sessions.create({ idHash: sha256(id), userId, authTime: now, createdAt: now, expiresAt: now + ctx.config.ttl.session });
  return { authTime: now, cookies: [{ name: SESSION_COOKIE, value: id, maxAge: ctx.config.ttl.session }] };
}

/** Ends the browser's session on the server and clears its cookie. */
export async function endSession(ctx: Context, session: ActiveSession): Promise<CookieToSet[]> {
  await ctx.stores.sessions.destroy(session.record.idHash);
  return [{ name: SESSION_COOKIE, value: undefined }];
}

/** The browser's binding value, creating one (and the cookie to set) on first use. */
export function browserBinding(req: ProtocolRequest): { value: string; cookies: CookieToSet[] } {
  const existing = req.cookies[BROWSER_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { value: existing, cookies: [] };
  const value = randomToken(32);
  return { value, cookies: [{ name: BROWSER_COOKIE, value }] };
}
