import type { Context } from '../context.js';
import { errorPage, page, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { singleValued } from '../params.js';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../accounts/users.js';
import { problemOf } from '../admin-api/problem.js';
import type { PasswordSetting } from '../admin/user-lifecycle.js';
import { consoleForm, consoleOperator, consoleToken, operatorContext } from './access.js';
import { ADMIN_CONSOLE_PATH, isAdminConsolePath } from './paths.js';
import { serializedBy } from '../serialized.js';
import type { ConsoleCall, ConsoleRoute, ShowOptions } from './route.js';
import type { AdminSection } from './page-data.js';
import { dashboardRoutes } from './dashboard.js';
import { userRoutes } from './users.js';
import { clientRoutes } from './clients.js';
import { accessRoutes } from './apis-roles.js';
import { providerRoutes, keyRoutes } from './providers-keys.js';
import { auditRoutes } from './audit.js';

export const CONSOLE_ROUTES: readonly ConsoleRoute[] = [...dashboardRoutes, ...userRoutes, ...clientRoutes, ...accessRoutes, ...providerRoutes, ...keyRoutes, ...auditRoutes];

const notFound = (): ProtocolResponse => errorPage(404, 'not_found', 'There is no such page or record in the admin console.');
const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', 'The form was not valid. Reload the page and try again.');

const SECTIONS: Record<string, AdminSection> = { users: 'users', clients: 'clients', access: 'access', providers: 'providers', keys: 'keys', 'audit-log': 'audit' };
/** The section a path under /admin belongs to (for the navigation). */
const sectionOf = (sub: string): AdminSection => SECTIONS[sub.split('/')[1] ?? ''] ?? 'dashboard';

/** Where "Cancel" on a confirmation goes: the user's or client's page, else the section's. */
function backOf(sub: string): string {
  const [section = '', id] = sub.split('/').slice(1);
  return (section === 'users' || section === 'clients') && id !== undefined ? `/${section}/${id}` : `/${section}`;
}

function pattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`);
}

function paramsOf(match: RegExpExecArray): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  try {
    for (const [name, value] of Object.entries(match.groups ?? {})) params[name] = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  return params;
}

/**
 * The admin console at /admin: server-rendered pages for operators who hold the admin role,
 * after a second factor. Each action is a POST carrying the session's CSRF token and calls one
 * operation of core/admin with the operator as actor; refusals are shown on the page.
 */
export function adminConsoleEndpoint(ctx: Context, passwordPolicy: PasswordPolicy = DEFAULT_PASSWORD_POLICY) {
  const passwords: PasswordSetting = { policy: passwordPolicy, hash: (password) => ctx.passwords.hash(password) };
  const routes = CONSOLE_ROUTES.map((route) => ({ route, pattern: pattern(route.path) }));
  const serialized = serializedBy();
  const base = ctx.config.issuer + ADMIN_CONSOLE_PATH;

  /** `path` is what follows /admin/ ('' for /admin itself). */
  return async (req: ProtocolRequest, path: string): Promise<ProtocolResponse> => {
    const full = path === '' ? ADMIN_CONSOLE_PATH : `${ADMIN_CONSOLE_PATH}/${path}`;
    if (!isAdminConsolePath(full) || (req.method !== 'GET' && req.method !== 'POST')) return notFound();
    const sub = path === '' ? '' : `/${path}`;
    const found = routes.map((r) => ({ route: r.route, match: r.pattern.exec(sub) })).find((r) => r.route.method === req.method && r.match !== null);
    const params = found ? paramsOf(found.match!) : undefined;

    const session = await consoleOperator(ctx, req, full);
    if ('kind' in session) return session;
    if (!found || !params) return notFound();
    const { route } = found;
    let form: Record<string, string> = {};
    if (req.method === 'POST') {
      const checked = consoleForm(ctx, req, session);
      if (!checked) return invalidForm();
      form = checked;
    }
    let query: Record<string, string>;
    try {
      query = singleValued(req.query);
    } catch {
      return errorPage(400, 'invalid_request', 'A query parameter was repeated or too long.');
    }
    const csrfToken = consoleToken(ctx, session);
    const call: ConsoleCall = {
      ctx, req, session, params, query, form, passwords,
      admin: operatorContext(ctx, req, session),
      show: (section, title, view, options: ShowOptions = {}) =>
        page(options.status ?? 200, 'admin', {
          username: session.user.username, csrfToken, base, section, title,
          ...(options.notice ? { notice: options.notice } : {}),
          ...(options.error ? { error: options.error } : {}),
          ...view,
        }),
      redirect: (to) => ({ kind: 'redirect', location: base + to }),
    };
    if (route.confirm && form['confirm'] !== 'yes') {
      const { csrf: _csrf, ...fields } = form;
      return call.show(sectionOf(sub), 'Confirm', { view: 'confirm', question: route.confirm, action: base + sub, fields, button: 'Yes, do it', back: base + backOf(sub) });
    }
    const run = async (): Promise<ProtocolResponse> => {
      try {
        return await route.handle(call);
      } catch (e) {
        const problem = problemOf(e);
        if (!problem) throw e;
        if (!route.onError || (req.method === 'GET' && problem.status === 404)) return problem.status === 404 ? notFound() : errorPage(problem.status, 'invalid_request', problem.message);
        try {
          return await route.onError(call, { status: problem.status, error: problem.message });
        } catch (again) {
          if (problemOf(again)?.status === 404) return notFound();
          throw again;
        }
      }
    };
    // The same action on the same record runs one at a time on this node (double submits).
    return req.method === 'POST' ? serialized(sub, run) : run();
  };
}
