import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Context } from '../context.js';
import { sha256 } from '../crypto.js';
import type { PasskeyChallengeRecord, PasskeyRecord, User } from '../../store/ports.js';

/**
 * Passkeys (WebAuthn Level 3). The relying party is the issuer: its host is the RP ID and its
 * origin the only origin accepted (§7.1 step 9, §7.2 step 13). Every ceremony answers a challenge
 * the server made, keeps by hash, binds to the session or browser it gave it to, and takes once.
 */

/** How long a challenge can be answered. */
export const CHALLENGE_SECONDS = 5 * 60;
/** A user keeps at most this many passkeys (each is a row and an entry of excludeCredentials). */
export const MAX_PASSKEYS = 20;
export const MAX_NAME_LENGTH = 64;

const B64URL = /^[A-Za-z0-9_-]+$/;

export const relyingParty = (ctx: Context) => {
  const url = new URL(ctx.config.issuer);
  return { id: url.hostname, origin: url.origin };
};

/**
 * RFC 8176 for a passkey sign-in: `hwk` when the key cannot leave its authenticator (not backup
 * eligible: a security key or a device-bound platform key), `swk` when it may be synced; `mfa`
 * because user verification (a PIN or biometric on the authenticator) was required, so possession
 * and knowledge or inherence were both proved. `user` is not added: RFC 8176 means a presence test
 * alone, which the required verification already exceeds.
 */
export function passkeyAmr(passkey: Pick<PasskeyRecord, 'deviceType'>, withPassword: boolean): string[] {
  const key = passkey.deviceType === 'multiDevice' ? 'swk' : 'hwk';
  return withPassword ? ['pwd', key, 'mfa'] : [key, 'mfa'];
}

async function newChallenge(ctx: Context, purpose: PasskeyChallengeRecord['purpose'], binding: string, userId: string | null): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(32);
  bytes.set(randomBytes(32));
  await ctx.stores.passkeys.saveChallenge({ challengeHash: sha256(Buffer.from(bytes).toString('base64url')), purpose, binding, userId, expiresAt: ctx.now() + CHALLENGE_SECONDS });
  return bytes;
}

/** A user's passkeys, oldest first. */
export const listPasskeys = (ctx: Context, userId: string) => ctx.stores.passkeys.listByUser(userId);

export const hasPasskey = async (ctx: Context, userId: string) => (await ctx.stores.passkeys.listByUser(userId)).length > 0;

/** Options for navigator.credentials.create(): a discoverable credential with user verification, none of the user's existing ones again. */
export async function registrationOptions(ctx: Context, user: User, sessionHash: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(ctx);
  const handle = await ctx.stores.passkeys.userHandle(user.id, randomBytes(32).toString('base64url'));
  const existing = await ctx.stores.passkeys.listByUser(user.id);
  return generateRegistrationOptions({
    rpName: rp.id,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.name ?? user.username,
    userID: new Uint8Array(Buffer.from(handle, 'base64url')),
    challenge: await newChallenge(ctx, 'register', sessionHash, user.id),
    timeout: CHALLENGE_SECONDS * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    // Passkeys: discoverable (usable without a username) and verified on the authenticator.
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    // ES256, EdDSA, RS256: what authenticators make.
    supportedAlgorithmIDs: [-7, -8, -257],
  });
}

/** Options for navigator.credentials.get(): any of the user's passkeys (second factor), or any discoverable one (sign-in). */
export async function assertionOptions(ctx: Context, purpose: 'sign-in' | 'second-factor', binding: string, userId: string | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allow = userId === null ? [] : (await ctx.stores.passkeys.listByUser(userId)).map((p) => ({ id: p.id, transports: p.transports }));
  return generateAuthenticationOptions({
    rpID: relyingParty(ctx).id,
    challenge: await newChallenge(ctx, purpose, binding, userId),
    timeout: CHALLENGE_SECONDS * 1000,
    userVerification: 'required',
    ...(allow.length > 0 ? { allowCredentials: allow } : {}),
  });
}

export type PasskeyFailure =
  /** Not a credential as a browser sends it. */
  | 'malformed'
  /** No such challenge for this session or browser: never given, answered already, or expired. */
  | 'challenge'
  | 'unknown_credential'
  /** The credential belongs to someone other than the user this ceremony is for. */
  | 'wrong_user'
  /** The signature, origin, RP ID, flags (user verification) or attestation did not verify. */
  | 'invalid'
  /** The signature counter did not move forward: a copy of the key may exist. */
  | 'counter'
  | 'exists'
  | 'too_many'
  | 'disabled';

/** A credential as posted by the page: a JSON text, parsed and checked for the shape a browser gives. */
function parsed(text: string | undefined): { json: Record<string, unknown>; challenge: string } | undefined {
  if (text === undefined || text.length === 0 || text.length > 64_000) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const credential = json as Record<string, unknown>;
  const response = credential['response'];
  if (typeof credential['id'] !== 'string' || !B64URL.test(credential['id']) || credential['rawId'] !== credential['id'] || credential['type'] !== 'public-key') return undefined;
  if (typeof response !== 'object' || response === null) return undefined;
  const clientDataJSON = (response as Record<string, unknown>)['clientDataJSON'];
  if (typeof clientDataJSON !== 'string' || !B64URL.test(clientDataJSON)) return undefined;
  try {
    const clientData = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as unknown;
    const challenge = typeof clientData === 'object' && clientData !== null ? (clientData as Record<string, unknown>)['challenge'] : undefined;
    if (typeof challenge !== 'string' || !B64URL.test(challenge)) return undefined;
    return { json: credential, challenge };
  } catch {
    return undefined;
  }
}

/** Every base64url member of the response must be one, or the library's decoder would guess. */
function responseFields(json: Record<string, unknown>, names: readonly string[], optional: readonly string[] = []): boolean {
  const response = json['response'] as Record<string, unknown>;
  for (const name of names) if (typeof response[name] !== 'string' || !B64URL.test(response[name])) return false;
  for (const name of optional) if (response[name] !== undefined && response[name] !== null && (typeof response[name] !== 'string' || !B64URL.test(response[name]))) return false;
  return true;
}

/** A name as the user gave it: trimmed, no control characters, at most MAX_NAME_LENGTH; undefined when not acceptable. */
export function passkeyName(value: string | undefined): string | undefined {
  const name = (value ?? '').trim().replace(/\s+/g, ' ');
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) return undefined;
  return name;
}

/** Checks a registration against the challenge this session was given, and keeps the new passkey. */
export async function finishRegistration(ctx: Context, user: User, sessionHash: string, credential: string | undefined, name: string): Promise<{ ok: true; passkey: PasskeyRecord } | { ok: false; reason: PasskeyFailure; detail?: string }> {
  const input = parsed(credential);
  if (!input || !responseFields(input.json, ['attestationObject'])) return { ok: false, reason: 'malformed' };
  const challenge = await ctx.stores.passkeys.takeChallenge(sha256(input.challenge), 'register', sessionHash, ctx.now());
  if (!challenge || challenge.userId !== user.id) return { ok: false, reason: 'challenge' };
  if ((await ctx.stores.passkeys.listByUser(user.id)).length >= MAX_PASSKEYS) return { ok: false, reason: 'too_many' };
  const rp = relyingParty(ctx);
  let info;
  try {
    const result = await verifyRegistrationResponse({
      response: input.json as unknown as RegistrationResponseJSON,
      expectedChallenge: input.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    if (!result.verified) return { ok: false, reason: 'invalid' };
    info = result.registrationInfo;
  } catch (e) {
    return { ok: false, reason: 'invalid', detail: e instanceof Error ? e.message : String(e) };
  }
  const passkey: PasskeyRecord = {
    id: info.credential.id,
    userId: user.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: (info.credential.transports ?? []).filter((t) => /^[a-z-]{1,20}$/.test(t)).slice(0, 8),
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    aaguid: info.aaguid,
    name,
    createdAt: ctx.now(),
    lastUsedAt: null,
  };
  if (!(await ctx.stores.passkeys.create(passkey))) return { ok: false, reason: 'exists' };
  return { ok: true, passkey };
}

export type AssertionResult = { ok: true; user: User; passkey: PasskeyRecord } | { ok: false; reason: PasskeyFailure; userId?: string; detail?: string };

/**
 * Checks an assertion against the challenge given to `binding`: the credential is known, belongs
 * to the user the ceremony is for (the second factor's user, or the user handle it names), its
 * signature, origin, RP ID and user verification verify, and its counter moved on.
 */
export async function verifyAssertion(ctx: Context, purpose: 'sign-in' | 'second-factor', binding: string, credential: string | undefined): Promise<AssertionResult> {
  const input = parsed(credential);
  if (!input || !responseFields(input.json, ['authenticatorData', 'signature'], ['userHandle'])) return { ok: false, reason: 'malformed' };
  // Taken before anything else is checked: a challenge answers at most one attempt, right or wrong.
  const challenge = await ctx.stores.passkeys.takeChallenge(sha256(input.challenge), purpose, binding, ctx.now());
  if (!challenge) return { ok: false, reason: 'challenge' };
  const passkey = await ctx.stores.passkeys.find(input.json['id'] as string);
  if (!passkey) return { ok: false, reason: 'unknown_credential' };
  const userId = passkey.userId;
  if (challenge.userId !== null && challenge.userId !== userId) return { ok: false, reason: 'wrong_user', userId: challenge.userId };
  // A discoverable credential names its user (§7.2 step 6): it must be the credential's owner.
  const handle = (input.json['response'] as Record<string, unknown>)['userHandle'];
  if (typeof handle === 'string' && handle !== '' && (await ctx.stores.passkeys.userOfHandle(handle)) !== userId) return { ok: false, reason: 'wrong_user', userId };
  if (purpose === 'sign-in' && (typeof handle !== 'string' || handle === '')) return { ok: false, reason: 'malformed', userId };
  const rp = relyingParty(ctx);
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: input.json as unknown as AuthenticationResponseJSON,
      expectedChallenge: input.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // The counter is compared below, after the signature is known good, so a regression is told apart.
      credential: { id: passkey.id, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: 0, transports: passkey.transports as never },
      requireUserVerification: true,
    });
  } catch (e) {
    return { ok: false, reason: 'invalid', userId, detail: e instanceof Error ? e.message : String(e) };
  }
  if (!verified.verified) return { ok: false, reason: 'invalid', userId };
  const { newCounter, credentialBackedUp } = verified.authenticationInfo;
  // §6.1.1: a counter that does not grow, where either is non-zero, signals a possible clone.
  if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) return { ok: false, reason: 'counter', userId };
  if (!(await ctx.stores.passkeys.recordUse(passkey.id, passkey.counter, newCounter, credentialBackedUp, ctx.now()))) {
    // Removed meanwhile (its owner, on the security page): no longer a passkey, not a copied one.
    if (!(await ctx.stores.passkeys.find(passkey.id))) return { ok: false, reason: 'unknown_credential', userId };
    return { ok: false, reason: 'counter', userId };
  }
  const user = await ctx.stores.users.findById(userId);
  if (!user || user.disabled) return { ok: false, reason: 'disabled', userId };
  return { ok: true, user, passkey: { ...passkey, counter: newCounter, backedUp: credentialBackedUp } };
}
