import { randomUUID } from 'node:crypto';
import type { User } from '../../store/ports.js';
import type { PasswordHasher } from './passwords.js';

export class AccountError extends Error {
  override name = 'AccountError';
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
/** Deliberately loose: one @, something on each side, no spaces. Real checking is a verification email. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new AccountError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new AccountError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`);
}

export interface NewUserInput {
  username: string;
  password: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

export async function buildUser(input: NewUserInput, hasher: PasswordHasher, now: number): Promise<User> {
  if (!USERNAME.test(input.username)) {
    throw new AccountError('username must be 1 to 64 characters: letters, digits and . _ @ + - (starting with a letter or digit)');
  }
  if (input.email !== undefined && !EMAIL.test(input.email)) throw new AccountError(`'${input.email}' is not an email address`);
  if (input.name !== undefined && (input.name.trim() === '' || input.name.length > 200)) throw new AccountError('name must be 1 to 200 characters');
  checkPassword(input.password);
  return {
    id: randomUUID(),
    username: input.username,
    email: input.email ?? null,
    emailVerified: input.emailVerified ?? false,
    name: input.name?.trim() ?? null,
    passwordHash: await hasher.hash(input.password),
    disabled: false,
    tokensRevokedAt: null,
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
    disabled: user.disabled,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}
