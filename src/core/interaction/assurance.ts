import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import { ACR_MFA, ACR_PASSWORD, ACR_PHISHING_RESISTANT, usedPasskey } from '../tokens/id-token.js';

const KNOWN_ACRS: readonly string[] = [ACR_PASSWORD, ACR_MFA, ACR_PHISHING_RESISTANT];

/** The first `acr_values` value we know (OpenID Connect Core §3.1.2.1: values are in order of preference). */
const requestedAcr = (acrValues?: readonly string[]) => acrValues?.find((v) => KNOWN_ACRS.includes(v));

/**
 * Whether a sign-in for this client (and request) must be phishing-resistant (a passkey): the
 * client's `require-mfa phishing-resistant`, or `acr_values` asking for `phr` first.
 */
export function phishingResistantRequired(client: Client | null, acrValues?: readonly string[]): boolean {
  return client?.requirePhishingResistant === true || requestedAcr(acrValues) === ACR_PHISHING_RESISTANT;
}

/**
 * Whether a sign-in for this client (and request) must include a second factor: the server's
 * policy, the client's setting, or `acr_values` whose first value we know is the MFA level or above.
 */
export function secondFactorRequired(ctx: Context, client: Client | null, acrValues?: readonly string[]): boolean {
  if (ctx.config.mfa.policy === 'required' || client?.requireMfa === true) return true;
  const acr = requestedAcr(acrValues);
  return acr === ACR_MFA || acr === ACR_PHISHING_RESISTANT || phishingResistantRequired(client, acrValues);
}

/** Whether an authentication (RFC 8176 `amr`) included a second factor. */
export const provedSecondFactor = (amr: readonly string[]): boolean => amr.includes('mfa');

/** Whether an authentication used a passkey, so it is phishing-resistant. */
export const provedPhishingResistant = (amr: readonly string[]): boolean => usedPasskey(amr) && provedSecondFactor(amr);

/** Whether what the session proved meets what the client and request require. */
export function assuranceMet(ctx: Context, client: Client | null, amr: readonly string[], acrValues?: readonly string[]): boolean {
  if (phishingResistantRequired(client, acrValues) && !provedPhishingResistant(amr)) return false;
  return provedSecondFactor(amr) || !secondFactorRequired(ctx, client, acrValues);
}
