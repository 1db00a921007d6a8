/** Where the admin console lives: /admin and the pages below it, but not the JSON faces that share the prefix. */
export const ADMIN_CONSOLE_PATH = '/admin';

/** Whether `path` (without query) is one of the console's pages: not /admin/audit nor /admin/v1/…. */
export function isAdminConsolePath(path: string): boolean {
  if (path === ADMIN_CONSOLE_PATH) return true;
  if (!path.startsWith(`${ADMIN_CONSOLE_PATH}/`)) return false;
  const rest = path.slice(ADMIN_CONSOLE_PATH.length + 1);
  return !(rest === 'audit' || rest === 'v1' || rest.startsWith('v1/'));
}
