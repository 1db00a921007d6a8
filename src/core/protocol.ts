import type { Params } from './params.js';
import type { Message, Said } from './message.js';
import type { AdminPageData } from './admin-console/page-data.js';
import type { AccountSecurityPageData } from './interaction/account-security/page-data.js';
import type { ConfirmEmailPageData, EmailUnverifiedPageData, SignupNoticePageData, SignupPageData } from './interaction/signup/page-data.js';

/** A request as the core sees it: no framework objects, only what the protocol needs. */
export interface ProtocolRequest {
  method: string;
  query: Params;
  /** Form parameters, when the body was application/x-www-form-urlencoded. */
  form?: Params;
  /** The parsed body, when it was application/json. */
  json?: unknown;
  /** The Content-Type's media type, lower case, without parameters. */
  contentType?: string;
  /** Header values by lower-case name. */
  headers: Record<string, string | undefined>;
  cookies: Record<string, string>;
  ip: string;
  /** The query string as sent (without `?`): an upstream provider's callback is checked as a whole. */
  rawQuery?: string;
}

export interface CookieToSet {
  name: string;
  /** undefined clears the cookie. */
  value: string | undefined;
  maxAge?: number;
}

export type PageName = 'login' | 'consent' | 'error' | 'account' | 'logout' | 'message' | 'device' | 'console' | 'second-factor' | 'link-account' | 'admin' | 'home' | 'account-security' | 'forgot-password' | 'reset-password' | 'signup' | 'signup-notice' | 'confirm-email' | 'email-unverified';

/** What the core answers; src/http turns it into HTTP. */
export type ProtocolResponse =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'redirect'; location: string; cookies?: CookieToSet[] }
  /** `uiLocales`: the client's `ui_locales` of the authorization request the page belongs to (OIDC Core §3.1.2.1), when there is one. */
  | { kind: 'page'; status: number; page: PageName; data: PageData; cookies?: CookieToSet[]; headers?: Record<string, string>; uiLocales?: string }
  /** A download (an export): the body as it is, saved under `filename`. */
  | { kind: 'file'; status: number; contentType: string; filename: string; body: string };

export type PageData = LoginPageData | ConsentPageData | ErrorPageData | AccountPageData | LogoutPageData | MessagePageData | DevicePageData | ConsolePageData | SecondFactorPageData | LinkAccountPageData | AdminPageData | HomePageData | AccountSecurityPageData | ForgotPasswordPageData | ResetPasswordPageData | SignupPageData | SignupNoticePageData | ConfirmEmailPageData | EmailUnverifiedPageData;

/** The second step of a sign-in: a code (`verify`), setting up an authenticator (`enroll`), or the backup codes, shown once (`codes`). */
export interface SecondFactorPageData {
  mode: 'verify' | 'enroll' | 'codes';
  action: string;
  csrfToken: string;
  username: string;
  /** Where the sign-in continues (hidden field). */
  next: string;
  qr?: string;
  secret?: string;
  /** Enrollment is required to continue (not the user's own choice on the account page). */
  required?: boolean;
  backupCodes?: string[];
  /** Where the backup codes can be posted back for a text file, with that form's token. */
  download?: { action: string; csrfToken: string };
  continueHref?: string;
  error?: Message;
  /** Verify with a passkey instead of a code. */
  passkey?: PasskeyPrompt;
  /** Only a passkey will do (the client requires phishing-resistant sign-ins), or the user has no code factor. */
  passkeyOnly?: boolean;
}

/** What a developer typed into the console's registration form, shown again when it was refused. */
export interface ConsoleAppForm {
  name: string;
  type: string;
  redirectUris: string;
  logoUri: string;
  description: string;
}

/** One of the developer console's pages: the developer's apps and the form to register one, or one app. */
export type ConsolePageData = {
  username: string;
  csrfToken: string;
  consoleHref: string;
  error?: Said;
  notice?: Message;
} & (
  | {
      view: 'list';
      createAction: string;
      apps: { name: string; clientId: string; typeLabel: Message; href: string }[];
      types: { value: string; label: Message }[];
      scopes: { name: string; description: string; checked: boolean }[];
      /** The scopes a service may hold (clients/service-scopes.ts); a new service with none checked gets them all. */
      serviceScopes: string[];
      form: ConsoleAppForm;
    }
  | {
      view: 'app';
      app: {
        name: string;
        clientId: string;
        typeLabel: Message;
        description: string;
        logoUri: string;
        redirectUris: string[];
        scopes: string[];
        createdAt: string;
        confidential: boolean;
        usesRedirects: boolean;
        /** Why a service holds no scope, and what to do about it. */
        noScopes?: Message;
      };
      /** The client secret, shown once: right after registration or rotation. */
      secret?: string;
      actions: { redirectUris: string; rotateSecret: string; delete: string };
    }
);

/** The device verification page: first the code, then the app and its scopes to approve or deny. */
export interface DevicePageData {
  step: 'code' | 'confirm';
  action: string;
  csrfToken: string;
  username: string;
  userCode: string;
  clientName?: string;
  scopes?: { name: string; description: string; api?: string }[];
  /** Names the request shown, so the answer applies to it and not to a code entered meanwhile in another window. */
  requestRef?: string;
  error?: Message;
}

export interface LoginPageData {
  action: string;
  csrfToken: string;
  /** More hidden fields of the form. */
  hidden?: Record<string, string>;
  /** The app signed in to; absent for the server's own pages (the page names the brand). */
  clientName?: string;
  username: string;
  error?: Message;
  /** Upstream providers offered as "Continue with <name>" links. */
  providers?: { name: string; href: string }[];
  /** Some provider claims email domains: an address alone (no password) continues there. */
  homeRealm?: boolean;
  /** "Forgot password?", offered only when the server can send email. */
  forgotPasswordHref?: string;
  /** "Create an account", offered only when sign-up is on (and mail works). */
  signupHref?: string;
  /** "Sign in with a passkey" (and the username field's passkey autofill). */
  passkey?: PasskeyPrompt;
}

/**
 * A WebAuthn ceremony a page offers: the options for navigator.credentials (JSON, with a challenge
 * kept by the server) and the form the answer is posted with, as the field `credential`.
 */
export interface PasskeyPrompt {
  action: string;
  csrfToken: string;
  /** More hidden fields of the form. */
  hidden: Record<string, string>;
  options: string;
}

/** A first sign-in through an upstream provider whose address belongs to an account here: prove it, or make a new one. */
export interface LinkAccountPageData {
  action: string;
  csrfToken: string;
  hidden: Record<string, string>;
  providerName: string;
  email: string;
  username: string;
  error?: Message;
}

export interface ConsentPageData {
  action: string;
  csrfToken: string;
  clientName: string;
  username: string;
  scopes: { name: string; description: string; api?: string }[];
  /** The app registered itself (RFC 7591): nobody vouched for its name. */
  unverified?: boolean;
  /** The app's logo, only when it may be shown (https; see clients/logo.ts); the page allows images from its origin. */
  logoUri?: string;
  /** What the app is, in its developer's words. */
  description?: string;
  /** Where the browser goes back to: the host of this request's redirect URI. */
  redirectTo: string;
}

export interface ErrorPageData {
  error: string;
  /** A message for the person, or a developer's `error_description` (English) shown as it is. */
  description: Said;
  /** The request's id, which the HTTP shell adds so a person can quote it ("Reference: …"). */
  reference?: string;
}

/** The apps a signed-in user has allowed, each with a form to revoke it. */
export interface AccountPageData {
  username: string;
  csrfToken: string;
  revokeAction: string;
  logoutAction: string;
  apps: { grantId: string; clientName: string; since: string; scopes: { name: string; description: string }[] }[];
  notice?: Message;
  /** How the user signs in: a password here, and each linked provider; each can be unlinked while another remains. */
  signInMethods: { label: Message; unlink?: { provider: string; subject: string } }[];
  unlinkAction: string;
  /** The page to change the password, see sessions, manage two-step verification (and delete the account). */
  securityHref?: string;
  /** The second factor: set up (with backup codes left), or a form to set it up. */
  secondFactor: { enabled: true; backupCodesLeft: number } | { enabled: false; action: string; csrfToken: string };
}

/** Asks the user to confirm signing out; `hidden` carries the validated logout request. */
export interface LogoutPageData {
  action: string;
  csrfToken: string;
  hidden: Record<string, string>;
  clientName?: string;
}

/** The landing page at /: the links a visitor may follow; a console's link only when it is open. */
export interface HomePageData {
  issuer: string;
  accountHref: string;
  discoveryHref: string;
  developerConsoleHref?: string;
  adminConsoleHref?: string;
}

/** Asks for the username or email address of the account whose password is forgotten. */
export interface ForgotPasswordPageData {
  action: string;
  csrfToken: string;
  login: string;
  signInHref: string;
  error?: Message;
}

/** The form a reset link opens: a new password, twice. */
export interface ResetPasswordPageData {
  action: string;
  csrfToken: string;
  /** The link's token, carried to the POST that uses it. */
  token: string;
  username: string;
  minLength: number;
  error?: Message;
}

export interface MessagePageData {
  title: Message;
  message: Message;
  /** A way on that the user may choose to follow (never followed for them). */
  link?: { href: string; label: Message };
}

export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

export function json(status: number, body: unknown, headers?: Record<string, string>): ProtocolResponse {
  return headers ? { kind: 'json', status, body, headers } : { kind: 'json', status, body };
}

export function page(status: number, name: PageName, data: PageData, cookies?: CookieToSet[]): ProtocolResponse {
  return cookies && cookies.length > 0 ? { kind: 'page', status, page: name, data, cookies } : { kind: 'page', status, page: name, data };
}

/** A page that asks the browser to come back later (429 or 503), saying when in Retry-After. */
export function retryLater(answer: ProtocolResponse, status: 429 | 503, seconds: number): ProtocolResponse {
  return answer.kind === 'page' ? { ...answer, status, headers: { 'Retry-After': String(seconds) } } : answer;
}

export function errorPage(status: number, error: string, description: Said): ProtocolResponse {
  return { kind: 'page', status, page: 'error', data: { error, description } };
}
