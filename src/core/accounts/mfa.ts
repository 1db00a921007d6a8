import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { Context } from '../context.js';
import { keyedHash, randomCode, safeEqual, seal, unseal } from '../crypto.js';

/** RFC 6238 defaults that every authenticator app understands: SHA-1, 6 digits, 30 s. */
const PERIOD = 30;
/** One step either side, for clocks a little off (RFC 6238 §5.2). */
const TOLERANCE_SECONDS = PERIOD;
export const BACKUP_CODE_COUNT = 10;
/** Lower-case letters and digits without look-alikes (0/o, 1/l/i): 31^10 ≈ 2^49.5 per code. */
const BACKUP_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface Enrollment {
  secret: string;
  uri: string;
  /** A QR code of `uri` as a data: URL (SVG), for the authenticator app to scan. */
  qr: string;
}

const backupHash = (ctx: Context, code: string) => keyedHash(ctx.pepper, `backup:${code}`);

/** Codes as typed: spaces and dashes ignored, case ignored for backup codes. */
const normalize = (code: string) => code.replace(/[\s-]/g, '').toLowerCase();

/** Whether the user has a second factor that is set up and in use. */
export async function hasSecondFactor(ctx: Context, userId: string): Promise<boolean> {
  const record = await ctx.stores.mfa.find(userId);
  return record !== undefined && record.enabledAt !== null;
}

/** Starts (or restarts) TOTP enrollment: a new secret, kept sealed until the first code confirms it. */
/**
 * Starts (or restarts) TOTP enrollment for the session `sessionHash`: a new secret, kept sealed until
 * the first code confirms it. Only that session is shown the key again and can confirm it, so
 * another session of the same account (someone who knows the password) never learns it.
 */
export async function startEnrollment(ctx: Context, userId: string, username: string, sessionHash: string): Promise<Enrollment | undefined> {
  const secret = generateSecret();
  const started = await ctx.stores.mfa.startEnrollment({ userId, secretSealed: seal(ctx.pepper, secret, 'totp'), enabledAt: null, lastTimeStep: 0, backupCodeHashes: [], createdAt: ctx.now(), pendingSession: sessionHash });
  return started ? enrollmentOf(ctx, username, secret) : undefined;
}

/** The enrollment this session started and that waits for its first code, shown again (after a wrong code). */
export async function pendingEnrollment(ctx: Context, userId: string, username: string, sessionHash: string): Promise<Enrollment | undefined> {
  const record = await ctx.stores.mfa.find(userId);
  if (!record || record.enabledAt !== null || record.pendingSession === null || !safeEqual(record.pendingSession, sessionHash)) return undefined;
  const secret = unseal(ctx.pepper, record.secretSealed, 'totp');
  return secret === undefined ? undefined : enrollmentOf(ctx, username, secret);
}

async function enrollmentOf(ctx: Context, username: string, secret: string): Promise<Enrollment> {
  const uri = generateURI({ issuer: new URL(ctx.config.issuer).host, label: username, secret });
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 1 });
  return { secret, uri, qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

async function checkTotp(ctx: Context, secretSealed: string, lastTimeStep: number, code: string): Promise<number | undefined> {
  const secret = unseal(ctx.pepper, secretSealed, 'totp');
  if (secret === undefined || !/^\d{6}$/.test(code)) return undefined;
  const result = await verify({ secret, token: code, epoch: ctx.now(), epochTolerance: TOLERANCE_SECONDS, afterTimeStep: lastTimeStep });
  return result.valid ? Math.floor(ctx.now() / PERIOD) + result.delta : undefined;
}

/** Confirms enrollment with a first correct code; returns the backup codes, shown once. */
export async function confirmEnrollment(ctx: Context, userId: string, typed: string, sessionHash: string): Promise<string[] | undefined> {
  const record = await ctx.stores.mfa.find(userId);
  if (!record || record.enabledAt !== null || record.pendingSession === null || !safeEqual(record.pendingSession, sessionHash)) return undefined;
  const step = await checkTotp(ctx, record.secretSealed, record.lastTimeStep, normalize(typed));
  if (step === undefined) return undefined;
  const codes = newBackupCodes();
  const enabled = await ctx.stores.mfa.enable(userId, codes.map((c) => backupHash(ctx, c)), step, ctx.now(), record.secretSealed);
  return enabled ? codes.map(shownCode) : undefined;
}

const newBackupCodes = () => Array.from({ length: BACKUP_CODE_COUNT }, () => randomCode(BACKUP_ALPHABET, 10));
/** A backup code as shown: two groups of five, easier to copy by hand. */
const shownCode = (c: string) => `${c.slice(0, 5)}-${c.slice(5)}`;

/**
 * A new set of backup codes for an enabled factor; the old ones stop working at once. Returns the
 * new codes, shown once, or undefined when the user has no enabled factor (it was turned off meanwhile).
 */
export async function regenerateBackupCodes(ctx: Context, userId: string): Promise<string[] | undefined> {
  const codes = newBackupCodes();
  return (await ctx.stores.mfa.replaceBackupCodes(userId, codes.map((c) => backupHash(ctx, c)))) ? codes.map(shownCode) : undefined;
}

/** Whether a list of codes has the shape of this server's backup codes (what a download may hold). */
export const isBackupCodeList = (codes: string[]): boolean =>
  codes.length > 0 && codes.length <= BACKUP_CODE_COUNT && codes.every((c) => new RegExp(`^[${BACKUP_ALPHABET}]{5}-[${BACKUP_ALPHABET}]{5}$`).test(c));

/** Checks a TOTP code or (unless `totpOnly`) a backup code; each works once. */
export async function verifySecondFactor(ctx: Context, userId: string, typed: string, totpOnly = false): Promise<'totp' | 'backup' | undefined> {
  const record = await ctx.stores.mfa.find(userId);
  if (!record || record.enabledAt === null) return undefined;
  const code = normalize(typed);
  if (/^\d{6}$/.test(code)) {
    const step = await checkTotp(ctx, record.secretSealed, record.lastTimeStep, code);
    return step !== undefined && (await ctx.stores.mfa.useTimeStep(userId, step)) ? 'totp' : undefined;
  }
  if (!totpOnly && /^[a-z0-9]{10}$/.test(code)) return (await ctx.stores.mfa.useBackupCode(userId, backupHash(ctx, code))) ? 'backup' : undefined;
  return undefined;
}

/** How many backup codes are left. */
export async function backupCodesLeft(ctx: Context, userId: string): Promise<number> {
  return (await ctx.stores.mfa.find(userId))?.backupCodeHashes.length ?? 0;
}
