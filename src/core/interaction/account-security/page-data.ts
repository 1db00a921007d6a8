import type { Message } from '../../message.js';
/**
 * The "Security" page of /account: password, sessions, two-step verification, account deletion.
 * The core fills it in; src/ui/account-security.ts renders it.
 */

/** Where each form of the page posts (below the issuer). */
export const ACCOUNT_SECURITY_PATHS = {
  show: '/account/security',
  changeName: '/account/name',
  changeEmail: '/account/email',
  verifyEmail: '/account/email/verify',
  changePassword: '/account/password',
  endSession: '/account/sessions/end',
  endOtherSessions: '/account/sessions/end-others',
  disableSecondFactor: '/account/second-factor/disable',
  regenerateBackupCodes: '/account/backup-codes',
  downloadBackupCodes: '/account/backup-codes/download',
  deleteAccount: '/account/delete',
  addPasskey: '/account/passkeys/add',
  renamePasskey: '/account/passkeys/rename',
  removePasskey: '/account/passkeys/remove',
} as const;

export type SecuritySection = 'name' | 'password' | 'sessions' | 'second-factor' | 'backup-codes' | 'delete' | 'passkeys';

export interface SessionItem {
  /** The hash the session is stored under (never the cookie): what the "Sign out" form names. */
  id: string;
  current: boolean;
  /** Unix seconds. */
  signedInAt: number;
  lastUntil: number;
  /** How it signed in (RFC 8176 amr values). */
  amr: string[];
  pendingSecondFactor: boolean;
}

export interface EmailSectionData {
  address: string | null;
  verified: boolean;
  /** `change`: a form (current password, new address); `no_mail`: the server cannot send the link; `not_here`: no password of their own here. */
  mode: 'change' | 'no_mail' | 'not_here';
  /** What the last action of this section said (message keys of the `signup` namespace). */
  notice?: Message;
  error?: Message;
}

export interface AccountSecurityPageData {
  username: string;
  csrfToken: string;
  accountHref: string;
  actions: { [K in keyof typeof ACCOUNT_SECURITY_PATHS]: string };
  /** A change just made, said once. */
  notice?: Message;
  /** A refused change: which section, and why. */
  error?: { section: SecuritySection; message: Message };
  /** The name shown to apps (the `name` claim); null when none is set. */
  name: string | null;
  /** The email address, whether it is confirmed, and what can be done with it here. */
  email: EmailSectionData;
  /** Whether the user has a password of their own here (else none is shown to change). */
  ownPassword: boolean;
  sessions: SessionItem[];
  secondFactor: { enabled: boolean; backupCodesLeft: number; requiredByPolicy: boolean };
  /** Present when the operator lets users delete their account. */
  deletion?: { needsPassword: boolean; reauthMinutes: number; recentSignIn: boolean };
  passkeys: {
    list: { id: string; name: string; createdAt: number; lastUsedAt: number | null; synced: boolean }[];
    /** Options for navigator.credentials.create() (JSON), when a passkey can be added now; absent after too long a time since the sign-in. */
    registrationOptions?: string;
    /** How recent a sign-in must be to add a passkey. */
    reauthMinutes: number;
    /** Whether the last one may be removed (not when it is the only way this user signs in). */
    canRemoveLast: boolean;
  };
  /** New backup codes, shown once (the page then shows only them, with download and copy). */
  newBackupCodes?: string[];
}
