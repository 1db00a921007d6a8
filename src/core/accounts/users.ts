import { randomUUID } from 'node:crypto';
import { msg, type Message } from '../message.js';
import type { User } from '../../store/ports.js';
import type { PasswordHasher } from './passwords.js';
import * as commonLanguage from '@zxcvbn-ts/language-common';

export class AccountError extends Error {
  override name = 'AccountError';
  /** The refusal as a page says it to the person, when it is theirs to fix (the English `message` is for operators and logs). */
  constructor(message: string, readonly said?: Message) {
    super(message);
  }
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
/** Deliberately loose: one @, something on each side, no spaces. Real checking is a verification email. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const MAX_PASSWORD_LENGTH = 1024;

/** What a new password must be: long enough, and not one of the passwords attackers try first. */
export interface PasswordPolicy {
  minLength: number;
  rejectCommon: boolean;
}

/** NIST SP 800-63B §5.1.1.2: length over composition rules, and a check against known-bad passwords. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 12, rejectCommon: true };

let common: Set<string> | undefined;

/** The ~49,000 most common passwords of zxcvbn-ts's list, compared in lower case. */
function isCommon(password: string): boolean {
  common ??= new Set((commonLanguage.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common.has(password.toLowerCase());
}

export function checkPassword(password: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): void {
  if (password.length < policy.minLength) throw new AccountError(`password must be at least ${policy.minLength} characters`, msg('security:policy.tooShort', { min: policy.minLength }));
  if (password.length > MAX_PASSWORD_LENGTH) throw new AccountError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`, msg('security:policy.tooLong', { max: MAX_PASSWORD_LENGTH }));
  if (policy.rejectCommon && isCommon(password)) throw new AccountError('password is one of the most common passwords; choose another', msg('security:policy.common'));
}

export interface NewUserInput {
  username: string;
  password: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

export function checkUsername(username: string): void {
  if (!USERNAME.test(username)) {
    throw new AccountError('username must be 1 to 64 characters: letters, digits and . _ @ + - (starting with a letter or digit)');
  }
}

/** Control characters (U+0000-U+001F, U+007F): never part of a profile field (PostgreSQL refuses U+0000 in text). */
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkEmail(email: string): void {
  if (!EMAIL.test(email) || CONTROL.test(email)) throw new AccountError(`'${email}' is not an email address`);
}

export function checkName(name: string): void {
  if (name.trim() === '' || name.length > 200 || CONTROL.test(name)) throw new AccountError('name must be 1 to 200 characters of text (no control characters)', msg('security:policy.name'));
}

export async function buildUser(input: NewUserInput, hasher: Pick<PasswordHasher, 'hash'>, now: number, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): Promise<User> {
  checkProfile(input);
  checkPassword(input.password, policy);
  return userRecord(input, await hasher.hash(input.password), now);
}

/** The fields of a new user other than the password. */
function checkProfile(input: Omit<NewUserInput, 'password'>): void {
  checkUsername(input.username);
  if (input.email !== undefined) checkEmail(input.email);
  if (input.name !== undefined) checkName(input.name);
}

/**
 * A new user without a password of their own (passwordHash ''): they sign in through an upstream
 * provider, or once an operator sets a password. SCIM provisions users this way.
 */
export function buildUserWithoutPassword(input: Omit<NewUserInput, 'password'>, now: number): User {
  checkProfile(input);
  return userRecord(input, '', now);
}

function userRecord(input: Omit<NewUserInput, 'password'>, passwordHash: string, now: number): User {
  return {
    id: randomUUID(),
    username: input.username,
    email: input.email ?? null,
    emailVerified: input.emailVerified ?? false,
    name: input.name?.trim() ?? null,
    passwordHash,
    disabled: false,
    tokensRevokedAt: null,
    attributes: {},
    lastSignInAt: null,
    lockedUntil: null,
    unlockedAt: null,
    externalId: null,
    givenName: null,
    familyName: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** How the CLI and APIs show a user: OpenID Connect claim names, never the password hash. */
export function userView(user: User): Record<string, unknown> {
  return {
    sub: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    ...(user.locale !== undefined ? { locale: user.locale } : {}),
    attributes: user.attributes,
    disabled: user.disabled,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}
