import type { Context } from '../context.js';
import type { CookieToSet } from '../protocol.js';
import { keyedHash, randomToken, safeEqual } from '../crypto.js';

/**
 * OWASP's "device cookies": a browser that signed in to an account before carries a signed token
 * naming that account. Its failed sign-ins are counted on their own, so strangers who lock the
 * username (for unknown browsers) cannot lock the owner out of their usual browser.
 */
export const DEVICE_COOKIE = 'tessera_device';

const LIFETIME = 180 * 24 * 3600;
/** Accounts remembered per browser (a shared family computer); the oldest goes first. */
const MAX_ENTRIES = 5;
/** One entry: a random id, when it was issued (base 36), and a keyed hash binding both to the username. */
const ENTRY = /^([A-Za-z0-9_-]{22})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

interface Entry {
  id: string;
  issuedAt: number;
  mac: string;
}

const macOf = (ctx: Context, subject: string, id: string, issuedAt: number) => keyedHash(ctx.pepper, `device-cookie:${subject}:${id}:${issuedAt}`);

function entries(value: string | undefined): Entry[] {
  if (!value) return [];
  const out: Entry[] = [];
  for (const part of value.split('~').slice(0, MAX_ENTRIES)) {
    const m = ENTRY.exec(part);
    if (m) out.push({ id: m[1]!, issuedAt: parseInt(m[2]!, 36), mac: m[3]! });
  }
  return out;
}

const live = (ctx: Context, entry: Entry) => entry.issuedAt <= ctx.now() && ctx.now() - entry.issuedAt < LIFETIME;
const owns = (ctx: Context, entry: Entry, subject: string) => safeEqual(entry.mac, macOf(ctx, subject, entry.id, entry.issuedAt));

/** The id of this browser's device entry for `subject` (a lower-case username), when it holds a valid one. */
export function trustedDevice(ctx: Context, cookie: string | undefined, subject: string): string | undefined {
  return entries(cookie).find((e) => live(ctx, e) && owns(ctx, e, subject))?.id;
}

/** The cookie after a successful sign-in as `subject`: a fresh entry for it, first, and the other live entries. */
export function rememberDevice(ctx: Context, cookie: string | undefined, subject: string): CookieToSet {
  const now = ctx.now();
  const id = randomToken(16);
  const fresh = `${id}.${now.toString(36)}.${macOf(ctx, subject, id, now)}`;
  const others = entries(cookie)
    .filter((e) => live(ctx, e) && !owns(ctx, e, subject))
    .slice(0, MAX_ENTRIES - 1)
    .map((e) => `${e.id}.${e.issuedAt.toString(36)}.${e.mac}`);
  return { name: DEVICE_COOKIE, value: [fresh, ...others].join('~'), maxAge: LIFETIME };
}
