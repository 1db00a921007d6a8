import type { TObject, TSchema } from '@sinclair/typebox';
import type { Context } from '../context.js';
import type { AdminContext } from '../admin/context.js';
import type { PasswordSetting } from '../admin/user-lifecycle.js';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route's handler gets: its path parameters, the checked query and body, and the admin context of the caller. */
export interface AdminCall {
  ctx: Context;
  admin: AdminContext;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** How new passwords are checked and hashed (the server's policy). */
  passwords: PasswordSetting;
  /** The version If-Match was checked against, for resources that have one: write only over it. */
  expectedVersion?: number;
}

/** A handler's answer: a body (JSON) for 200/201, none for 204; `location` for a created resource. */
export interface AdminAnswer {
  body?: unknown;
  location?: string;
}

/**
 * One operation of the admin API. The route table is the single source for routing, request
 * validation and the OpenAPI document, so the document cannot drift from what is served.
 */
export interface AdminRoute {
  method: AdminMethod;
  /** Under /admin/v1, with `{name}` path parameters. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** Whether the route changes anything (needs `tessera:admin`) or only reads. */
  write: boolean;
  query?: TObject;
  body?: TSchema;
  /** The success status: 200 (default), 201 (created) or 204 (nothing to say). */
  status?: 200 | 201 | 204;
  /** The success body's schema (none for 204). */
  response?: TSchema;
  /**
   * The current representation of the one resource a write changes: with it, the route honours
   * `If-Match` (RFC 9110 §13.1.1) and answers 412 to a write based on a stale read.
   */
  current?: (call: AdminCall) => Promise<unknown>;
  /** GET of one resource: its answer carries an ETag. */
  etag?: boolean;
  handle(call: AdminCall): Promise<AdminAnswer>;
}
