import type { InitialAccessTokenRecord, Stores } from '../../store/ports.js';
import { commandLineToken, sha256 } from '../crypto.js';
import type { AdminContext } from './context.js';
import { NotFoundError } from './errors.js';

/**
 * Managing initial access tokens for dynamic client registration (RFC 7591 §3): create, list,
 * revoke. A token is stored only as its SHA-256; that hash is its `id`, safe to show (it
 * registers nothing), and what list and revoke name it by.
 */

export class RegistrationTokenInputError extends Error {
  override name = 'RegistrationTokenInputError';
}

export class RegistrationTokenNotFoundError extends NotFoundError {
  override name = 'RegistrationTokenNotFoundError';
  constructor(readonly ref: string) {
    super(`no registration token '${ref}'`);
  }
}

export const DEFAULT_REGISTRATION_TOKEN_LIFETIME = 24 * 3600;

export interface NewRegistrationToken {
  /** Seconds it lives; default 1 day. */
  expiresIn?: number;
  /** How many registrations it allows; default 1. */
  uses?: number;
}

/** A new token: `token` is shown only now; `id` names it from then on. */
export interface CreatedRegistrationToken {
  token: string;
  id: string;
  expiresAt: number;
  uses: number;
}

export type RegistrationTokenState = 'live' | 'expired' | 'used_up';

export interface RegistrationTokenView extends Record<string, unknown> {
  id: string;
  state: RegistrationTokenState;
  created_at: number;
  /** null: never expires. */
  expires_at: number | null;
  /** null: unlimited. */
  uses_left: number | null;
}

const positive = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new RegistrationTokenInputError(`${name} must be a positive whole number, not '${value}'`);
  return value;
};

export async function createRegistrationToken(admin: AdminContext, input: NewRegistrationToken = {}): Promise<CreatedRegistrationToken> {
  const expiresIn = positive('expiresIn', input.expiresIn, DEFAULT_REGISTRATION_TOKEN_LIFETIME);
  const uses = positive('uses', input.uses, 1);
  // Revoked by the token itself on the command line, so it must not read as an option.
  const token = commandLineToken(32);
  const id = sha256(token);
  const expiresAt = admin.now + expiresIn;
  await admin.stores.initialAccessTokens.create({ tokenHash: id, createdAt: admin.now, expiresAt, usesLeft: uses });
  await admin.audit({ type: 'registration_token.created', reason: id });
  return { token, id, expiresAt, uses };
}

export function registrationTokenState(record: InitialAccessTokenRecord, now: number): RegistrationTokenState {
  if (record.expiresAt !== null && record.expiresAt <= now) return 'expired';
  if (record.usesLeft !== null && record.usesLeft <= 0) return 'used_up';
  return 'live';
}

export function registrationTokenView(record: InitialAccessTokenRecord, now: number): RegistrationTokenView {
  return { id: record.tokenHash, state: registrationTokenState(record, now), created_at: record.createdAt, expires_at: record.expiresAt, uses_left: record.usesLeft };
}

/** Every token, live, expired or used up, oldest first; never the tokens themselves (only their ids). */
export async function listRegistrationTokens(stores: Stores, now: number): Promise<RegistrationTokenView[]> {
  return (await stores.initialAccessTokens.list()).map((r) => registrationTokenView(r, now));
}

/**
 * Revokes a token so it registers nothing more; clients it registered stay. `ref` is its id, or
 * the token itself (an operator who kept only that).
 */
export async function revokeRegistrationToken(admin: AdminContext, ref: string): Promise<{ revoked: string }> {
  for (const id of [ref, sha256(ref)]) {
    if (await admin.stores.initialAccessTokens.delete(id)) {
      await admin.audit({ type: 'registration_token.revoked', reason: id });
      return { revoked: id };
    }
  }
  throw new RegistrationTokenNotFoundError(ref);
}
