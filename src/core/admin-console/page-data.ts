import type { MfaLevel } from '../clients/client.js';
/**
 * What the admin console's pages show, as the core decides it; src/ui/admin renders it. Times are
 * ISO 8601 strings, ready to show. Links and form actions are built by the page from `base`
 * (the console's URL) and the ids given here.
 */

export type AdminSection = 'dashboard' | 'users' | 'clients' | 'access' | 'providers' | 'keys' | 'audit';

/** What every page of the console has: who is signed in, the CSRF token of their session, messages. */
export interface AdminFrame {
  username: string;
  csrfToken: string;
  base: string;
  section: AdminSection;
  title: string;
  notice?: string;
  error?: string;
}

export interface Metric {
  label: string;
  value: number;
}

export interface UserRow {
  sub: string;
  username: string;
  name: string;
  email: string;
  disabled: boolean;
}

export interface UserDetail extends UserRow {
  emailVerified: boolean;
  attributes: Record<string, string>;
  createdAt: string;
  lastSignInAt: string;
  lockedUntil: string | null;
  mfa: { totp: 'enrolled' | 'pending' | 'none'; backupCodesRemaining: number };
  identities: { provider: string; subject: string; lastSignInAt: string }[];
  sessions: { id: string; authTime: string; amr: string; expiresAt: string }[];
  consents: { id: string; clientId: string; clientName: string; scopes: string[]; since: string }[];
}

export interface ClientRow {
  clientId: string;
  name: string;
  type: string;
  disabled: boolean;
}

export interface ClientDetail extends ClientRow {
  redirectUris: string[];
  scopes: string[];
  grantTypes: string[];
  createdAt: string;
  /** What sign-ins to it must prove: off, on (a second factor), phishing-resistant (a passkey). */
  mfaLevel: MfaLevel;
}

export interface AuditRow {
  id: number;
  time: string;
  type: string;
  outcome: string;
  user: string;
  clientId: string;
  ip: string;
  reason: string;
  actor: string;
  count: number;
}

export interface AuditFilters {
  type: string;
  user: string;
  client: string;
  since: string;
}

/** The forms a page shows again after a refusal, with what was typed. */
export type Entered = Record<string, string>;

export type AdminView =
  | { view: 'dashboard'; windows: { label: string; metrics: Metric[] }[] }
  | { view: 'users'; query: string; users: UserRow[]; more: boolean; entered: Entered }
  | { view: 'user'; user: UserDetail }
  | { view: 'clients'; clients: ClientRow[]; entered: Entered }
  | { view: 'client'; client: ClientDetail; secret?: string }
  | {
      view: 'access';
      apis: { id: string; identifier: string; name: string; scopes: string[] }[];
      roles: { name: string; api: string; description: string; holders: string[] }[];
      entered: Entered;
    }
  | { view: 'providers'; providers: { name: string; kind: string; displayName: string; enabled: boolean }[] }
  | { view: 'keys'; keys: { kid: string; alg: string; state: string; createdAt: string }[] }
  | { view: 'audit'; filters: AuditFilters; types: readonly string[]; events: AuditRow[]; olderQuery?: string; exportQuery: string }
  | { view: 'confirm'; question: string; action: string; fields: Record<string, string>; button: string; back: string };

export type AdminPageData = AdminFrame & AdminView;
