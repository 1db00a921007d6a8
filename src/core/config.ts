import { OIDC_SCOPES, OPERATOR_SCOPES, STANDARD_SCOPE_DESCRIPTIONS, isValidScopeToken } from './scopes.js';
import { RETIREMENT_SLACK } from './keys/rotation.js';
import type { AddressPolicy, FailurePolicy } from './limits.js';
import type { RiskFactor } from './accounts/risk.js';
import { isLoopbackHost } from './hosts.js';
import type { SignupPolicy } from './accounts/signup-policy.js';
import { LIFETIMES, lifetimeProblem, type LifetimeName } from './lifetime-rules.js';
import { ACCESS_TOKEN_ALGS, ID_TOKEN_ALGS, type AccessTokenAlg, type IdTokenAlg } from './clients/client.js';

/** Everything the protocol engine needs to know about how this server is set up. */
export interface Config {
  /** The issuer identifier (RFC 8414 §2): https URL, no query or fragment. */
  issuer: string;
  /**
   * Lifetimes, in seconds (bounds in lifetime-rules.ts). A client may override the token lifetimes
   * (src/core/tokens/lifetimes.ts resolves which one applies).
   */
  ttl: {
    accessToken: number;
    idToken: number;
    /** Authorization codes live at most 60 s (DESIGN.md §6). */
    authorizationCode: number;
    /** A refresh token not used for this long expires (each rotation starts it again). */
    refreshToken: number;
    /** A lineage of refresh tokens ends this long after it began, however often it was rotated. */
    refreshTokenAbsolute: number;
    /** A login or consent in progress. */
    interaction: number;
    /** The single sign-on session ends when it was not used for this long. */
    session: number;
    /** ...and at the latest this long after the sign-in, however often it was used. */
    sessionAbsolute: number;
    /** A device authorization request waiting for the user (RFC 8628). */
    deviceCode: number;
  } & Record<LifetimeName, number>;
  /** RFC 7591 registration without an initial access token. Off unless an operator turns it on. */
  openRegistration: boolean;
  /**
   * Who may register apps in the developer console: `'all'` (every user with an account) or these
   * usernames (case-insensitive). Empty, the default, turns the console off.
   */
  consoleUsers: 'all' | string[];
  /**
   * The global role whose holders (directly or through a group) may use the admin console at
   * /admin, after a second factor. Default `tessera-admin`; nobody holds it until an operator grants it.
   */
  adminRole: string;
  /**
   * Scopes a client registered without an operator (dynamic registration, developer console) may
   * hold. Anything wider, such as an API's scopes for client credentials, needs an operator.
   */
  selfServiceScopes: string[];
  /** Failed sign-ins (login page and password grant) before a temporary lock; `delayMs` is the first
   *  pause after a failure, doubled with each further one (at most 4 s) to slow guessing down. */
  signInLimits: FailurePolicy & { delayMs: number };
  /** Failed client authentications (token, revocation, introspection, device endpoints) and bad
   *  bearer tokens at /register per client and address, and per address, before 429 answers. */
  clientAuthLimits: AddressPolicy;
  /** Seconds audit events are kept. */
  auditRetention: number;
  /** Whether users may delete their own account on /account (off unless an operator allows it). */
  allowAccountDeletion: boolean;
  /** Who may make an account on /signup (off by default; it needs mail, see core/accounts/signup-policy.ts). */
  signup: SignupPolicy;
  /** A local account whose address is not verified cannot finish signing in (off by default). */
  requireVerifiedEmail: boolean;
  /**
   * When the second factor is asked: `enrolled` — every sign-in of a user who set one up (the
   * default); `risk` — such users only when the sign-in's risk score reaches `riskThreshold`;
   * `required` — every user, who must set one up at their next sign-in. Clients can require it too.
   */
  mfa: { policy: 'enrolled' | 'risk' | 'required'; riskThreshold: number; riskWeights: Record<RiskFactor, number> };
  /** Seconds a device must wait between polls at first (RFC 8628 §3.2). */
  devicePollInterval: number;
  /** `aud` of access tokens when the request names no resource. */
  accessTokenAudience: string;
  /** Algorithm that signs access tokens (RFC 9068), unless the client asks for another. */
  accessTokenAlg: AccessTokenAlg;
  /** Default algorithm of ID tokens; OpenID Connect expects RS256 to be available. */
  idTokenAlg: IdTokenAlg;
  /** What the consent page says for each scope; unknown scopes are shown by name. */
  scopeDescriptions: Record<string, string>;
  /** Cookies get `Secure` when the issuer is https. */
  secureCookies: boolean;
  /** Background work, in seconds. */
  intervals: {
    /** Removing expired records and pruning retired keys. */
    cleanup: number;
    /** Picking up signing keys rotated by the CLI or another node. */
    keyReload: number;
  };
}

export interface ConfigInput {
  issuer: string;
  ttl?: Partial<Config['ttl']>;
  accessTokenAudience?: string;
  accessTokenAlg?: Config['accessTokenAlg'];
  idTokenAlg?: Config['idTokenAlg'];
  scopeDescriptions?: Record<string, string>;
  intervals?: Partial<Config['intervals']>;
  devicePollInterval?: number;
  openRegistration?: boolean;
  consoleUsers?: 'all' | string[];
  adminRole?: string;
  selfServiceScopes?: string[];
  signInLimits?: Partial<Config['signInLimits']>;
  clientAuthLimits?: Partial<AddressPolicy>;
  auditRetention?: number;
  allowAccountDeletion?: boolean;
  signup?: SignupPolicy;
  requireVerifiedEmail?: boolean;
  mfa?: Partial<Omit<Config['mfa'], 'riskWeights'>> & { riskWeights?: Partial<Record<RiskFactor, number>> };
}

export const DEFAULT_MFA: Config['mfa'] = {
  policy: 'enrolled',
  riskThreshold: 2,
  riskWeights: { new_device: 2, new_ip: 1, unusual_hour: 1, recent_failures: 2 },
};

export const DEFAULT_SIGN_IN_LIMITS: Config['signInLimits'] = { perPair: 5, perSubject: 20, perIp: 50, windowSeconds: 900, lockSeconds: 900, delayMs: 250 };
export const DEFAULT_CLIENT_AUTH_LIMITS: AddressPolicy = { perPair: 10, perIp: 50, windowSeconds: 900, lockSeconds: 900 };
export const DEFAULT_ADMIN_ROLE = 'tessera-admin';
export const DEFAULT_AUDIT_RETENTION = 90 * 24 * 3600;

export const DEFAULT_TTL: Config['ttl'] = {
  accessToken: 900,
  idToken: 3600,
  authorizationCode: 60,
  refreshToken: 30 * 24 * 3600,
  refreshTokenAbsolute: 365 * 24 * 3600,
  interaction: 900,
  // Idle as long as absolute: a session lasts a day from the sign-in, used or not, unless the operator sets a shorter idle time.
  session: 24 * 3600,
  sessionAbsolute: 24 * 3600,
  deviceCode: 600,
};

export const DEFAULT_INTERVALS: Config['intervals'] = { cleanup: 300, keyReload: 5 };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Builds a complete config from input, with documented defaults; wrong values fail with a clear message. */
export function makeConfig(input: ConfigInput): Config {
  const issuer = validateIssuer(input.issuer);
  const ttl = { ...DEFAULT_TTL, ...input.ttl };
  for (const name of Object.keys(LIFETIMES) as LifetimeName[]) {
    const problem = lifetimeProblem(name, ttl[name]);
    if (problem) throw new ConfigError(`ttl.${name}: ${problem}`);
  }
  const accessTokenAlg = input.accessTokenAlg ?? 'ES256';
  if (!ACCESS_TOKEN_ALGS.includes(accessTokenAlg)) throw new ConfigError(`accessTokenAlg must be one of ${ACCESS_TOKEN_ALGS.join(', ')}`);
  const idTokenAlg = input.idTokenAlg ?? 'RS256';
  if (!ID_TOKEN_ALGS.includes(idTokenAlg)) throw new ConfigError(`idTokenAlg must be one of ${ID_TOKEN_ALGS.join(', ')}`);
  const intervals = { ...DEFAULT_INTERVALS, ...input.intervals };
  for (const [name, value] of Object.entries(intervals)) {
    if (typeof value !== 'number' || !(value > 0)) throw new ConfigError(`intervals.${name} must be a positive number of seconds`);
  }
  if (intervals.keyReload > RETIREMENT_SLACK) throw new ConfigError(`intervals.keyReload must be at most ${RETIREMENT_SLACK} seconds`);
  const signInLimits = { ...DEFAULT_SIGN_IN_LIMITS, ...scaledFromPair(input.signInLimits, 4, 10), ...input.signInLimits };
  const pairOnly = input.clientAuthLimits?.perPair;
  const clientAuthLimits = { ...DEFAULT_CLIENT_AUTH_LIMITS, ...(pairOnly === undefined ? {} : { perIp: pairOnly * 5 }), ...input.clientAuthLimits };
  for (const [name, limits] of [['signInLimits', signInLimits], ['clientAuthLimits', clientAuthLimits]] as const) {
    for (const [field, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < (field === 'delayMs' ? 0 : 1)) throw new ConfigError(`${name}.${field} must be a positive whole number`);
    }
    // The pair limit must trip first, or one address could lock a subject out for everyone.
    if (('perSubject' in limits && limits.perSubject < limits.perPair) || limits.perIp < limits.perPair) throw new ConfigError(`${name}: perSubject and perIp must be at least perPair`);
  }
  const auditRetention = input.auditRetention ?? DEFAULT_AUDIT_RETENTION;
  if (!Number.isInteger(auditRetention) || auditRetention <= 0) throw new ConfigError('auditRetention must be a positive whole number of seconds');
  const adminRole = (input.adminRole ?? DEFAULT_ADMIN_ROLE).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,63}$/.test(adminRole)) throw new ConfigError(`adminRole '${input.adminRole}' is not a role name`);
  for (const s of input.selfServiceScopes ?? []) {
    if (!isValidScopeToken(s)) throw new ConfigError(`selfServiceScopes: '${s}' is not a valid scope`);
    if (OPERATOR_SCOPES.has(s)) throw new ConfigError(`selfServiceScopes: '${s}' acts on the server itself; only an operator can give it to a client`);
  }
  return {
    issuer,
    ttl,
    accessTokenAudience: input.accessTokenAudience ?? issuer,
    accessTokenAlg,
    idTokenAlg,
    scopeDescriptions: { ...STANDARD_SCOPE_DESCRIPTIONS, ...input.scopeDescriptions },
    secureCookies: issuer.startsWith('https:'),
    devicePollInterval: input.devicePollInterval ?? 5,
    openRegistration: input.openRegistration ?? false,
    consoleUsers: consoleUsers(input.consoleUsers),
    adminRole,
    signInLimits,
    clientAuthLimits,
    auditRetention,
    allowAccountDeletion: input.allowAccountDeletion === true,
    signup: input.signup ?? { mode: 'off' },
    requireVerifiedEmail: input.requireVerifiedEmail === true,
    mfa: mfaConfig(input.mfa),
    selfServiceScopes: [...(input.selfServiceScopes ?? OIDC_SCOPES)],
    intervals,
  };
}

/** When only the pair limit is given, the subject and IP limits keep their proportion to it. */
function scaledFromPair(input: Partial<FailurePolicy> | undefined, subjectFactor: number, ipFactor: number): Partial<FailurePolicy> {
  const pair = input?.perPair;
  return pair === undefined ? {} : { perSubject: pair * subjectFactor, perIp: pair * ipFactor };
}

function mfaConfig(input: ConfigInput['mfa']): Config['mfa'] {
  const mfa = { ...DEFAULT_MFA, ...input, riskWeights: { ...DEFAULT_MFA.riskWeights, ...input?.riskWeights } };
  if (!['enrolled', 'risk', 'required'].includes(mfa.policy)) throw new ConfigError("mfa.policy must be 'enrolled', 'risk' or 'required'");
  for (const [name, value] of Object.entries({ riskThreshold: mfa.riskThreshold, ...mfa.riskWeights })) {
    if (!Number.isInteger(value) || value < 0) throw new ConfigError(`mfa: ${name} must be a whole number, 0 or more`);
  }
  return mfa;
}

function consoleUsers(value: 'all' | string[] | undefined): 'all' | string[] {
  if (value === undefined) return [];
  if (value === 'all') return 'all';
  if (!Array.isArray(value) || value.some((u) => typeof u !== 'string' || u.trim() === '')) throw new ConfigError("consoleUsers must be 'all' or a list of usernames");
  return value.map((u) => u.trim().toLowerCase());
}

/** Parses the console users setting as operators write it: `all`, or usernames separated by commas. */
export function parseConsoleUsers(text: string | undefined): 'all' | string[] {
  if (text === undefined || text.trim() === '') return [];
  if (text.trim() === 'all') return 'all';
  return text.split(',').map((u) => u.trim()).filter((u) => u !== '');
}

function validateIssuer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`issuer '${raw}' is not a URL`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(`issuer must use https (http is allowed only for localhost): '${raw}'`);
  }
  if (url.search || url.hash) throw new ConfigError('issuer must not have a query or fragment');
  // RFC 8414 §3: the metadata URL is built by appending to the issuer; keep no trailing slash.
  return url.href.replace(/\/$/, '');
}
