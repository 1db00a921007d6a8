import type { Context } from '../context.js';
import type { LdapProvider } from './registry.js';

/** How long a directory's answer to the readiness check is reused (load balancers poll often). */
const CHECK_TTL_MS = 10_000;

/**
 * Readiness of the directories: 'degraded' while one does not answer (its users cannot sign in,
 * everyone else can, so the node stays in rotation), 'absent' when none is configured.
 */
export function directoriesReadiness(ctx: Context, now: () => number = Date.now): () => Promise<'ok' | 'degraded' | 'absent'> {
  let last: { at: number; state: 'ok' | 'degraded' } | undefined;
  return async () => {
    const directories = (await ctx.federation.enabled()).filter((p): p is LdapProvider => p.kind === 'ldap');
    if (directories.length === 0) return 'absent';
    if (last && now() - last.at < CHECK_TTL_MS) return last.state;
    const answers = await Promise.allSettled(directories.map((d) => ctx.federation.directory(d).check()));
    last = { at: now(), state: answers.every((a) => a.status === 'fulfilled') ? 'ok' : 'degraded' };
    return last.state;
  };
}
