import type { Read } from './result.js';

/*
 * What `tessera doctor` found out, gathered by the CLI (src/cli/doctor/) and judged by the checks
 * here. Everything is plain data: no connection, no file handle.
 */

/** The configuration as `serve` reads it (flags, environment, config file). */
export interface ConfigFacts {
  /** The issuer as given, or serve's default. */
  issuer: string;
  host: string;
  trustProxy: number;
  store: { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string };
  openRegistration: boolean;
  consoleUsers: 'all' | string[];
  passwordPolicy: { minLength: number; rejectCommon: boolean };
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /** The webhook event sink, when one is set. */
  webhook?: { url: string };
  /** Where /metrics is served, when it is on: the listener of its own, and whether a token guards it. */
  metrics?: { listenHost?: string; token: boolean };
}

/** One HTTP request to the running deployment. */
export interface HttpProbe {
  url: string;
  /** This machine's clock when the request was sent and when the answer came (ms). */
  sentAt: number;
  receivedAt: number;
  answer?: { status: number; date?: string; body?: unknown };
  /** Why no answer came (refused, timeout, certificate, …). */
  error?: string;
}

export interface DeploymentFacts {
  /** Where it was asked (`--url`, or the configured issuer). */
  url: string;
  /** The issuer its discovery document must name: the configured one. */
  expectedIssuer: string;
  discovery: HttpProbe;
  ready: HttpProbe;
}

export interface SigningKeyFacts {
  kid: string;
  alg: string;
  createdAt: number;
  retiredAt: number | null;
  /** Whether the private key is sealed (every key is, once a process with the pepper opened the store). */
  sealed: boolean;
  /** Whether it opens with the configured pepper; undefined when the pepper is not known. */
  opens?: boolean;
}

export interface StoreFacts {
  /** How the store is named in findings (a redacted URL, or the data directory). */
  where: string;
  kind: 'sqlite' | 'postgres';
  /** Opened read-only, with the time one query took; `missing` when the embedded store's file does not exist. */
  opened: { latencyMs: number } | { error: string; missing?: boolean };
  /** Migrations this release knows, and those the store records as applied (none when it has no migrations table). */
  migrations?: Read<{ known: string[]; applied: string[] }>;
  /** The database's clock minus this machine's (ms), PostgreSQL only. */
  clockSkewMs?: Read<number>;
  /** The pepper fingerprint the store recorded (null: none yet). */
  pepperFingerprint?: Read<string | null>;
  keys?: Read<{ keys: SigningKeyFacts[]; retention: number }>;
  /** Clients allowed the password grant. */
  passwordGrantClients?: Read<string[]>;
}

export type PepperFacts =
  | { source: 'TESSERA_PEPPER' | 'TESSERA_PEPPER_FILE' | 'data-file'; where: string; fingerprint?: string; problem?: string }
  | { source: 'none'; wouldCreate: string };

export type RedisFacts = { url: string; latencyMs: number } | { url: string; error: string };

export interface LooseFile {
  path: string;
  mode: string;
  want: string;
  /** What it holds (`the store`, `TESSERA_PEPPER_FILE`). */
  holds: string;
}

export interface DoctorFacts {
  /** This machine's clock (ms). */
  now: number;
  /** The oldest an active signing key may be before it should be rotated (seconds). */
  keyMaxAge: number;
  /** Absent when serve could not read its settings at all (`configProblem` says why). */
  config?: ConfigFacts;
  /** Why serve would refuse this configuration (the issuer aside), if it would. */
  configProblem?: string;
  /** Why serve would refuse the issuer, if it would. */
  issuerProblem?: string;
  /** Absent with --offline. */
  deployment?: DeploymentFacts;
  /** Absent when the configuration cannot be read. */
  store?: StoreFacts;
  pepper?: PepperFacts;
  /** Absent when no Redis is configured. */
  redis?: RedisFacts;
  looseFiles: LooseFile[];
  node: { version: string; engines: string };
}
