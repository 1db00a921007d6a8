import type { Context } from '../context.js';
import { randomToken, sha256 } from '../crypto.js';
import type { CookieToSet, ProtocolRequest } from '../protocol.js';
import type { SessionRecord, User } from '../../store/ports.js';
import type { Authentication } from '../tokens/id-token.js';

export const SESSION_COOKIE = 'tessera_session';
/** Binds logins and consents in progress to the browser that started them. */
export const BROWSER_COOKIE = 'tessera_browser';

export interface ActiveSession {
  record: SessionRecord;
  user: User;
}

async function liveSession(ctx: Context, req: ProtocolRequest): Promise<ActiveSession | undefined> {
  const id = req.cookies[SESSION_COOKIE];
  if (!id) return undefined;
  const record = await ctx.stores.sessions.find(sha256(id));
  if (!record || record.expiresAt <= ctx.now()) return undefined;
  const user = await ctx.stores.users.findById(record.userId);
  if (!user || user.disabled) return undefined;
  return { record, user };
}

/**
 * The browser's SSO session, if it is live, fully signed in, and its user is still active. Asking
 * for it is using it: its idle end moves on (never past its absolute end).
 */
export async function currentSession(ctx: Context, req: ProtocolRequest): Promise<ActiveSession | undefined> {
  const session = await liveSession(ctx, req);
  if (!session || session.record.pendingFactor !== null) return undefined;
  await extend(ctx, session.record);
  return session;
}

/**
 * Writes the new idle end only when it moves by a tenth of the idle lifetime (at most a minute), not
 * on every request: the session may then end that much earlier than exactly idle after its last use.
 */
async function extend(ctx: Context, record: SessionRecord): Promise<void> {
  const now = ctx.now();
  const next = Math.min(now + ctx.config.ttl.session, record.absoluteExpiresAt);
  if (next - record.expiresAt < Math.min(60, Math.ceil(ctx.config.ttl.session / 10))) return;
  await ctx.stores.sessions.touch(record.idHash, now, next);
  record.expiresAt = next;
}

/** When a session signed in at `now` ends if unused, when at the latest, and how long its cookie must live. */
export function sessionEnds(ctx: Context, now: number): { expiresAt: number; absoluteExpiresAt: number; cookieMaxAge: number } {
  const { session, sessionAbsolute } = ctx.config.ttl;
  return { expiresAt: now + Math.min(session, sessionAbsolute), absoluteExpiresAt: now + sessionAbsolute, cookieMaxAge: sessionAbsolute };
}

/** A session whose password was checked and which waits for the second factor. */
export async function pendingSession(ctx: Context, req: ProtocolRequest): Promise<ActiveSession | undefined> {
  const session = await liveSession(ctx, req);
  return session && session.record.pendingFactor !== null ? session : undefined;
}

/** Starts a new session after a login. Always a new id, so a planted cookie never becomes a session (fixation). */
export async function startSession(
  ctx: Context,
  req: ProtocolRequest,
  userId: string,
  pendingFactor: SessionRecord['pendingFactor'] = null,
  amr: string[] = ['pwd'],
): Promise<{ auth: Authentication; idHash: string; cookies: CookieToSet[] }> {
  const old = req.cookies[SESSION_COOKIE];
  if (old) await ctx.stores.sessions.destroy(sha256(old));
  const id = randomToken(32);
  const now = ctx.now();
  const auth = { time: now, amr };
  // A session waiting for its second factor lives only as long as a login in progress.
  const waiting = now + ctx.config.ttl.interaction;
  const ends = pendingFactor === null ? sessionEnds(ctx, now) : { expiresAt: waiting, absoluteExpiresAt: waiting, cookieMaxAge: ctx.config.ttl.interaction };
  await ctx.stores.sessions.create({ idHash: sha256(id), userId, authTime: now, amr: auth.amr, pendingFactor, createdAt: now, expiresAt: ends.expiresAt, absoluteExpiresAt: ends.absoluteExpiresAt });
  // The cookie lives until the absolute end: the server decides whether the session is still live.
  return { auth, idHash: sha256(id), cookies: [{ name: SESSION_COOKIE, value: id, maxAge: ends.cookieMaxAge }] };
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
