/**
 * Who may make an account on /signup (`--signup`): nobody (`off`, the default), anyone (`open`),
 * only people an operator invited (`invite`), or only addresses in some domains (`domain:…`).
 */
export type SignupPolicy = { mode: 'off' } | { mode: 'open' } | { mode: 'invite' } | { mode: 'domain'; domains: string[] };

/** A DNS name as people write it in an address: labels of letters, digits and hyphens. */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export class SignupPolicyError extends Error {
  override name = 'SignupPolicyError';
}

/** `off`, `open`, `invite` or `domain:example.com[,example.org]` (domains compared in lower case). */
export function parseSignupPolicy(value: string): SignupPolicy {
  const v = value.trim();
  if (v === 'off' || v === 'open' || v === 'invite') return { mode: v };
  if (v.toLowerCase().startsWith('domain:')) {
    const domains = v.slice('domain:'.length).split(',').map((d) => d.trim().toLowerCase().replace(/\.$/, ''));
    const wrong = domains.find((d) => !DOMAIN.test(d));
    if (wrong !== undefined) throw new SignupPolicyError(`'${wrong}' is not a domain name`);
    return { mode: 'domain', domains: [...new Set(domains)] };
  }
  throw new SignupPolicyError(`must be off, open, invite or domain:example.com[,example.org], not '${value}'`);
}

/** The policy as `--signup` spells it. */
export const signupPolicyText = (p: SignupPolicy): string => (p.mode === 'domain' ? `domain:${p.domains.join(',')}` : p.mode);

/**
 * The domain of an address: everything after its only @, in lower case. The address check lets
 * exactly one @ through, so `evil.com@example.com` has the local part `evil.com`; a domain is
 * matched whole (never a subdomain nor a suffix: `evil-example.com` and `mail.example.com` are not `example.com`).
 */
export function addressDomain(email: string): string | undefined {
  const at = email.indexOf('@');
  if (at < 1 || at !== email.lastIndexOf('@')) return undefined;
  return email.slice(at + 1).toLowerCase();
}

/** Whether the policy lets this address sign up by itself (an invitation is checked apart). */
export function addressAllowed(policy: SignupPolicy, email: string): boolean {
  if (policy.mode === 'open') return true;
  if (policy.mode !== 'domain') return false;
  const domain = addressDomain(email);
  return domain !== undefined && policy.domains.includes(domain);
}

/** The key an address is held under: its lower case (addresses are compared case-insensitively everywhere here). */
export const addressKey = (email: string): string => email.trim().toLowerCase();
