import type { User } from '../../store/ports.js';
import { AccountError } from '../accounts/users.js';
import { describeUser, unlockUser, updateUser, UserNotFoundError } from '../admin/users.js';
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

/** `key=value` per line; a key the textarea no longer holds is removed. */
function attributeChanges(text: string, current: Record<string, string>): Record<string, string | null> {
  const next: Record<string, string | null> = {};
  for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')) {
    const eq = line.indexOf('=');
    if (eq < 1) throw new AccountError(`write each attribute as key=value, not '${line.slice(0, 40)}'`);
    next[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  for (const key of Object.keys(current)) if (!(key in next)) next[key] = null;
  return next;
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
    const email = (f['email'] ?? '').trim();
    const name = (f['name'] ?? '').trim();
    await updateUser(call.admin, user.id, { email: email === '' ? null : email, name: name === '' ? null : name, attributes: attributeChanges(f['attributes'] ?? '', user.attributes) });
  }),
  userAction('/disable', 'The user is disabled: their sessions ended and their tokens were revoked.', (call, user) => disableUser(call.admin, user.id), 'Disable this user? Their sessions end and every token and consent of theirs is revoked at once.'),
  userAction('/enable', 'The user can sign in again.', (call, user) => enableUser(call.admin, user.id)),
  userAction('/unlock', 'Sign-in locks lifted.', (call, user) => unlockUser(call.admin, user.id)),
  userAction('/mfa/reset', 'Two-step verification removed; the user sets it up again.', (call, user) => resetUserMfa(call.admin, user.id), "Remove this user's authenticator and backup codes?"),
  userAction('/sessions/end', 'Sessions ended.', (call, user) => endAllUserSessions(call.admin, user.id), 'End every session of this user? They sign in again everywhere.'),
  userAction('/sessions/{id}/end', 'Session ended.', (call, user) => endUserSession(call.admin, user.id, call.params['id']!), 'End this session?'),
  userAction('/consents/{id}/revoke', 'Consent revoked: the app lost its tokens.', (call, user) => revokeUserConsent(call.admin, user.id, call.params['id']!), "Revoke this consent? Every token the app holds under it stops working."),
];
