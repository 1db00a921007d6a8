import type { Context } from '../context.js';
import type { AdminContext } from '../admin/context.js';
import type { PasswordSetting } from '../admin/user-lifecycle.js';
import type { ProtocolRequest, ProtocolResponse } from '../protocol.js';
import type { ActiveSession } from '../interaction/session.js';
import type { AdminSection, AdminView } from './page-data.js';

/** How a page ends besides its view: a status other than 200, a message. */
export interface ShowOptions {
  status?: number;
  notice?: string;
  error?: string;
}

/** What a console handler gets: the operator, their admin context, the path's ids, the checked query or form. */
export interface ConsoleCall {
  ctx: Context;
  req: ProtocolRequest;
  session: ActiveSession;
  admin: AdminContext;
  params: Record<string, string>;
  query: Record<string, string>;
  /** A POST's fields, its CSRF token checked; empty for a GET. */
  form: Record<string, string>;
  passwords: PasswordSetting;
  /** A page of the console: the frame (operator, token, navigation) around `view`. */
  show(section: AdminSection, title: string, view: AdminView, options?: ShowOptions): ProtocolResponse;
  /** To another page of the console (a path under /admin). */
  redirect(path: string): ProtocolResponse;
}

/** One page or action of the console. */
export interface ConsoleRoute {
  method: 'GET' | 'POST';
  /** Under /admin, with `{name}` parameters (one path segment each); '' is /admin itself. */
  path: string;
  /**
   * For a change that cannot be undone, the question a confirmation page asks: the action runs
   * only with `confirm=yes` in the form (a checkbox on the page, or that page's button).
   */
  confirm?: string;
  handle(call: ConsoleCall): Promise<ProtocolResponse>;
  /** Where a refused action shows its error (the page the form was on); else an error page. */
  onError?(call: ConsoleCall, options: ShowOptions): Promise<ProtocolResponse>;
}

/** A field that a line-per-value textarea holds: values separated by newlines or spaces. */
export const lines = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((l) => l !== '');

/** Unix seconds as the console shows them. */
export const shownTime = (seconds: number | null | undefined): string => (seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : '');
