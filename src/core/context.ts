import type { Config } from './config.js';
import type { KeyRing } from './keys/key-ring.js';
import type { Stores } from '../store/ports.js';
import type { PasswordHasher } from './accounts/passwords.js';
import type { Limiters } from './limits.js';
import type { AuditLog } from './audit.js';
import type { FederationRegistry } from './federation/registry.js';
import type { Mailer } from './mail/mail.js';

/** Everything an endpoint needs; built once by src/server.ts (or by tests). */
export interface Context {
  config: Config;
  stores: Stores;
  keys: KeyRing;
  /** Key of the keyed hash that protects client secrets at rest. */
  pepper: Buffer;
  passwords: PasswordHasher;
  limits: Limiters;
  /** Security-relevant events go here (audit store and structured log). */
  audit: AuditLog;
  /** Upstream identity providers (directories, OpenID and OAuth 2.0 providers) and their adapters. */
  federation: FederationRegistry;
  /** Email through the outbox; absent when no mail server is configured, and the features that need it are off. */
  mail?: Mailer;
  /** Unix seconds; tests can move time. */
  now(): number;
}

export const systemClock = (): number => Math.floor(Date.now() / 1000);
