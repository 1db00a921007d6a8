import { performance } from 'node:perf_hooks';

/**
 * A browser's sign-in form as the server gave it, from one client address (named in
 * X-Forwarded-For; the server must run with --trust-proxy).
 */
export interface SignInForm {
  address: string;
  cookie: string;
  fields: Record<string, string>;
}

/** One POST /login and how it went. */
export interface SignInAnswer {
  /** 0 when no answer came (connection error or a 60 s timeout). */
  status: number;
  ms: number;
}

const hiddenField = (html: string, name: string): string | undefined =>
  new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html)?.[1]?.replaceAll('&amp;', '&');

/** GET /account without a session: the sign-in form, with its CSRF token bound to the browser cookie it sets. */
export async function openSignInForm(url: string, address: string): Promise<SignInForm> {
  const res = await fetch(`${url}/account`, { headers: { 'x-forwarded-for': address } });
  const html = await res.text();
  const csrf = hiddenField(html, 'csrf');
  const returnTo = hiddenField(html, 'return_to');
  if (res.status !== 200 || !csrf || !returnTo) throw new Error(`GET /account did not show a sign-in form (${res.status})`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  return { address, cookie, fields: { csrf, return_to: returnTo } };
}

/** Submits the form as the browser that opened it; `ms` runs until the whole answer has arrived. */
export async function submitSignIn(url: string, form: SignInForm, username: string, password: string): Promise<SignInAnswer> {
  const body = new URLSearchParams({ ...form.fields, username, password }).toString();
  const started = performance.now();
  try {
    const res = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie, 'x-forwarded-for': form.address },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/** Nearest-rank percentile (`p` in 0–100) of `values`; undefined when there are none. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** How many answers had each status. */
export function byStatus(answers: SignInAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}
