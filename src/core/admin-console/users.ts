import type { User } from '../../store/ports.js';
import { AccountError } from '../accounts/users.js';
import { describeUser, unlockUser, updateUser, UserNotFoundError, type UserUpdate } from '../admin/users.js';
import { AccessNotFoundError } from '../access/access-input.js';
import { Problem } from '../admin-api/problem.js';
import { createUser, disableUser, enableUser, resetUserMfa, type NewUser } from '../admin/user-lifecycle.js';
import { endAllUserSessions, endUserSession, listUserSessions } from '../admin/sessions.js';
import { listUserConsents, revokeUserConsent } from '../admin/consents.js';
import type { Entered, UserDetail, UserRow } from './page-data.js';
import { shownTime, type ConsoleCall, type ConsoleRoute, type ShowOptions } from './route.js';

/** Users a list shows at most; a search narrows it down. */
const PAGE = 50;

const row = (u: User): UserRow => ({ sub: u.id, username: u.username, name: u.name ?? '', email: u.email ?? '', disabled: u.disabled });

/** A user by sub only: the path names users by the identifier that never changes. */
async function bySub(call: ConsoleCall): Promise<User> {
  const user = await call.ctx.stores.users.findById(call.params['sub']!);
  if (!user) throw new UserNotFoundError(call.params['sub']!);
  return user;
}

async function listPage(call: ConsoleCall, options: ShowOptions = {}, entered: Entered = {}) {
  const q = (call.query['q'] ?? '').trim().toLowerCase();
  const all = await call.ctx.stores.users.list();
  const found = q === '' ? all : all.filter((u) => [u.username, u.email ?? '', u.name ?? '', u.id].some((v) => v.toLowerCase().includes(q)));
  return call.show('users', 'Users', { view: 'users', query: q, users: found.slice(0, PAGE).map(row), more: found.length > PAGE, entered }, options);
}

async function userPage(call: ConsoleCall, options: ShowOptions = {}) {
  const user = await bySub(call);
  const { admin } = call;
  const [described, sessions, consents] = await Promise.all([describeUser(admin.stores, user.id, admin.now), listUserSessions(admin, user.id), listUserConsents(admin, user.id)]);
  const detail: UserDetail = {
    ...row(described.user),
    emailVerified: described.user.emailVerified,
    attributes: described.user.attributes,
    createdAt: shownTime(described.user.createdAt),
    lastSignInAt: shownTime(described.user.lastSignInAt) || 'never',
    lockedUntil: described.lockedUntil === null ? null : shownTime(described.lockedUntil),
    mfa: { totp: described.mfa.totp, backupCodesRemaining: described.mfa.backupCodesRemaining },
    identities: described.identities.map((i) => ({ provider: i.provider, subject: i.subject, lastSignInAt: shownTime(i.lastSignInAt) })),
    sessions: sessions.map((s) => ({ id: s.id, authTime: shownTime(s.authTime), amr: s.amr.join(' '), expiresAt: shownTime(s.expiresAt) })),
    consents: consents.map((c) => ({ id: c.id, clientId: c.clientId, clientName: c.clientName ?? '(deleted client)', scopes: c.scopes, since: shownTime(c.createdAt) })),
  };
  return call.show('users', user.username, { view: 'user', user: detail }, options);
}

/** `key=value` per line, in a map without a prototype (an attribute may be named `constructor`). */
function attributeLines(text: string): Record<string, string> {
  const lines = Object.create(null) as Record<string, string>;
  for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')) {
    const eq = line.indexOf('=');
    if (eq < 1) throw new AccountError(`write each attribute as key=value, not '${line.slice(0, 40)}'`);
    lines[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return lines;
}

/**
 * What the operator changed in the textarea, against what it showed when the page was made (the
 * hidden `was_attributes`): only those keys are written, so a change someone else made meanwhile
 * to another attribute is kept.
 */
function attributeChanges(text: string, shown: string): Record<string, string | null> {
  const now = attributeLines(text);
  const was = attributeLines(shown);
  const changes: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(now)) if (!Object.hasOwn(was, key) || was[key] !== value) changes[key] = value;
  for (const key of Object.keys(was)) if (!Object.hasOwn(now, key)) changes[key] = null;
  return changes;
}

/** An operator's own account is theirs to lose from the CLI or the admin API, not by a click here. */
function notYourself(call: ConsoleCall, user: User, what: string): void {
  if (user.id === call.session.user.id) throw new Problem(409, `you cannot ${what} your own account from the console: another operator, the CLI or the admin API can`);
}

/** A session or consent of this user that was there to end; else the page is a 404 (never "ended"). */
function found(done: boolean, what: string): void {
  if (!done) throw new AccessNotFoundError(`this user has no such ${what} (any more)`);
}

/** An action on one user: runs `op`, then shows the user's page with `notice`. */
function userAction(path: string, notice: string, op: (call: ConsoleCall, user: User) => Promise<unknown>, confirm?: string): ConsoleRoute {
  return {
    method: 'POST',
    path: `/users/{sub}${path}`,
    ...(confirm ? { confirm } : {}),
    async handle(call) {
      await op(call, await bySub(call));
      return userPage(call, { notice });
    },
    onError: userPage,
  };
}

export const userRoutes: ConsoleRoute[] = [
  { method: 'GET', path: '/users', handle: (call) => listPage(call) },
  {
    method: 'POST',
    path: '/users/new',
    async handle(call) {
      const f = call.form;
      const input: NewUser = { username: (f['username'] ?? '').trim() };
      if (f['email']?.trim()) input.email = f['email'].trim();
      if (f['name']?.trim()) input.name = f['name'].trim();
      if (f['password']) input.password = f['password'];
      const user = await createUser(call.admin, input, call.passwords);
      return userPage({ ...call, params: { sub: user.id } }, { status: 201, notice: `User ${user.username} created.` });
    },
    onError: (call, options) => {
      const { password: _password, csrf: _csrf, ...entered } = call.form;
      return listPage(call, options, entered);
    },
  },
  { method: 'GET', path: '/users/{sub}', handle: (call) => userPage(call) },
  userAction('/profile', 'Profile saved.', async (call, user) => {
    const f = call.form;
    // Only what the operator changed on the page is written: each field against the value it showed.
    const changed = (field: string) => (f[field] ?? '').trim() !== (f[`was_${field}`] ?? '').trim();
    const shownAttributes = f['was_attributes'] ?? Object.entries(user.attributes).map(([k, v]) => `${k}=${v}`).join('\n');
    const update: UserUpdate = { attributes: attributeChanges(f['attributes'] ?? '', shownAttributes) };
    if (f['was_name'] === undefined || changed('name')) update.name = (f['name'] ?? '').trim() || null;
    if (f['was_email'] === undefined || changed('email')) update.email = (f['email'] ?? '').trim() || null;
    await updateUser(call.admin, user.id, update);
  }),
  userAction('/disable', 'The user is disabled: their sessions ended and their tokens were revoked.', (call, user) => (notYourself(call, user, 'disable'), disableUser(call.admin, user.id)), 'Disable this user? Their sessions end and every token and consent of theirs is revoked at once.'),
  userAction('/enable', 'The user can sign in again.', (call, user) => enableUser(call.admin, user.id)),
  userAction('/unlock', 'Sign-in locks lifted.', (call, user) => unlockUser(call.admin, user.id)),
  userAction('/mfa/reset', 'Two-step verification removed; the user sets it up again.', (call, user) => (notYourself(call, user, 'remove the second factor of'), resetUserMfa(call.admin, user.id)), "Remove this user's authenticator and backup codes?"),
  userAction('/sessions/end', 'Sessions ended.', (call, user) => endAllUserSessions(call.admin, user.id), 'End every session of this user? They sign in again everywhere.'),
  userAction('/sessions/{id}/end', 'Session ended.', async (call, user) => found((await endUserSession(call.admin, user.id, call.params['id']!)).ended, 'session'), 'End this session?'),
  userAction('/consents/{id}/revoke', 'Consent revoked: the app lost its tokens.', async (call, user) => found((await revokeUserConsent(call.admin, user.id, call.params['id']!)).revoked, 'consent'), "Revoke this consent? Every token the app holds under it stops working."),
];
