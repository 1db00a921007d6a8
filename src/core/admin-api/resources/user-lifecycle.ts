import { Type } from '@sinclair/typebox';
import { createUser, deleteUser, disableUser, enableUser, resetUserMfa, setUserPassword, type NewUser } from '../../admin/user-lifecycle.js';
import { endAllUserSessions, endUserSession, listUserSessions } from '../../admin/sessions.js';
import { listUserConsents, revokeUserConsent } from '../../admin/consents.js';
import type { AdminRoute } from '../route.js';
import { Changed, Nullable } from '../schemas.js';
import { showUser, userBySub, UserSchema } from './users.js';

const UserCreate = Type.Object(
  {
    username: Type.String({ maxLength: 200 }),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    email_verified: Type.Optional(Type.Boolean()),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 1024, description: 'write-only; without one the user signs in upstream or gets one later' })),
  },
  { additionalProperties: false },
);
const Session = Type.Object({ id: Type.String(), auth_time: Type.Integer(), amr: Type.Array(Type.String()), pending_second_factor: Type.Boolean(), created_at: Type.Integer(), expires_at: Type.Integer() });
const Consent = Type.Object({ id: Type.String(), client_id: Type.String(), client_name: Nullable(Type.String()), scopes: Type.Array(Type.String()), created_at: Type.Integer(), updated_at: Type.Integer() });
const sub = (params: Record<string, string>) => params['sub']!;

export const userLifecycleRoutes: AdminRoute[] = [
  {
    method: 'POST', path: '/users', operationId: 'createUser', summary: 'Create a user', tag: 'Users', write: true, status: 201, body: UserCreate, response: UserSchema,
    handle: async (call) => {
      const body = call.body as { username: string; email?: string; email_verified?: boolean; name?: string; password?: string };
      const input: NewUser = { username: body.username };
      if (body.email !== undefined) input.email = body.email;
      if (body.email_verified !== undefined) input.emailVerified = body.email_verified;
      if (body.name !== undefined) input.name = body.name;
      if (body.password !== undefined) input.password = body.password;
      const user = await createUser(call.admin, input, call.passwords);
      return { body: await showUser({ ...call, params: { sub: user.id } }), location: `/users/${user.id}` };
    },
  },
  {
    method: 'DELETE', path: '/users/{sub}', operationId: 'deleteUser', summary: 'Delete a user: their sessions end and their tokens stop at once', tag: 'Users', write: true, status: 204, current: showUser,
    handle: async ({ admin, params }) => {
      await deleteUser(admin, (await userBySub(admin.stores, sub(params))).id);
      return {};
    },
  },
  {
    method: 'PUT', path: '/users/{sub}/password', operationId: 'setUserPassword', summary: "Set a user's password (checked against the password policy)", tag: 'Users', write: true, status: 204,
    body: Type.Object({ password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
    current: showUser,
    handle: async (call) => {
      await setUserPassword(call.admin, (await userBySub(call.admin.stores, sub(call.params))).id, (call.body as { password: string }).password, call.passwords);
      return {};
    },
  },
  {
    method: 'POST', path: '/users/{sub}/disable', operationId: 'disableUser', summary: 'Stop a user from signing in: sessions end, consents and tokens are revoked at once', tag: 'Users', write: true, response: UserSchema,
    current: showUser,
    handle: async (call) => {
      await disableUser(call.admin, (await userBySub(call.admin.stores, sub(call.params))).id);
      return { body: await showUser(call) };
    },
  },
  {
    method: 'POST', path: '/users/{sub}/enable', operationId: 'enableUser', summary: 'Let a disabled user sign in again', tag: 'Users', write: true, response: UserSchema,
    current: showUser,
    handle: async (call) => {
      await enableUser(call.admin, (await userBySub(call.admin.stores, sub(call.params))).id);
      return { body: await showUser(call) };
    },
  },
  {
    method: 'DELETE', path: '/users/{sub}/mfa', operationId: 'resetUserMfa', summary: "Remove a user's second factor and backup codes", tag: 'Users', write: true, response: Changed,
    current: showUser,
    handle: async ({ admin, params }) => ({ body: { changed: (await resetUserMfa(admin, (await userBySub(admin.stores, sub(params))).id)).removed } }),
  },
  {
    method: 'GET', path: '/users/{sub}/sessions', operationId: 'listUserSessions', summary: "A user's SSO sessions, newest first", tag: 'Sessions', write: false, response: Type.Object({ items: Type.Array(Session) }),
    handle: async ({ admin, params }) => {
      const sessions = await listUserSessions(admin, (await userBySub(admin.stores, sub(params))).id);
      return { body: { items: sessions.map((s) => ({ id: s.id, auth_time: s.authTime, amr: s.amr, pending_second_factor: s.pendingSecondFactor, created_at: s.createdAt, expires_at: s.expiresAt })) } };
    },
  },
  {
    method: 'DELETE', path: '/users/{sub}/sessions', operationId: 'endUserSessions', summary: "End every SSO session of a user (apps' tokens stay)", tag: 'Sessions', write: true, response: Type.Object({ ended: Type.Integer() }),
    handle: async ({ admin, params }) => ({ body: await endAllUserSessions(admin, (await userBySub(admin.stores, sub(params))).id) }),
  },
  {
    method: 'DELETE', path: '/users/{sub}/sessions/{id}', operationId: 'endUserSession', summary: 'End one SSO session of a user', tag: 'Sessions', write: true, response: Changed,
    handle: async ({ admin, params }) => ({ body: { changed: (await endUserSession(admin, (await userBySub(admin.stores, sub(params))).id, params['id']!)).ended } }),
  },
  {
    method: 'GET', path: '/users/{sub}/consents', operationId: 'listUserConsents', summary: 'The apps a user has given access to', tag: 'Consents', write: false, response: Type.Object({ items: Type.Array(Consent) }),
    handle: async ({ admin, params }) => {
      const consents = await listUserConsents(admin, (await userBySub(admin.stores, sub(params))).id);
      return { body: { items: consents.map((c) => ({ id: c.id, client_id: c.clientId, client_name: c.clientName, scopes: c.scopes, created_at: c.createdAt, updated_at: c.updatedAt })) } };
    },
  },
  {
    method: 'DELETE', path: '/users/{sub}/consents/{id}', operationId: 'revokeUserConsent', summary: "Revoke a user's consent (by its id or the client's): every token under it stops", tag: 'Consents', write: true, response: Changed,
    handle: async ({ admin, params }) => ({ body: { changed: (await revokeUserConsent(admin, (await userBySub(admin.stores, sub(params))).id, params['id']!)).revoked } }),
  },
];
