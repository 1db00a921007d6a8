import type { Config } from '../config.js';
import type { KeyRing } from '../keys/key-ring.js';
import { signJwt } from './jwt.js';
import type { IdTokenAlg } from '../clients/client.js';

/** When and how the user authenticated: `amr` holds RFC 8176 values (pwd, otp, mfa). */
export interface Authentication {
  time: number;
  amr: string[];
}

/** The `acr` values Tessera asserts: a password alone, or a password and a second factor. */
export const ACR_PASSWORD = 'urn:tessera:acr:password';
export const ACR_MFA = 'urn:tessera:acr:mfa';
/** Phishing-resistant authentication (OpenID EAP ACR Values 1.0 §2.1): a passkey was used. */
export const ACR_PHISHING_RESISTANT = 'phr';

/** Whether an authentication used a passkey (RFC 8176 `hwk`/`swk` are only ever set by a WebAuthn assertion here). */
export const usedPasskey = (amr: readonly string[]): boolean => amr.includes('hwk') || amr.includes('swk');

export function acrOf(amr: readonly string[]): string {
  // As assurance's provedPhishingResistant: a passkey with user verification (`mfa`), never a key alone.
  if (usedPasskey(amr) && amr.includes('mfa')) return ACR_PHISHING_RESISTANT;
  return amr.includes('mfa') ? ACR_MFA : ACR_PASSWORD;
}

export interface IdTokenInput {
  subject: string;
  clientId: string;
  authTime: number;
  amr: string[];
  nonce: string | null;
  /** Seconds it lives and what signs it (see lifetimes.ts); the server's when not given. */
  ttl?: number;
  alg?: IdTokenAlg;
  /** Claims about the user beyond who they are (groups, released attributes); never one set above. */
  userClaims?: Record<string, unknown>;
}

/** An ID token (OpenID Connect Core §2): who signed in, for which client, when; the standard profile claims come from /userinfo. */
export async function issueIdToken(config: Config, keys: KeyRing, input: IdTokenInput, now: number): Promise<string> {
  const claims: Record<string, unknown> = {
    ...input.userClaims,
    iss: config.issuer,
    sub: input.subject,
    aud: input.clientId,
    iat: now,
    exp: now + (input.ttl ?? config.ttl.idToken),
    auth_time: input.authTime,
  };
  // OpenID Connect Core §2: how the user authenticated, and the assurance that gives.
  if (input.amr.length > 0) {
    claims['amr'] = input.amr;
    claims['acr'] = acrOf(input.amr);
  }
  if (input.nonce !== null) claims['nonce'] = input.nonce;
  return signJwt(keys, input.alg ?? config.idTokenAlg, 'JWT', claims);
}
