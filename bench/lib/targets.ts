import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/server.js';
import { tessera, tesseraJson } from '../../test/helpers/cli.js';
import { startServerProcess, type ServerProcess } from './processes.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Credentials {
  id: string;
  secret: string;
}

/** The paths and clients a scenario needs on one server. */
export interface Target {
  server: ServerProcess;
  paths: { token: string; authorize?: string; introspect?: string; userinfo?: string };
  /** Confidential client_credentials client whose access tokens are JWTs. */
  cc: Credentials;
  /** The client whose token the introspection scenario introspects (its own). */
  introspector?: Credentials;
  /** A confidential web client with authorization_code and refresh_token. */
  web?: Credentials & { redirectUri: string };
  /** Signs in the bench user, with consent, in a fresh browser; returns the browser's cookie header. */
  user?: { login: string; password: string };
}

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const USER = { login: 'bench', password: 'a long benchmark passphrase 7' };

export interface StartOptions {
  core: number | undefined;
  workDir: string;
  /** Extra flags for node itself (--cpu-prof). */
  nodeArgs?: string[];
}

/** Tessera as an operator runs it: `tessera serve` from the build, a fresh data dir, clients and a user made with the CLI. */
export async function startTessera(name: string, alg: 'ES256' | 'RS256', options: StartOptions, serveArgs: string[] = []): Promise<Target> {
  const data = mkdtempSync(join(options.workDir, `${name}-data-`));
  const store = ['--data', data];
  const cc = await tesseraJson<{ client_id: string; client_secret: string }>(['client', 'create', ...store, '--name', 'bench-cc', '--grant-type', 'client_credentials', '--scope', 'api:read']);
  const web = await tesseraJson<{ client_id: string; client_secret: string }>([
    'client', 'create', ...store, '--name', 'bench-web', '--redirect-uri', REDIRECT_URI, '--scope', 'openid profile email offline_access',
  ]);
  await createUser(data, USER.login, USER.password, 'Bench User');
  const server = await serveTessera(name, data, options, ['--access-token-alg', alg, ...serveArgs]);
  return {
    server,
    paths: { token: '/token', authorize: '/authorize', introspect: '/introspect', userinfo: '/userinfo' },
    cc: { id: cc.client_id, secret: cc.client_secret },
    introspector: { id: cc.client_id, secret: cc.client_secret },
    web: { id: web.client_id, secret: web.client_secret, redirectUri: REDIRECT_URI },
    user: USER,
  };
}

/**
 * Tessera (ES256) with /metrics on the main port behind a token, scraped every `scrapeSeconds` as
 * Prometheus would (more often than its default 15 s, so the scrapes' own cost shows). `stopScraping`
 * ends the scrapes; a scrape that is not answered 200 throws there.
 */
export async function startTesseraWithMetrics(name: string, options: StartOptions, scrapeSeconds = 5): Promise<{ target: Target; stopScraping(): Promise<number> }> {
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
  const tokenFile = join(mkdtempSync(join(options.workDir, `${name}-metrics-`)), 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const target = await startTessera(name, 'ES256', options, ['--metrics-token-file', tokenFile]);
  let scrapes = 0;
  let failure: string | undefined;
  const scrape = async () => {
    const response = await fetch(`${target.server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    if (response.status === 200) scrapes++;
    else failure ??= `/metrics answered ${response.status}`;
  };
  await scrape();
  const timer = setInterval(() => void scrape().catch((e: unknown) => (failure ??= String(e))), scrapeSeconds * 1000);
  return {
    target,
    async stopScraping() {
      clearInterval(timer);
      if (failure) throw new Error(`${name}: ${failure}`);
      return scrapes;
    },
  };
}

/** Makes a user with the CLI, as an operator would. */
export async function createUser(data: string, username: string, password: string, name = username): Promise<void> {
  const user = await tessera(['user', 'create', '--data', data, '--username', username, '--name', name, '--email', `${username}@bench.example`, '--email-verified', '--password-stdin'], password);
  if (user.code !== 0) throw new Error(`tessera user create failed: ${user.stderr}`);
}

/** `tessera serve` from the build on the store in `data`, with `serveArgs` added; ready when /health answers. */
export async function serveTessera(name: string, data: string, options: StartOptions, serveArgs: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  return startServerProcess({
    name,
    url,
    args: [...(options.nodeArgs ?? []), join(ROOT, 'bin/tessera.js'), 'serve', '--port', String(port), '--issuer', url, '--data', data, ...serveArgs],
    core: options.core,
    logFile: join(options.workDir, `${name}.log`),
    readyPath: '/health',
  });
}

/** node-oidc-provider with the same clients; the ES256 and RS256 API clients share one process. */
export async function startOidcProvider(options: StartOptions): Promise<{ es256: Target; rs256: Target }> {
  const secret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  const clients = {
    ccEs256: { id: 'cc-es256', secret: secret() },
    ccRs256: { id: 'cc-rs256', secret: secret() },
    ccOpaque: { id: 'cc-opaque', secret: secret() },
    web: { id: 'web', secret: secret(), redirectUri: REDIRECT_URI },
  };
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const server = await startServerProcess({
    name: 'oidc-provider',
    url,
    args: [join(ROOT, 'bench/servers/oidc-provider.mjs'), String(port), JSON.stringify(clients)],
    core: options.core,
    logFile: join(options.workDir, 'oidc-provider.log'),
    readyPath: '/.well-known/openid-configuration',
  });
  const paths = { token: '/token', authorize: '/auth', introspect: '/token/introspection', userinfo: '/me' };
  // Its JWT access tokens are not stored, so it cannot introspect them: introspection gets its default (opaque) token.
  const common = { server, paths, introspector: clients.ccOpaque, web: clients.web, user: USER };
  return { es256: { ...common, cc: clients.ccEs256 }, rs256: { ...common, cc: clients.ccRs256 } };
}

/** The floor: a bare Fastify endpoint that signs the same claims. */
export async function startFloor(alg: 'ES256' | 'RS256', options: StartOptions): Promise<Target> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const server = await startServerProcess({
    name: `floor-${alg.toLowerCase()}`,
    url,
    args: [join(ROOT, 'bench/servers/floor.mjs'), String(port), alg],
    core: options.core,
    logFile: join(options.workDir, `floor-${alg}.log`),
    readyPath: '/',
  });
  return { server, paths: { token: '/token' }, cc: { id: 'floor-client', secret: 'floor-secret' } };
}

export function tmpWorkDir(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-bench-'));
}
