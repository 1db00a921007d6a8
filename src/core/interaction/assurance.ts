import type { Context } from '../context.js';
import type { Client } from '../clients/client.js';
import { ACR_MFA, ACR_PASSWORD } from '../tokens/id-token.js';

const KNOWN_ACRS: readonly string[] = [ACR_PASSWORD, ACR_MFA];

/**
 * Whether a sign-in for this client (and request) must include a second factor: the server's
 * policy, the client's setting, or `acr_values` whose first value we know is the MFA level
 * (OpenID Connect Core §3.1.2.1: values are in order of preference).
 */
export function secondFactorRequired(ctx: Context, client: Client | null, acrValues?: readonly string[]): boolean {
  if (ctx.config.mfa.policy === 'required' || client?.requireMfa === true) return true;
  return acrValues?.find((v) => KNOWN_ACRS.includes(v)) === ACR_MFA;
}

/** Whether an authentication (RFC 8176 `amr`) included a second factor. */
export const provedSecondFactor = (amr: readonly string[]): boolean => amr.includes('mfa');

/** Whether what the session proved meets what the client and request require. */
export function assuranceMet(ctx: Context, client: Client | null, amr: readonly string[], acrValues?: readonly string[]): boolean {
  return provedSecondFactor(amr) || !secondFactorRequired(ctx, client, acrValues);
}
