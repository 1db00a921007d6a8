import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OAuth2ProviderConfig } from './upstream/oauth2-provider.js';

/**
 * Real upstream providers for federation tests, each in a process of its own on a free loopback
 * port (DESIGN.md: real components, no mocks):
 * - `startOpenIdProvider`: node-oidc-provider as a corporate OpenID provider ("Acme");
 * - `startOAuth2Provider`: a GitHub-like plain OAuth 2.0 provider.
 * Both sign users in through a plain HTML form (inputs `username` and `password`), so the test
 * `Browser` (or Chromium) drives them. Tests make them misbehave with `misbehave(mode)`, over the
 * process's IPC channel, until `misbehave(null)`.
 */

/** What the OpenID provider can be made to do wrong. */
export type OpenIdMisbehaviour =
  /** The sign-in ends with error=access_denied (and an error_description holding HTML). */
  | 'access_denied'
  /** The ID token is signed by another key under the provider's kid. */
  | 'forged_id_token'
  /** The ID token's nonce is not the one sent (re-signed with the provider's key). */
  | 'wrong_nonce'
  /** The ID token's `iss` is another issuer (re-signed with the provider's key). */
  | 'wrong_id_token_issuer'
  /** The authorization response's `iss` names another issuer (an RFC 9207 mix-up). */
  | 'wrong_response_issuer'
  /** The token endpoint accepts the connection and never answers. */
  | 'stall_token';

export type OAuth2Misbehaviour = 'access_denied' | 'stall_token';

export interface UpstreamUser {
  sub: string;
  username: string;
  password: string;
  email: string;
  email_verified: boolean;
  name: string;
  groups: string[];
  /** RFC 8176 values the ID token asserts; ['pwd'] unless given. */
  amr?: string[];
}

export interface UpstreamClient {
  client_id: string;
  /** Absent: a public client (token_endpoint_auth_method none). */
  client_secret?: string;
  redirect_uris: string[];
}

export interface TestProvider<Mode extends string> {
  /** The issuer (OpenID) or the base URL of the endpoints (OAuth 2.0), http://127.0.0.1:PORT. */
  issuer: string;
  misbehave(mode: Mode | null): Promise<void>;
  /** Method and path of every request answered so far ("POST /token"). */
  requests(): Promise<string[]>;
  /** Everything the process printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('./upstream/', import.meta.url));

async function startProcess<Mode extends string>(script: string, config: unknown): Promise<TestProvider<Mode>> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', HERE + script, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let nextId = 0;
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${output}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}): ${output}`)));
    child.on('message', (message: Record<string, unknown>) => {
      if (message['ready'] === true) {
        clearTimeout(timer);
        resolve(String(message['issuer']));
      } else if (typeof message['id'] === 'number') {
        waiting.get(message['id'])?.(message);
        waiting.delete(message['id']);
      }
    });
  });
  const ask = (message: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (answer) => (typeof answer['error'] === 'string' ? reject(new Error(answer['error'])) : resolve(answer)));
      child.send({ ...message, id });
    });
  return {
    issuer,
    async misbehave(mode) {
      await ask({ op: 'misbehave', mode });
    },
    async requests() {
      return (await ask({ op: 'requests' }))['requests'] as string[];
    },
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ op: 'stop', id: nextId++ });
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** node-oidc-provider as "Acme": these clients and users; the profile and email claims in the ID token unless `claimsInIdToken` is false (then only from userinfo). */
export function startOpenIdProvider(options: { clients: UpstreamClient[]; users: UpstreamUser[]; claimsInIdToken?: boolean }): Promise<TestProvider<OpenIdMisbehaviour>> {
  const clients = options.clients.map((c) => ({
    ...c,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: c.client_secret === undefined ? 'none' : 'client_secret_basic',
  }));
  return startProcess('openid-provider.mjs', { clients, users: options.users, claimsInIdToken: options.claimsInIdToken ?? true });
}

/** The GitHub-like provider; its endpoints are ISSUER/authorize, ISSUER/token and ISSUER/user. */
export function startOAuth2Provider(config: OAuth2ProviderConfig): Promise<TestProvider<OAuth2Misbehaviour>> {
  return startProcess('oauth2-provider.ts', config);
}
