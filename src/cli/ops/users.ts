import { userView } from '../../core/accounts/users.js';
import { createPasswordHasher } from '../../core/accounts/passwords.js';
import { describedUserView, describeUser, unlockUser, updateUser, UserNotFoundError, type UserUpdate } from '../../core/admin/users.js';
import { createUser, deleteUser, disableUser, enableUser, resetUserMfa, setUserPassword, type NewUser, type PasswordSetting } from '../../core/admin/user-lifecycle.js';
import { argon2FromEnv, passwordPolicyFromEnv } from '../account-settings.js';
import type { Operations } from '../store-options.js';
import { seg, type AdminHttp } from '../remote/admin-http.js';
import { orderBy, pick } from './order.js';

type View = Record<string, unknown>;

/** What `tessera user …` does, against a store or a running server. Users are named by username or sub. */
export interface UserOperations {
  create(input: NewUser): Promise<View>;
  list(): Promise<View[]>;
  /** The user with what the server knows of their sign-ins (`user show --json`). */
  show(ref: string): Promise<View>;
  update(ref: string, update: UserUpdate): Promise<View>;
  unlock(ref: string): Promise<View>;
  setPassword(ref: string, password: string): Promise<View>;
  disable(ref: string): Promise<View>;
  enable(ref: string): Promise<View>;
  delete(ref: string): Promise<View>;
  resetMfa(ref: string): Promise<View>;
}

/** The fields of a user (userView); the admin API's answers add sign-in facts, which these commands do not print. */
const USER_FIELDS = ['sub', 'username', 'email', 'email_verified', 'name', 'attributes', 'disabled', 'created_at', 'updated_at'] as const;
const plain = (view: View) => pick(view, USER_FIELDS);

/** The password policy and argon2 parameters the environment sets; the hasher is built only when a password is hashed. */
function passwordSetting(): PasswordSetting {
  return { policy: passwordPolicyFromEnv(), hash: async (password) => (await createPasswordHasher(argon2FromEnv())).hash(password) };
}

/** A user (as `user show --json` prints one) found as the store finds them: by sub first, then by username. */
async function remoteUser(api: AdminHttp, ref: string): Promise<View> {
  const bySub = await api.find(`/users/${seg(ref)}`);
  if (bySub) return bySub;
  const [byName] = (await api.get<{ items: View[] }>('/users', { username: ref })).items;
  if (!byName) throw new UserNotFoundError(ref);
  // A list holds users' profiles; the user itself says what the server knows of their sign-ins.
  return api.get(`/users/${seg(String(byName['sub']))}`);
}

/** The sub of a user named by username or sub. */
export async function remoteSub(api: AdminHttp, ref: string): Promise<string> {
  return String((await remoteUser(api, ref))['sub']);
}

const wireUpdate = (u: UserUpdate): View => ({
  ...(u.username !== undefined ? { username: u.username } : {}),
  ...(u.email !== undefined ? { email: u.email } : {}),
  ...(u.emailVerified !== undefined ? { email_verified: u.emailVerified } : {}),
  ...(u.name !== undefined ? { name: u.name } : {}),
  ...(u.attributes !== undefined ? { attributes: u.attributes } : {}),
});

export const userOperations: Operations<UserOperations> = {
  local: (admin) => ({
    create: async (input) => userView(await createUser(admin, input, passwordSetting())),
    list: async () => (await admin.stores.users.list()).map(userView),
    show: async (ref) => describedUserView(await describeUser(admin.stores, ref, admin.now)),
    update: async (ref, update) => userView(await updateUser(admin, ref, update)),
    unlock: async (ref) => {
      const unlocked = await unlockUser(admin, ref);
      return { sub: unlocked.id, username: unlocked.username, unlocked_at: unlocked.unlockedAt };
    },
    setPassword: async (ref, password) => userView(await setUserPassword(admin, ref, password, passwordSetting())),
    disable: async (ref) => userView(await disableUser(admin, ref)),
    enable: async (ref) => userView(await enableUser(admin, ref)),
    delete: async (ref) => {
      const deleted = await deleteUser(admin, ref);
      return { deleted: deleted.id, username: deleted.username };
    },
    resetMfa: async (ref) => {
      const { user, removed } = await resetUserMfa(admin, ref);
      return { user: user.id, username: user.username, second_factor_removed: removed };
    },
  }),
  remote: (api) => {
    const path = async (ref: string, tail = '') => `/users/${seg(await remoteSub(api, ref))}${tail}`;
    return {
      create: async (input) => {
        const body: View = { username: input.username };
        if (input.email !== undefined) body['email'] = input.email;
        if (input.emailVerified !== undefined) body['email_verified'] = input.emailVerified;
        if (input.name !== undefined) body['name'] = input.name;
        if (input.password !== undefined) body['password'] = input.password;
        return plain(await api.post('/users', body));
      },
      list: async () => orderBy(await api.all('/users'), (u) => Number(u['created_at']), (u) => String(u['username']).toLowerCase()).map(plain),
      show: async (ref) => remoteUser(api, ref),
      update: async (ref, update) => plain(await api.patch(await path(ref), wireUpdate(update))),
      unlock: async (ref) => {
        const user = await api.post(await path(ref, '/unlock'));
        // Unlocking stamps the user: the time it was unlocked is its new updated_at.
        return { sub: user['sub'], username: user['username'], unlocked_at: user['updated_at'] };
      },
      setPassword: async (ref, password) => {
        const target = await path(ref);
        await api.put(`${target}/password`, { password });
        return plain(await api.get(target));
      },
      disable: async (ref) => plain(await api.post(await path(ref, '/disable'))),
      enable: async (ref) => plain(await api.post(await path(ref, '/enable'))),
      delete: async (ref) => {
        const user = await remoteUser(api, ref);
        await api.delete(`/users/${seg(String(user['sub']))}`);
        return { deleted: user['sub'], username: user['username'] };
      },
      resetMfa: async (ref) => {
        const user = await remoteUser(api, ref);
        const { changed } = await api.delete<{ changed: boolean }>(`/users/${seg(String(user['sub']))}/mfa`);
        return { user: user['sub'], username: user['username'], second_factor_removed: changed };
      },
    };
  },
};
