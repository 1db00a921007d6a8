import type { Context } from '../context.js';
import type { UpstreamProvider } from './registry.js';
import { RESET_PATHS } from '../interaction/reset-paths.js';
import { signupHref } from '../interaction/signup/endpoints.js';

/** Where a sign-in continues: an authorization request's interaction, or one of Tessera's pages. */
export type SignInNext = { interactionId: string } | { returnTo: string };

/** A URL that starts a sign-in at `provider` and comes back to `next`. */
export function startUrl(ctx: Context, providerName: string, next: SignInNext): string {
  const query = 'interactionId' in next ? `interaction=${encodeURIComponent(next.interactionId)}` : `return_to=${encodeURIComponent(next.returnTo)}`;
  return `${ctx.config.issuer}/federation/${encodeURIComponent(providerName)}/start?${query}`;
}

/** The enabled upstream provider (OpenID or OAuth 2.0) that claims the domain of this address, if any (home-realm discovery). */
export async function providerForAddress(ctx: Context, address: string): Promise<UpstreamProvider | undefined> {
  const at = address.lastIndexOf('@');
  if (at < 0) return undefined;
  const domain = address.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return (await ctx.federation.enabled()).find((p): p is UpstreamProvider => p.kind !== 'ldap' && p.domains.includes(domain));
}

/** What the login page offers besides the password: provider links, and whether an address alone continues (home-realm discovery). */
export async function loginChoices(ctx: Context, next: SignInNext): Promise<{ providers: { name: string; href: string }[]; homeRealm: boolean; forgotPasswordHref?: string; signupHref?: string }> {
  const upstream = (await ctx.federation.enabled()).filter((p) => p.kind !== 'ldap');
  const signup = signupHref(ctx, 'interactionId' in next ? next.interactionId : undefined);
  return {
    providers: upstream.map((p) => ({ name: p.displayName, href: startUrl(ctx, p.name, next) })),
    homeRealm: upstream.some((p) => p.domains.length > 0),
    // Resetting a password needs email: without a mail server the link is not offered at all.
    ...(ctx.mail ? { forgotPasswordHref: ctx.config.issuer + RESET_PATHS.forgot } : {}),
    // "Create an account": when sign-up is on, returning into the same authorization request after.
    ...(signup ? { signupHref: signup } : {}),
  };
}

/**
 * The provider a typed address should sign in with (home-realm discovery): one claims its domain,
 * and the password was left empty or no account here has that username (a local account named by
 * an address in that domain still signs in with its password).
 */
export async function homeRealm(ctx: Context, username: string, password: string): Promise<UpstreamProvider | undefined> {
  const provider = await providerForAddress(ctx, username);
  if (!provider) return undefined;
  return password === '' || !(await ctx.stores.users.findByUsername(username)) ? provider : undefined;
}
