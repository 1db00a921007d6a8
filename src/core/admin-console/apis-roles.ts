import { ApiNotFoundError } from '../admin/apis.js';
import { createApi, deleteApi } from '../admin/apis.js';
import { createRole, describeRole, grantRole, listRoles, type HolderRef, type RoleRef } from '../admin/roles.js';
import { AccessInputError } from '../access/access-input.js';
import type { Entered } from './page-data.js';
import type { ConsoleCall, ConsoleRoute, ShowOptions } from './route.js';

async function accessPage(call: ConsoleCall, options: ShowOptions = {}, entered: Entered = {}) {
  const { stores } = call.admin;
  const apis = (await stores.apis.list()).map((a) => ({ id: a.id, identifier: a.identifier, name: a.name, scopes: a.scopes.map((s) => s.name) }));
  const roles = await Promise.all(
    (await listRoles(stores)).map(async (r) => {
      const ref: RoleRef = r['api'] === null ? { name: String(r['name']) } : { api: String(r['api']), name: String(r['name']) };
      const described = await describeRole(stores, ref);
      const holders = [...(described['users'] as string[]).map((u) => `user ${u}`), ...(described['groups'] as string[]).map((g) => `group ${g}`)];
      return { name: String(r['name']), api: r['api'] === null ? '' : String(r['api']), description: String(r['description'] ?? ''), holders };
    }),
  );
  return call.show('access', 'APIs and roles', { view: 'access', apis, roles, entered }, options);
}

const again = (call: ConsoleCall, options: ShowOptions) => {
  const { csrf: _csrf, ...entered } = call.form;
  return accessPage(call, options, entered);
};

/** `name=Description` per line (or a bare name, described by itself). */
function scopesOf(text: string): { name: string; description: string }[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const eq = l.indexOf('=');
      return eq < 0 ? { name: l, description: l } : { name: l.slice(0, eq).trim(), description: l.slice(eq + 1).trim() };
    });
}

/** The role the form names: of an API (its identifier) or global (no API chosen). */
function roleRef(form: Record<string, string>): RoleRef {
  const api = (form['api'] ?? '').trim();
  const name = (form['role'] ?? '').trim();
  return api === '' ? { name } : { api, name };
}

function holderRef(form: Record<string, string>): HolderRef {
  const name = (form['holder'] ?? '').trim();
  if (name === '') throw new AccessInputError('name the user or group to grant the role to');
  return form['holder_kind'] === 'group' ? { group: name } : { user: name };
}

export const accessRoutes: ConsoleRoute[] = [
  { method: 'GET', path: '/access', handle: (call) => accessPage(call) },
  {
    method: 'POST',
    path: '/access/apis',
    async handle(call) {
      const f = call.form;
      const api = await createApi(call.admin, { identifier: (f['identifier'] ?? '').trim(), name: (f['name'] ?? '').trim(), scopes: scopesOf(f['scopes'] ?? '') });
      return accessPage(call, { status: 201, notice: `API ${api.name} created.` });
    },
    onError: again,
  },
  {
    method: 'POST',
    path: '/access/apis/{id}/delete',
    confirm: 'Delete this API and its roles? Tokens for it can no longer be refreshed.',
    async handle(call) {
      const api = await call.admin.stores.apis.findById(call.params['id']!);
      if (!api) throw new ApiNotFoundError(call.params['id']!);
      await deleteApi(call.admin, api.identifier);
      return accessPage(call, { notice: `API ${api.name} deleted.` });
    },
    onError: again,
  },
  {
    method: 'POST',
    path: '/access/roles',
    async handle(call) {
      const ref = roleRef(call.form);
      const description = (call.form['description'] ?? '').trim();
      await createRole(call.admin, ref, description === '' ? {} : { description });
      return accessPage(call, { status: 201, notice: `Role ${ref.name} created.` });
    },
    onError: again,
  },
  {
    method: 'POST',
    path: '/access/grants',
    async handle(call) {
      const ref = roleRef(call.form);
      const { granted } = await grantRole(call.admin, ref, holderRef(call.form));
      return accessPage(call, { notice: granted ? `Role ${ref.name} granted.` : `That holder had role ${ref.name} already.` });
    },
    onError: again,
  },
];
