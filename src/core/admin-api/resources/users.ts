import { Type } from '@sinclair/typebox';
import type { Stores, User } from '../../../store/ports.js';
import { describeUser, describedUserView, unlockUser, updateUser, UserNotFoundError, type UserUpdate } from '../../admin/users.js';
import { userView } from '../../accounts/users.js';
import type { AdminCall, AdminRoute } from '../route.js';
import { Nullable } from '../schemas.js';
import { pageOf, pageQuery, paginate } from '../pagination.js';

export const UserSchema = Type.Object({
  sub: Type.String(),
  username: Type.String(),
  email: Nullable(Type.String()),
  email_verified: Type.Boolean(),
  name: Nullable(Type.String()),
  locale: Type.Optional(Type.String({ description: 'The language the user reads (the OIDC locale claim); their emails are written in it' })),
  attributes: Type.Record(Type.String(), Type.String()),
  disabled: Type.Boolean(),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  last_sign_in_at: Type.Optional(Nullable(Type.Integer())),
  locked_until: Type.Optional(Nullable(Type.Integer())),
  mfa: Type.Optional(Type.Object({ totp: Type.String(), enrolled_at: Nullable(Type.Integer()), backup_codes_remaining: Type.Integer() })),
  identities: Type.Optional(Type.Array(Type.Object({ provider: Type.String(), subject: Type.String(), last_sign_in_at: Type.Integer() }))),
});
const UserPatch = Type.Object(
  {
    username: Type.Optional(Type.String({ maxLength: 200 })),
    email: Type.Optional(Nullable(Type.String({ maxLength: 320 }))),
    email_verified: Type.Optional(Type.Boolean()),
    name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    locale: Type.Optional(Nullable(Type.String({ maxLength: 35, description: 'A language tag (en, de, fr-CA); null clears' }))),
    attributes: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Nullable(Type.String({ maxLength: 256 })), { description: 'null removes an attribute; others are kept' })),
  },
  { additionalProperties: false },
);

/** A user by sub only: on the network, users are named by the identifier that never changes. */
export async function userBySub(stores: Stores, sub: string): Promise<User> {
  const user = await stores.users.findById(sub);
  if (!user) throw new UserNotFoundError(sub);
  return user;
}

export async function showUser({ admin, params }: AdminCall) {
  const user = await userBySub(admin.stores, params['sub']!);
  return describedUserView(await describeUser(admin.stores, user.id, admin.now));
}

function toUpdate(body: Record<string, unknown>): UserUpdate {
  const update: UserUpdate = {};
  if (body['username'] !== undefined) update.username = body['username'] as string;
  if (body['email'] !== undefined) update.email = body['email'] as string | null;
  if (body['email_verified'] !== undefined) update.emailVerified = body['email_verified'] as boolean;
  if (body['name'] !== undefined) update.name = body['name'] as string | null;
  if (body['locale'] !== undefined) update.locale = body['locale'] as string | null;
  if (body['attributes'] !== undefined) update.attributes = body['attributes'] as Record<string, string | null>;
  return update;
}

export const userRoutes: AdminRoute[] = [
  {
    method: 'GET', path: '/users', operationId: 'listUsers', summary: 'List users, or find them by username or email (exact, case-insensitive)', tag: 'Users', write: false,
    query: Type.Object({ ...pageQuery, username: Type.Optional(Type.String({ maxLength: 200 })), email: Type.Optional(Type.String({ maxLength: 320 })) }, { additionalProperties: false }),
    response: pageOf(UserSchema),
    handle: async ({ admin, query }) => {
      const username = query['username'] as string | undefined;
      const email = query['email'] as string | undefined;
      let users: User[];
      if (username !== undefined) users = [await admin.stores.users.findByUsername(username)].filter((u): u is User => u !== undefined);
      else if (email !== undefined) users = await admin.stores.users.listByEmail(email);
      else users = await admin.stores.users.list();
      return { body: paginate(users.map(userView), (u) => String(u['sub']), query) };
    },
  },
  { method: 'GET', path: '/users/{sub}', operationId: 'getUser', summary: 'Show a user: profile, second factor, lock state, last sign-in, linked identities', tag: 'Users', write: false, etag: true, response: UserSchema, handle: async (call) => ({ body: await showUser(call) }) },
  {
    method: 'PATCH', path: '/users/{sub}', operationId: 'updateUser', summary: 'Change a user; the sub never changes, absent fields keep their value', tag: 'Users', write: true,
    body: UserPatch, response: UserSchema, current: showUser,
    handle: async (call) => {
      await updateUser(call.admin, (await userBySub(call.admin.stores, call.params['sub']!)).id, toUpdate(call.body as Record<string, unknown>));
      return { body: await showUser(call) };
    },
  },
  {
    method: 'POST', path: '/users/{sub}/unlock', operationId: 'unlockUser', summary: 'Lift a sign-in lockout', tag: 'Users', write: true, response: UserSchema,
    current: showUser,
    handle: async (call) => {
      await unlockUser(call.admin, (await userBySub(call.admin.stores, call.params['sub']!)).id);
      return { body: await showUser(call) };
    },
  },
];
