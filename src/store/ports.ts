/**
 * Store ports: one small interface per concern. Every backend implements these and passes the
 * contract suite in test/store/contract.ts. Codes, tokens, sessions and secrets appear here only
 * as hashes, so a leaked database yields no usable credential.
 */
import type { Client, ClientMetadata, ClientState } from '../core/clients/client.js';
import type { AuditEvent } from '../core/audit.js';

export type { Client, ClientMetadata, ClientState };

export interface ClientStore {
  find(clientId: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
  /** The clients a user registered in the developer console, oldest first. */
  listByOwner(ownerId: string): Promise<Client[]>;
  create(client: Client): Promise<void>;
  /**
   * Creates a client of `ownerId` unless that owner already holds `max`; false then. Atomic: however
   * many creations of one owner run at once, the owner ends with at most `max` clients.
   */
  createOwned(client: Client & { ownerId: string }, max: number): Promise<boolean>;
  /** The client as stored now, never from a cache: what a change is computed from. */
  findFresh(clientId: string): Promise<Client | undefined>;
  /**
   * Writes a client's registration metadata, only if its version is still `expectedVersion` (then
   * it grows by one). Never touches its state (disabled, secret, require-MFA). 'stale' when the
   * client changed since it was read: compute the change again from a fresh read. `state`, when
   * given, is written in the same conditional write (an operator's change of metadata and state
   * made all at once at one version, or not at all).
   */
  updateMetadata(clientId: string, metadata: ClientMetadata, expectedVersion: number, now: number, state?: ClientState): Promise<'ok' | 'stale' | 'missing'>;
  /** Sets only the given state fields (and grows the version, so metadata changes computed before it are recomputed). */
  setState(clientId: string, state: ClientState, now: number): Promise<boolean>;
  delete(clientId: string): Promise<boolean>;
  /** Whether any client is allowed this grant type (discovery advertises opt-in grants only then). */
  anyWithGrant(grantType: string): Promise<boolean>;
}

export interface User {
  /** The stable subject identifier (`sub`). */
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  passwordHash: string;
  disabled: boolean;
  /** Tokens issued at or before this time are void (set when the user is disabled or deleted). */
  tokensRevokedAt: number | null;
  /** The operator's custom attributes (key → value); see core/accounts/attributes.ts for the rules. */
  attributes: Record<string, string>;
  /** When the user last signed in (a right password, or an upstream provider's answer); null if never. */
  lastSignInAt: number | null;
  /**
   * The end of the last sign-in lock the server recorded for this user (the lock itself lives in
   * the limiter, in memory or Redis); null once an operator lifted it.
   */
  lockedUntil: number | null;
  /** When an operator last lifted the user's locks: sign-in counters locked at or before it start afresh. */
  unlockedAt: number | null;
  /** The provisioning client's own id for the user (SCIM `externalId`); null when none was given. */
  externalId: string | null;
  /** Given and family name as a provisioning client sent them (SCIM name.givenName, name.familyName). */
  givenName: string | null;
  familyName: string | null;
  /** The language the user reads (OIDC `locale` claim, one of core/locale.ts): their emails speak it. Absent until chosen. */
  locale?: string;
  createdAt: number;
  updatedAt: number;
}

/** The fields of a user that change after it is created. */
export type UserChanges = Partial<
  Pick<User, 'username' | 'email' | 'emailVerified' | 'name' | 'passwordHash' | 'disabled' | 'tokensRevokedAt' | 'attributes' | 'lockedUntil' | 'unlockedAt' | 'externalId' | 'givenName' | 'familyName'>
> & { locale?: string | null };

export interface UserStore {
  findById(id: string): Promise<User | undefined>;
  /** Usernames are matched case-insensitively. */
  findByUsername(username: string): Promise<User | undefined>;
  /** Users with this email address (case-insensitive): for linking decisions, never to sign anyone in. */
  listByEmail(email: string): Promise<User[]>;
  list(): Promise<User[]>;
  create(user: User): Promise<void>;
  /**
   * Writes only the fields in `changes` (and `updatedAt`), so that concurrent changes to other
   * fields are never lost; false when the user does not exist. With `onlyIf`, writes nothing (false)
   * unless the attributes are still those: a change to some attributes, computed from a read, then
   * never undoes a concurrent change to others.
   */
  update(id: string, changes: UserChanges, now: number, onlyIf?: { attributes: Record<string, string> }): Promise<boolean>;
  /** Records a sign-in (only `lastSignInAt`; not a change of the user, so `updatedAt` stays). */
  recordSignIn(id: string, at: number): Promise<void>;
  /** Records that sign-ins of this user are locked until `until` (only `lockedUntil`). */
  recordLock(id: string, until: number): Promise<void>;
  /** Replaces the password hash only while it is still `expected` (a rehash at sign-in loses to any concurrent change). */
  setPasswordHash(id: string, expected: string, next: string, now: number): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

/** Expired records are removed in batches so that cleanup never holds the database for long. */
export interface Expiring {
  /** Deletes at most `limit` records that expired at or before `now`; returns how many. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/** One email waiting in the outbox, or sent or given up (kept a while for operators, its content erased). */
export interface OutboxMessage {
  id: string;
  recipient: string;
  /** Which template made it (`password-reset`): for logs and operators, never its content. */
  template: string;
  /** Subject, text and HTML as one value sealed under the pepper ('' once sent or given up): a reset link in it is a credential. */
  content: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  /** Unix seconds: not sent before then (the backoff after a failed attempt). */
  nextAttemptAt: number;
  /** The node that holds it now, and until when (a node that dies mid-send lets it go when the claim lapses). */
  claimedBy: string | null;
  claimedUntil: number | null;
  lastError: string | null;
  createdAt: number;
  /** When it was sent or given up; null while pending. */
  settledAt: number | null;
}

/**
 * The durable outbox: mail is written here by the request that wants it sent, and sent by a loop
 * on every node. A claim is one conditional write, so in a cluster each message goes out from one node.
 */
export interface MailOutboxStore {
  enqueue(message: Omit<OutboxMessage, 'status' | 'attempts' | 'claimedBy' | 'claimedUntil' | 'lastError' | 'settledAt'>): Promise<void>;
  /**
   * Claims up to `limit` pending messages due at `now` that no node holds (or whose claim lapsed),
   * for `owner` until `until`, counting the attempt; atomic, so two nodes never get the same message.
   */
  claimDue(owner: string, now: number, until: number, limit: number): Promise<OutboxMessage[]>;
  /** Sent: its content is erased. False when `owner` no longer holds the claim. */
  markSent(id: string, owner: string, now: number): Promise<boolean>;
  /** A failed attempt: try again from `nextAttemptAt`. */
  markRetry(id: string, owner: string, nextAttemptAt: number, error: string): Promise<boolean>;
  /** Given up: its content is erased. */
  markFailed(id: string, owner: string, now: number, error: string): Promise<boolean>;
  find(id: string): Promise<OutboxMessage | undefined>;
  /** Deletes at most `limit` messages sent or given up at or before `before`. */
  deleteSettled(before: number, limit: number): Promise<number>;
}

/** A single-use token sent by email (a password reset or email verification link); stored only as its hash. */
export interface AccountTokenRecord {
  tokenHash: string;
  purpose: 'password_reset' | 'email_verification';
  userId: string;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  /** The address a verification link proves: the account's own, or the new one of an email change. */
  email?: string;
  /** The authorization request a sign-up came from, to return to after verifying. */
  interactionId?: string;
}

export interface AccountTokenStore extends Expiring {
  create(record: AccountTokenRecord): Promise<void>;
  /** Unused and unexpired (at `now`), for `purpose`: without consuming it (to show the form). */
  findUsable(tokenHash: string, purpose: AccountTokenRecord['purpose'], now: number): Promise<AccountTokenRecord | undefined>;
  /** Marks it used, atomically: of concurrent calls exactly one gets the record; undefined when used, expired or unknown. */
  consume(tokenHash: string, purpose: AccountTokenRecord['purpose'], now: number): Promise<AccountTokenRecord | undefined>;
  /** Marks every unused token of the user for `purpose` used (the others sent before the one that was used); returns how many. */
  consumeAllOf(userId: string, purpose: AccountTokenRecord['purpose'], now: number): Promise<number>;
}

/** An invitation to sign up (--signup invite), for one address; stored only as its hash. */
export interface InvitationRecord {
  tokenHash: string;
  email: string;
  /** Who invited (the audit actor: `cli`, `client:<id>`, `user:<sub>`). */
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

/** Sign-up's records: invitations, and which account signed up with which address. */
export interface SignupStore extends Expiring {
  createInvitation(record: InvitationRecord): Promise<void>;
  /** Unused and unexpired at `now`, without using it (to show the form). */
  findInvitation(tokenHash: string, now: number): Promise<InvitationRecord | undefined>;
  /** Marks it used, atomically: of concurrent calls exactly one gets the record. */
  consumeInvitation(tokenHash: string, now: number): Promise<InvitationRecord | undefined>;
  /** Records that `userId` signed up with the address `emailKey` (lower case); false when another account holds it (the primary key decides). */
  claimAddress(emailKey: string, userId: string, now: number): Promise<boolean>;
  /** The account that holds `emailKey`, if any, and when it claimed (or took over) the address. */
  addressHolder(emailKey: string): Promise<{ userId: string; claimedAt: number } | undefined>;
  /** Moves the address from `fromUserId` (an account deleted, or now at another address) to `toUserId`; false when it moved meanwhile. */
  takeOverAddress(emailKey: string, fromUserId: string, toUserId: string, now: number): Promise<boolean>;
  /** Lets go of the address, if `userId` holds it (a sign-up that did not finish). */
  releaseAddress(emailKey: string, userId: string): Promise<void>;
}

/** An authorization code, bound to everything the token request must repeat (DESIGN.md §6). */
export interface CodeRecord {
  codeHash: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  /** RFC 6749 §4.1.3: redirect_uri is required at /token only if it was in the authorization request. */
  redirectUriInRequest: boolean;
  codeChallenge: string;
  scopes: string[];
  nonce: string | null;
  authTime: number;
  /** How the user authenticated (RFC 8176 values), for the ID token's `amr`. */
  amr: string[];
  grantId: string;
  /** The token family that redeeming this code starts; replay revokes it. */
  familyId: string;
  /** The APIs (RFC 8707 resources) granted; each access token is for one of them. None: Tessera itself. */
  resources: string[];
  createdAt: number;
  expiresAt: number;
}

export type ConsumeResult =
  | { status: 'ok'; record: CodeRecord }
  | { status: 'consumed'; record: CodeRecord }
  | { status: 'unknown' };

export interface CodeStore extends Expiring {
  save(record: CodeRecord): Promise<void>;
  /** The code's record, used or not, without changing it: its binding is checked before it is consumed. */
  find(codeHash: string): Promise<CodeRecord | undefined>;
  /** Marks the code used, atomically: of concurrent calls exactly one gets 'ok'. */
  consume(codeHash: string, now: number): Promise<ConsumeResult>;
}

export interface RefreshRecord {
  tokenHash: string;
  familyId: string;
  grantId: string | null;
  clientId: string;
  userId: string;
  scopes: string[];
  authTime: number;
  amr: string[];
  /** The APIs (RFC 8707 resources) the lineage was granted for; each access token is for one of them. */
  resources: string[];
  createdAt: number;
  /** When this token expires: its idle lifetime from `createdAt`, but never past `absoluteExpiresAt`. */
  expiresAt: number;
  /** When the lineage ends, whatever its rotations; null for lineages begun before such ends were kept. */
  absoluteExpiresAt: number | null;
  rotatedAt: number | null;
  revokedAt: number | null;
}

export type RotateResult = 'ok' | 'reused' | 'revoked' | 'unknown';

/** Whose refresh tokens to revoke: one family (one code's lineage), one grant, one user or one client. */
export type RefreshOwner = { familyId: string } | { grantId: string } | { userId: string } | { clientId: string };

export interface RefreshStore extends Expiring {
  find(tokenHash: string): Promise<RefreshRecord | undefined>;
  save(record: RefreshRecord): Promise<void>;
  /**
   * Replaces `oldHash` by `next` atomically. Only one of concurrent rotations of the same token
   * gets 'ok'; the others see 'reused' (the token was already rotated) and must revoke the family.
   */
  rotate(oldHash: string, next: RefreshRecord, now: number): Promise<RotateResult>;
  /** Marks every live refresh token of the owner revoked; returns how many. */
  revokeWhere(owner: RefreshOwner, now: number): Promise<number>;
}

/** A user-bound access token, remembered so that revoking its family or grant can revoke it too. */
export interface IssuedAccessToken {
  jti: string;
  familyId: string;
  grantId: string | null;
  expiresAt: number;
}

export type AccessTokenOwner = { familyId: string } | { grantId: string };

/**
 * JWT access tokens cannot be recalled, so the server remembers which `jti`s were revoked until
 * they expire (the records of issued and of revoked tokens both go at `exp`).
 */
export interface AccessTokenStore extends Expiring {
  recordIssued(token: IssuedAccessToken): Promise<void>;
  /** Puts every recorded access token of the owner on the revocation list. */
  revokeWhere(owner: AccessTokenOwner): Promise<void>;
  revokeJti(jti: string, expiresAt: number): Promise<void>;
  /** On the revocation list, or recorded under a grant that no longer exists or a family marked revoked. */
  isRevoked(jti: string): Promise<boolean>;
}

/**
 * Families (one code's lineage) that were revoked, remembered until every token that could have been
 * issued in them has expired. Issuance writes its tokens first and looks here afterwards, and
 * revocation marks here first and sweeps afterwards, so of two racing requests at least one sees the
 * other: no token of a revoked family stays active.
 */
export interface RevokedFamilyStore extends Expiring {
  mark(familyId: string, at: number, until: number): Promise<void>;
  isRevoked(familyId: string): Promise<boolean>;
}

/** A user's consent to a client for a set of scopes; everything issued under it carries its id. */
export interface Grant {
  grantId: string;
  userId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  updatedAt: number;
}

export interface GrantStore {
  find(userId: string, clientId: string): Promise<Grant | undefined>;
  findById(grantId: string): Promise<Grant | undefined>;
  listByUser(userId: string): Promise<Grant[]>;
  /** Creates the grant or replaces its scopes, keeping its id. */
  upsert(userId: string, clientId: string, scopes: string[], now: number): Promise<Grant>;
  delete(grantId: string): Promise<boolean>;
  /** Deletes every grant of a user or of a client; returns the ids deleted. */
  deleteWhere(owner: { userId: string } | { clientId: string }): Promise<string[]>;
}

export interface SigningKeyRecord {
  kid: string;
  alg: 'ES256' | 'RS256' | 'PS256';
  /** Private JWK, serialized and sealed under the pepper (src/core/keys/key-ring.ts); the store keeps the string as given. */
  privateJwk: string;
  createdAt: number;
  /** Set when a newer key took over: the key still verifies, it no longer signs. */
  retiredAt: number | null;
}

export interface KeyStore {
  all(): Promise<SigningKeyRecord[]>;
  add(key: SigningKeyRecord): Promise<void>;
  /** Stops a key from signing (it still verifies and stays published); false when unknown or already retired. */
  retire(kid: string, at: number): Promise<boolean>;
  delete(kid: string): Promise<boolean>;
  /** Sets a key's private JWK to `next` only if it still is `expected` (compare-and-set); false otherwise. */
  replacePrivateJwk(kid: string, expected: string, next: string): Promise<boolean>;
}

/** A browser's single sign-on session. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  authTime: number;
  /** How the user authenticated (RFC 8176 values: pwd, otp, mfa). */
  amr: string[];
  /**
   * Set while the password is checked but the second factor is not: `verify` a code, or `enroll`
   * one first. Such a session signs nobody in.
   */
  pendingFactor: 'verify' | 'enroll' | null;
  /**
   * Hash of the device flow user code this browser entered and was shown for confirmation: the
   * approval applies to it alone, never to a code taken from the decision form (RFC 8628 §5.4).
   */
  deviceUserCodeHash: string | null;
  createdAt: number;
  /** The session ends then, unless use extends it (`touch`)... */
  expiresAt: number;
  /** ...never past this. */
  absoluteExpiresAt: number;
}

export interface SessionStore extends Expiring {
  create(session: Omit<SessionRecord, 'deviceUserCodeHash'>): Promise<void>;
  find(idHash: string): Promise<SessionRecord | undefined>;
  /** Marks the second factor done: the session signs its user in from now on. */
  completeFactor(idHash: string, amr: string[], authTime: number, expiresAt: number, absoluteExpiresAt: number): Promise<boolean>;
  /**
   * A signed-in session was used at `now`: it ends at `expiresAt` from now on (the caller keeps that
   * within its absolute end). Only ever later, so concurrent uses cannot shorten it; a session that
   * ended before `now`, or that waits for its second factor, stays as it is.
   */
  touch(idHash: string, now: number, expiresAt: number): Promise<void>;
  /** A signed-in session proved a second factor later (step-up): it remembers the stronger `amr`. */
  stepUp(idHash: string, amr: string[]): Promise<boolean>;
  /** Remembers (or, with null, forgets) the device user code this session is confirming. */
  setDeviceUserCode(idHash: string, userCodeHash: string | null): Promise<void>;
  destroy(idHash: string): Promise<void>;
  destroyForUser(userId: string): Promise<number>;
  /** The user's sessions that have not ended at `now` (signed in or waiting for a second factor), newest first. */
  listByUser(userId: string, now: number): Promise<SessionRecord[]>;
  /** Ends one session of this user; false when it is not theirs or gone already. */
  destroyOfUser(idHash: string, userId: string): Promise<boolean>;
}

/** A login or consent in progress: the validated authorization request, waiting for the user. */
export interface InteractionRecord {
  id: string;
  /** Hash of the cookie that binds the interaction to the browser that started it. */
  browserHash: string;
  csrfToken: string;
  clientId: string;
  /** The validated authorization request, serialized. */
  request: string;
  userId: string | null;
  authTime: number | null;
  amr: string[];
  /** Hash of the SSO session that signed the user in for this request: only that session may consent or get its code. */
  sessionHash: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface InteractionStore extends Expiring {
  create(record: InteractionRecord): Promise<void>;
  find(id: string): Promise<InteractionRecord | undefined>;
  setUser(id: string, userId: string, authTime: number, amr: string[], sessionHash: string): Promise<void>;
  delete(id: string): Promise<void>;
}

/** A device authorization request (RFC 8628) waiting for the user to approve it on another device. */
export interface DeviceCodeRecord {
  deviceCodeHash: string;
  /** Hash of the normalized user code (8 letters, no dash). */
  userCodeHash: string;
  clientId: string;
  scopes: string[];
  /** The APIs (RFC 8707) the device asked for, or the client's default. */
  resources: string[];
  status: 'pending' | 'approved' | 'denied' | 'consumed';
  userId: string | null;
  authTime: number | null;
  amr: string[];
  grantId: string | null;
  /** Seconds the device must wait between polls; raised by 5 on every slow_down (RFC 8628 §3.5). */
  interval: number;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
}

export type DeviceDecision = { status: 'approved'; userId: string; authTime: number; amr: string[]; grantId: string } | { status: 'denied' };

export interface DeviceCodeStore extends Expiring {
  create(record: DeviceCodeRecord): Promise<void>;
  findByUserCode(userCodeHash: string): Promise<DeviceCodeRecord | undefined>;
  /**
   * Records a poll. `tooSoon` when the previous poll was less than `interval` seconds before; then
   * the interval also grows by 5 seconds. Concurrent polls are serialized by the database.
   */
  poll(deviceCodeHash: string, now: number): Promise<{ record: DeviceCodeRecord; tooSoon: boolean } | undefined>;
  /** Approves or denies a pending request; false when it is no longer pending. */
  decide(userCodeHash: string, decision: DeviceDecision): Promise<boolean>;
  /** Turns an approved request into a consumed one, atomically: of concurrent calls exactly one gets true. */
  consume(deviceCodeHash: string): Promise<boolean>;
}

/** An operator's initial access token for dynamic registration (RFC 7591 §3): kept as a hash, limited in time and uses. */
export interface InitialAccessTokenRecord {
  tokenHash: string;
  createdAt: number;
  expiresAt: number | null;
  usesLeft: number | null;
}

export interface InitialAccessTokenStore {
  create(record: InitialAccessTokenRecord): Promise<void>;
  /** Whether the token is known, unexpired and has a use left (it spends nothing). */
  isLive(tokenHash: string, now: number): Promise<boolean>;
  /** Spends one use of a live token, atomically; false when unknown, expired or used up. */
  use(tokenHash: string, now: number): Promise<boolean>;
  /** Every token, live or not, oldest first (hashes only: the tokens themselves are never stored). */
  list(): Promise<InitialAccessTokenRecord[]>;
  /** Removes a token, so it registers nothing more; false when unknown. */
  delete(tokenHash: string): Promise<boolean>;
}

export interface Stores {
  clients: ClientStore;
  users: UserStore;
  codes: CodeStore;
  refreshTokens: RefreshStore;
  accessTokens: AccessTokenStore;
  revokedFamilies: RevokedFamilyStore;
  grants: GrantStore;
  keys: KeyStore;
  sessions: SessionStore;
  interactions: InteractionStore;
  deviceCodes: DeviceCodeStore;
  initialAccessTokens: InitialAccessTokenStore;
  audit: AuditStore;
  mfa: MfaStore;
  settings: SettingStore;
  identityProviders: IdentityProviderStore;
  apis: ApiStore;
  federatedIdentities: FederatedIdentityStore;
  federationStates: FederationStateStore;
  groups: GroupStore;
  roles: RoleStore;
  mailOutbox: MailOutboxStore;
  accountTokens: AccountTokenStore;
  signups: SignupStore;
  passkeys: PasskeyStore;
  /**
   * Tells every process on a shared database that a client or the signing keys changed, so that
   * what they cache is dropped. Absent on the embedded store, where nothing is cached.
   */
  changes?: ChangeFeed;
  /** Counts for metrics, read when they are scraped. */
  stats: StoreStats;
  /** Succeeds when the database answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Cheap counts the metrics read at scrape time (each one query on an indexed or small table). */
export interface StoreStats {
  /** Device authorizations still waiting for their user (not expired at `now`). */
  deviceCodesPending(now: number): Promise<number>;
  /** SSO sessions signed in (second factor done, if one was asked) and not expired at `now`. */
  sessionsActive(now: number): Promise<number>;
  /** The PostgreSQL connection pool of this process; absent on the embedded store. */
  pool?(): { total: number; idle: number; waiting: number };
}

/** An upstream identity provider an operator added: an LDAP directory, an OpenID provider or an OAuth 2.0 provider. */
export interface IdentityProviderRecord {
  id: string;
  /** The operator's name for it (CLI, audit, `idp=` on /authorize); unique. */
  name: string;
  kind: 'ldap' | 'oidc' | 'oauth2';
  /** What users see: "Continue with <displayName>". */
  displayName: string;
  enabled: boolean;
  /** Order among the sources of a username (local users are 0); lower comes first. */
  priority: number;
  /** Email domains this provider claims (home-realm discovery). */
  domains: string[];
  /** The kind's settings as JSON; secrets in it are sealed under the pepper. */
  settings: string;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export type IdentityProviderChanges = Partial<Pick<IdentityProviderRecord, 'displayName' | 'priority' | 'domains' | 'settings'>>;

export interface IdentityProviderStore {
  /** Every provider, in priority order (then by name). */
  list(): Promise<IdentityProviderRecord[]>;
  findByName(name: string): Promise<IdentityProviderRecord | undefined>;
  findById(id: string): Promise<IdentityProviderRecord | undefined>;
  /** False when the name is taken. */
  create(record: IdentityProviderRecord): Promise<boolean>;
  /** Writes `changes` only if the version is still `expectedVersion` ('stale' otherwise). */
  update(id: string, changes: IdentityProviderChanges, expectedVersion: number, now: number): Promise<'ok' | 'stale' | 'missing'>;
  setEnabled(id: string, enabled: boolean, now: number): Promise<boolean>;
  /** Deletes the provider and the links of its users to it (the users themselves stay). */
  delete(id: string): Promise<boolean>;
}

/** A Tessera user as a provider knows them: keyed by (provider, subject), never by email alone. */
export interface FederatedIdentity {
  providerId: string;
  subject: string;
  userId: string;
  /** What the provider said at the last sign-in. */
  username: string | null;
  email: string | null;
  groups: string[];
  createdAt: number;
  lastSignInAt: number;
}

export interface FederatedIdentityStore {
  find(providerId: string, subject: string): Promise<FederatedIdentity | undefined>;
  listByUser(userId: string): Promise<FederatedIdentity[]>;
  /** Links the identity to its user; false when (provider, subject) is linked already (to anyone). */
  link(identity: FederatedIdentity): Promise<boolean>;
  /** Records a sign-in with what the provider says about the user now. */
  touch(providerId: string, subject: string, seen: { username: string | null; email: string | null; groups: string[] }, at: number): Promise<void>;
  /** Removes a link of this user; false when there was none. */
  unlink(providerId: string, subject: string, userId: string): Promise<boolean>;
  /**
   * Removes a link of this user only if at least `keep` other links remain, atomically (one user's
   * concurrent unlinks take turns), so the last way to sign in is never removed.
   */
  unlinkKeeping(providerId: string, subject: string, userId: string, keep: number): Promise<boolean>;
}

/** A sign-in at an upstream provider in progress (state, nonce, PKCE verifier), bound to one browser. */
export interface FederationStateRecord {
  stateHash: string;
  providerId: string;
  browserHash: string;
  nonce: string;
  /** The PKCE code verifier, sealed: it is a secret until the code is redeemed. */
  verifierSealed: string;
  /** Where the sign-in continues afterwards (an interaction, or one of Tessera's pages). */
  next: string;
  createdAt: number;
  expiresAt: number;
}

export interface FederationStateStore extends Expiring {
  create(record: FederationStateRecord): Promise<void>;
  /** Takes the record out, atomically: of concurrent callbacks with one state, one gets it. */
  consume(stateHash: string, now: number): Promise<FederationStateRecord | undefined>;
}

/** An API (resource server, RFC 8707): what access tokens for it say in `aud`, and the scopes it defines. */
export interface ApiRecord {
  id: string;
  /** An absolute URI without fragment (RFC 8707 §2): the `resource` clients ask for, and the tokens' `aud`. */
  identifier: string;
  name: string;
  scopes: { name: string; description: string }[];
  /** Overrides of the server's access token lifetime (seconds) and algorithm for this API. */
  accessTokenTtl: number | null;
  accessTokenAlg: 'ES256' | 'RS256' | null;
  /** Role-based access control: a client gets an API scope only if the user holds it through a role. */
  rbac: boolean;
  /** Clients that may introspect tokens for this API (RFC 7662), besides the client each was issued to. */
  introspectionClients: string[];
  createdAt: number;
  updatedAt: number;
  version: number;
}

export type ApiChanges = Partial<Pick<ApiRecord, 'name' | 'scopes' | 'accessTokenTtl' | 'accessTokenAlg' | 'rbac' | 'introspectionClients'>>;

export interface ApiStore {
  list(): Promise<ApiRecord[]>;
  findByIdentifier(identifier: string): Promise<ApiRecord | undefined>;
  findById(id: string): Promise<ApiRecord | undefined>;
  /** False when the identifier is taken. */
  create(api: ApiRecord): Promise<boolean>;
  /** Writes `changes` only over `expectedVersion` ('stale' when the API changed since it was read). */
  update(id: string, changes: ApiChanges, expectedVersion: number, now: number): Promise<'ok' | 'stale' | 'missing'>;
  delete(id: string): Promise<boolean>;
}

/** A group at an upstream provider whose members are members of a Tessera group while the provider says so. */
export interface GroupMapping {
  providerId: string;
  /** The group's name as the provider sends it (LDAP group DN or cn, an OIDC `groups` value). */
  group: string;
}

/** A group of users: roles granted to it are held by its members. */
export interface GroupRecord {
  id: string;
  /** Unique, compared case-insensitively; the value of the `groups` claim. */
  name: string;
  description: string;
  mappings: GroupMapping[];
  /** The provisioning client's own id for the group (SCIM `externalId`); null when none was given. */
  externalId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A new name must be free (case-insensitively): update then answers false, as for an unknown group. */
export type GroupChanges = Partial<Pick<GroupRecord, 'name' | 'description' | 'mappings' | 'externalId'>>;

export interface GroupStore {
  list(): Promise<GroupRecord[]>;
  findByName(name: string): Promise<GroupRecord | undefined>;
  findById(id: string): Promise<GroupRecord | undefined>;
  /** False when the name is taken. */
  create(group: GroupRecord): Promise<boolean>;
  /** False when the group is gone, or a new name is taken. */
  update(id: string, changes: GroupChanges, now: number): Promise<boolean>;
  /** Deletes the group, its memberships and the roles granted to it. */
  delete(id: string): Promise<boolean>;
  /** False when the user was a member already (or the group or user is gone). */
  addMember(groupId: string, userId: string, now: number): Promise<boolean>;
  removeMember(groupId: string, userId: string): Promise<boolean>;
  /** Ids of the members added here (not those a provider's groups make members). */
  listMembers(groupId: string): Promise<string[]>;
  /** The groups the user was added to here. */
  listByMember(userId: string): Promise<GroupRecord[]>;
  /** The groups that map at least one provider group. */
  listMapped(): Promise<GroupRecord[]>;
}

/** A role: a name an API authorizes by, and the API scopes it lets its holders grant to apps. */
export interface RoleRecord {
  id: string;
  /** The API it belongs to; null for a global role (valid for every API). */
  apiId: string | null;
  name: string;
  description: string;
  scopes: string[];
  createdAt: number;
  updatedAt: number;
}

export type RoleChanges = Partial<Pick<RoleRecord, 'description' | 'scopes'>>;

/** Who a role is granted to: a user directly, or a group (its members). */
export type RoleHolder = { kind: 'user'; id: string } | { kind: 'group'; id: string };

export interface RoleStore {
  /** Roles of one API (apiId), the global ones (null), or all (undefined); by name. */
  list(apiId?: string | null): Promise<RoleRecord[]>;
  find(apiId: string | null, name: string): Promise<RoleRecord | undefined>;
  /** False when the API (or the global roles) has a role of that name already. */
  create(role: RoleRecord): Promise<boolean>;
  update(id: string, changes: RoleChanges, now: number): Promise<boolean>;
  /** Deletes the role and every grant of it. */
  delete(id: string): Promise<boolean>;
  /** False when the holder had it already (or the role or holder is gone). */
  grant(roleId: string, holder: RoleHolder, now: number): Promise<boolean>;
  revoke(roleId: string, holder: RoleHolder): Promise<boolean>;
  holders(roleId: string): Promise<RoleHolder[]>;
  /** The roles of API `apiId` and the global roles held by the user, directly or through one of `groupIds`. */
  heldBy(userId: string, groupIds: readonly string[], apiId: string): Promise<RoleRecord[]>;
  /** Every role the user holds directly or through `groupIds`, of any API. */
  allHeldBy(userId: string, groupIds: readonly string[]): Promise<RoleRecord[]>;
}

/** Values every process using the store must agree on. */
export interface SettingStore {
  /** The stored value of `name`; when there is none, `value` is stored and returned (the first writer wins). */
  getOrSet(name: string, value: string): Promise<string>;
  /** The stored value of `name`, if any. */
  get(name: string): Promise<string | undefined>;
  /** Stores `value` for `name`, replacing any earlier one. */
  set(name: string, value: string): Promise<void>;
}

/** A change to something a node may cache. */
export type StoreChange = { kind: 'client'; clientId: string } | { kind: 'keys' } | { kind: 'identity_providers' } | { kind: 'apis' };

export interface ChangeFeed {
  /** Announces a change to every subscriber of every process, this one included. */
  publish(change: StoreChange): Promise<void>;
  /** `'reset'` means changes may have been missed (the feed was down): drop everything cached. */
  subscribe(listener: (change: StoreChange | 'reset') => void): void;
  /** Whether changes are being received now. A cache must not answer while this is false. */
  readonly live: boolean;
  /** For feeds that learn of other processes' changes by looking (SQLite): look now. Caches call it before answering. */
  refresh?(): void;
  close(): Promise<void>;
}

/** What to look for in the audit log; newest first, at most `limit`. */
export interface AuditQuery {
  since?: number;
  type?: string;
  /** A user id or a username. */
  user?: string;
  clientId?: string;
  /** Only events older than this id (paging). */
  beforeId?: number;
  limit: number;
}

/** An audit record as read back: `count` identical events, `at` the time of the first. */
export type StoredAuditEvent = AuditEvent & { id: number; count: number };

/**
 * The append-only audit log. Failures identical in every field but the time, from one address and
 * within one window (a minute), are kept as one record with a count, added to atomically however
 * many processes append. `deleteExpired(cutoff)` drops events recorded at or before the cutoff (retention).
 */
export interface AuditStore extends Expiring {
  append(event: AuditEvent): Promise<void>;
  list(query: AuditQuery): Promise<StoredAuditEvent[]>;
  /**
   * How many events of each of `types` happened at or after `since` (and before `until`), counting
   * each aggregated record as the `count` events it stands for; types without events are absent.
   */
  countByType(filter: { since: number; until?: number; types: readonly string[] }): Promise<Record<string, number>>;
}

/** A user's TOTP second factor (RFC 6238): the secret sealed with the server's key, backup codes hashed. */
export interface MfaRecord {
  userId: string;
  secretSealed: string;
  /** null while enrollment waits for the first correct code. */
  enabledAt: number | null;
  /** The last TOTP time step accepted: a code works once. */
  lastTimeStep: number;
  backupCodeHashes: string[];
  createdAt: number;
  /** While enrollment waits: hash of the session that started it (the only one shown the key and able to confirm it). */
  pendingSession: string | null;
}

export interface MfaStore {
  find(userId: string): Promise<MfaRecord | undefined>;
  /** Starts (or restarts) an enrollment, replacing a pending one; an enabled factor is not replaced. */
  startEnrollment(record: MfaRecord): Promise<boolean>;
  /** Turns on the pending factor whose sealed secret is `secretSealed` (not one restarted meanwhile). */
  enable(userId: string, backupCodeHashes: string[], timeStep: number, now: number, secretSealed: string): Promise<boolean>;
  /** Records a TOTP time step as used, atomically; false when it (or a later one) was used already. */
  useTimeStep(userId: string, timeStep: number): Promise<boolean>;
  /** Spends one backup code, atomically; false when it is not (or no longer) there. */
  useBackupCode(userId: string, codeHash: string): Promise<boolean>;
  /** Replaces all backup codes of an enabled factor at once (the old ones stop working); false when none is enabled. */
  replaceBackupCodes(userId: string, codeHashes: string[]): Promise<boolean>;
  delete(userId: string): Promise<boolean>;
}

/** A WebAuthn credential (passkey) a user registered. Nothing here is secret: the private key never leaves the authenticator. */
export interface PasskeyRecord {
  /** The credential ID, base64url. */
  id: string;
  userId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter as last seen (0 when it keeps none). */
  counter: number;
  transports: string[];
  /** `multiDevice` when the credential may be synced (backup eligible), else `singleDevice`. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  aaguid: string;
  /** The user's own name for it. */
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A WebAuthn challenge waiting for its answer: stored by hash, bound to a session or browser, used once. */
export interface PasskeyChallengeRecord {
  challengeHash: string;
  purpose: 'register' | 'sign-in' | 'second-factor';
  /** The hash of the session (register, second factor) or browser (sign-in) it was given to. */
  binding: string;
  userId: string | null;
  expiresAt: number;
}

export interface PasskeyStore extends Expiring {
  /** Adds a credential; false when its ID is registered already (to anyone). */
  create(record: PasskeyRecord): Promise<boolean>;
  find(id: string): Promise<PasskeyRecord | undefined>;
  listByUser(userId: string): Promise<PasskeyRecord[]>;
  /** Records a use, only while the counter is still `seenCounter` (of two concurrent uses, one wins). */
  recordUse(id: string, seenCounter: number, counter: number, backedUp: boolean, now: number): Promise<boolean>;
  rename(userId: string, id: string, name: string): Promise<boolean>;
  delete(userId: string, id: string): Promise<boolean>;
  /**
   * Removes one of the user's passkeys only if at least `keep` others remain, atomically (one
   * user's concurrent removals take turns), so the last way in is never removed.
   */
  deleteKeeping(userId: string, id: string, keep: number): Promise<boolean>;
  /** The user's WebAuthn user handle, made with `fresh` on first use (W3C WebAuthn §14.6.1: never the user id). */
  userHandle(userId: string, fresh: string): Promise<string>;
  /** Whose user handle this is. */
  userOfHandle(handle: string): Promise<string | undefined>;
  saveChallenge(record: PasskeyChallengeRecord): Promise<void>;
  /** Takes a challenge, atomically: of concurrent takers one gets it; expired, used or not bound to `binding` gives nothing. */
  takeChallenge(challengeHash: string, purpose: PasskeyChallengeRecord['purpose'], binding: string, now: number): Promise<PasskeyChallengeRecord | undefined>;
}
