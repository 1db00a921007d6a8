import { createHash } from 'node:crypto';
import { invalidRequest, OAuthError } from './errors.js';
import { safeEqual } from './crypto.js';

/** RFC 7636 §4.1 / §4.2: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~" */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is the base64url of a SHA-256 digest: exactly 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

/**
 * Checks the PKCE parameters of an authorization request. Tessera requires S256 for every
 * client (RFC 9700 §2.1.1); `plain`, and a missing method (which RFC 7636 §4.3 reads as plain), are refused.
 */
export function checkCodeChallenge(challenge: string | undefined, method: string | undefined): string {
  if (challenge === undefined) throw invalidRequest('code_challenge is required (PKCE with S256)');
  if (method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!S256_CHALLENGE.test(challenge)) throw invalidRequest('code_challenge is not a valid S256 challenge');
  return challenge;
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Checks a code_verifier at the token endpoint against the stored challenge (RFC 7636 §4.6). */
export function verifyCodeVerifier(verifier: string | undefined, challenge: string): void {
  if (verifier === undefined) throw invalidRequest('code_verifier is required');
  if (!VERIFIER.test(verifier)) throw new OAuthError('invalid_grant', 'code_verifier is malformed');
  if (!safeEqual(s256(verifier), challenge)) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
}
