import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { ROOT, tessera, tesseraJson } from '../helpers/cli.js';
import { freePort, type TestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow } from '../helpers/oidc.js';
import { basic, postForm } from '../helpers/http.js';
import { openSqliteStores } from '../../src/store/sqlite/open.js';
import { sha256 } from '../../src/core/crypto.js';

const CALLBACK = 'https://app.example.com/cb';

/** The process environment without settings of our own, so that only what a test gives applies. */
function environment(extra: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^TESSERA_(.*_TTL|.*_ALG|CONFIG|LOG_.*)$/.test(k))) as Record<string, string>;
  return { ...env, ...extra };
}

interface Spawned {
  issuer: string;
  /** The "Tessera is ready" log line, which names the lifetimes in force. */
  ready: Record<string, unknown>;
  stop(): Promise<void>;
}

/** `tessera serve` as an operator runs it, on `dataDir`; resolves once it is ready. */
async function serve(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<Spawned> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--port', String(port), '--issuer', issuer, '--data', dataDir, ...args], {
    cwd: ROOT,
    env: environment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"msg":"Tessera is ready at '));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    void exited.then((code) => reject(new Error(`tessera serve exited (${code}): ${err}`)));
  });
  return {
    issuer,
    ready,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `tessera serve` that must refuse to start: its exit code and what it wrote to stderr. */
async function refusedStart(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--port', String(await freePort()), '--data', dataDir, ...args], { cwd: ROOT, env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

interface Expected {
  accessToken: number;
  idToken: number;
  refreshToken: number;
  refreshTokenAbsolute: number;
  session: number;
  sessionAbsolute: number;
  authorizationCode: number;
  deviceCode: number;
}

describe('tessera serve: lifetimes from flags, environment and config file', () => {
  let dataDir: string;
  let web: { client_id: string; client_secret: string };
  let cron: { client_id: string; client_secret: string };
  let tv: { client_id: string };
  const password = 'a passphrase for mira';

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-settings-'));
    const data = ['--data', dataDir];
    web = await tesseraJson(['client', 'create', '--name', 'Web', '--redirect-uri', CALLBACK, '--scope', 'openid profile', ...data]);
    cron = await tesseraJson(['client', 'create', '--name', 'Cron', '--grant-type', 'client_credentials', '--scope', 'jobs:run', ...data]);
    tv = await tesseraJson(['client', 'create', '--name', 'TV', '--type', 'public', '--grant-type', 'urn:ietf:params:oauth:grant-type:device_code', '--scope', 'openid', ...data]);
    assert.equal((await tessera(['user', 'create', '--username', 'mira', '--password-stdin', ...data], password)).code, 0);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const accessTokenLifetime = async (issuer: string) => (await postForm(`${issuer}/token`, { grant_type: 'client_credentials' }, basic(cron.client_id, cron.client_secret))).body['expires_in'];

  /** Every lifetime, as the tokens, codes and records the server makes show it. */
  async function observe(server: Spawned, idTokenAlg = 'RS256'): Promise<Expected> {
    const rp = await client.discovery(new URL(server.issuer), web.client_id, { client_secret: web.client_secret, id_token_signed_response_alg: idTokenAlg }, client.ClientSecretBasic(web.client_secret), {
      execute: [client.allowInsecureRequests],
    });
    const browser = new Browser(server.issuer);
    const { tokens, callback } = await codeFlow({ issuer: server.issuer } as TestServer, rp, CALLBACK, 'openid profile', { username: 'mira', password }, browser);
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, idTokenAlg);
    const { exp, iat } = decodeJwt(tokens.id_token!);
    const device = await postForm(`${server.issuer}/device_authorization`, { client_id: tv.client_id, scope: 'openid' });
    // The server writes these; the test reads them from the same store, as a second process may.
    const stores = await openSqliteStores(dataDir);
    try {
      const refresh = (await stores.refreshTokens.find(sha256(tokens.refresh_token!)))!;
      const session = (await stores.sessions.find(sha256(browser.cookies.get('tessera_session')!)))!;
      const code = (await stores.codes.find(sha256(callback.searchParams.get('code')!)))!;
      return {
        accessToken: tokens.expires_in!,
        idToken: exp! - iat!,
        refreshToken: refresh.expiresAt - refresh.createdAt,
        refreshTokenAbsolute: refresh.absoluteExpiresAt! - refresh.createdAt,
        session: session.expiresAt - session.createdAt,
        sessionAbsolute: session.absoluteExpiresAt - session.createdAt,
        authorizationCode: code.expiresAt - code.createdAt,
        deviceCode: device.body['expires_in'] as number,
      };
    } finally {
      await stores.close();
    }
  }

  it('takes every lifetime, and the ID token algorithm, from the config file', async () => {
    const file = join(dataDir, 'tessera.json');
    writeFileSync(
      file,
      JSON.stringify({
        lifetimes: { accessToken: '7m', idToken: '11m', refreshToken: '2h', refreshTokenAbsolute: '3h', session: '20m', sessionAbsolute: '1h', authorizationCode: '30s', deviceCode: 300 },
        idTokenAlg: 'ES256',
      }),
    );
    const server = await serve(dataDir, ['--config', file]);
    try {
      const expected = { accessToken: 420, idToken: 660, refreshToken: 7200, refreshTokenAbsolute: 10800, session: 1200, sessionAbsolute: 3600, authorizationCode: 30, deviceCode: 300 };
      assert.deepEqual(await observe(server, 'ES256'), expected);
      assert.deepEqual(server.ready['ttl'], { ...expected, interaction: 900 });
    } finally {
      await server.stop();
    }
  });

  it('takes them from environment variables', async () => {
    const server = await serve(dataDir, [], {
      TESSERA_ACCESS_TOKEN_TTL: '6m',
      TESSERA_ID_TOKEN_TTL: '12m',
      TESSERA_REFRESH_TOKEN_TTL: '90m',
      TESSERA_REFRESH_TOKEN_ABSOLUTE_TTL: '5h',
      TESSERA_SESSION_TTL: '25m',
      TESSERA_SESSION_ABSOLUTE_TTL: '2h',
      TESSERA_AUTHORIZATION_CODE_TTL: '40',
      TESSERA_DEVICE_CODE_TTL: '4m',
      TESSERA_ID_TOKEN_ALG: 'PS256',
    });
    try {
      assert.deepEqual(await observe(server, 'PS256'), { accessToken: 360, idToken: 720, refreshToken: 5400, refreshTokenAbsolute: 18000, session: 1500, sessionAbsolute: 7200, authorizationCode: 40, deviceCode: 240 });
    } finally {
      await server.stop();
    }
  });

  it('takes them from flags; `tessera keys` keeps retired keys as long as the tokens the server last signed live', async () => {
    const server = await serve(dataDir, [
      '--access-token-ttl', '2h', '--id-token-ttl', '13m', '--refresh-token-ttl', '1d', '--refresh-token-absolute-ttl', '30d', '--session-ttl', '30m',
      '--session-absolute-ttl', '12h', '--authorization-code-ttl', '45s', '--device-code-ttl', '15m',
    ]);
    try {
      assert.deepEqual(await observe(server), { accessToken: 7200, idToken: 780, refreshToken: 86400, refreshTokenAbsolute: 30 * 86400, session: 1800, sessionAbsolute: 43200, authorizationCode: 45, deviceCode: 900 });
    } finally {
      await server.stop();
    }
    // The CLI does not see the server's flags: the server recorded its longest JWT lifetime in the store.
    await tesseraJson(['keys', 'rotate', '--alg', 'ES256', '--data', dataDir]);
    const retired = (await tesseraJson<{ state: string; retired_at: number; prunable_at: number }[]>(['keys', 'list', '--data', dataDir])).filter((k) => k.state === 'retired');
    assert.deepEqual(retired.map((k) => k.prunable_at - k.retired_at), [7200 + 60]);
  });

  it('prefers a flag to the environment, the environment to the file, and the file to the default, one setting at a time', async () => {
    const file = join(dataDir, 'precedence.json');
    writeFileSync(file, JSON.stringify({ lifetimes: { accessToken: '20m', deviceCode: '3m' } }));
    const cases: [string[], Record<string, string>, number][] = [
      [['--config', file, '--access-token-ttl', '5m'], { TESSERA_ACCESS_TOKEN_TTL: '10m' }, 300],
      [['--config', file], { TESSERA_ACCESS_TOKEN_TTL: '10m' }, 600],
      [[], { TESSERA_CONFIG: file }, 1200],
      [[], {}, 900],
    ];
    for (const [args, env, expected] of cases) {
      const server = await serve(dataDir, args, env);
      try {
        assert.equal(await accessTokenLifetime(server.issuer), expected, JSON.stringify({ args, env }));
        // What the flag or environment did not name still comes from the file.
        const device = await postForm(`${server.issuer}/device_authorization`, { client_id: tv.client_id, scope: 'openid' });
        assert.equal(device.body['expires_in'], args.includes(file) || env['TESSERA_CONFIG'] ? 180 : 600);
      } finally {
        await server.stop();
      }
    }
  });

  it('reads a YAML config file (.yaml or .yml): its lifetimes take effect, and a flag and the environment still win over it', async () => {
    const yaml = join(dataDir, 'tessera.yaml');
    writeFileSync(yaml, ['# Lifetimes for this deployment', 'lifetimes:', '  accessToken: 8m', '  deviceCode: 240   # seconds', 'idTokenAlg: ES256', ''].join('\n'));
    const yml = join(dataDir, 'tessera.yml');
    writeFileSync(yml, 'lifetimes: { accessToken: "25m" }\n');
    const cases: [string[], Record<string, string>, number, number][] = [
      [['--config', yaml], {}, 480, 240],
      [['--config', yaml, '--access-token-ttl', '5m'], { TESSERA_ACCESS_TOKEN_TTL: '10m' }, 300, 240],
      [['--config', yaml], { TESSERA_ACCESS_TOKEN_TTL: '10m' }, 600, 240],
      [[], { TESSERA_CONFIG: yml }, 1500, 600],
    ];
    for (const [args, env, accessToken, deviceCode] of cases) {
      const server = await serve(dataDir, args, env);
      try {
        assert.equal(await accessTokenLifetime(server.issuer), accessToken, JSON.stringify({ args, env }));
        const device = await postForm(`${server.issuer}/device_authorization`, { client_id: tv.client_id, scope: 'openid' });
        assert.equal(device.body['expires_in'], deviceCode);
        assert.equal((server.ready['ttl'] as Record<string, number>)['accessToken'], accessToken);
      } finally {
        await server.stop();
      }
    }
    // The ID token algorithm from the YAML file, seen in a sign-in.
    const server = await serve(dataDir, ['--config', yaml]);
    try {
      assert.equal((await observe(server, 'ES256')).accessToken, 480);
    } finally {
      await server.stop();
    }
  });

  it('refuses a broken YAML file, or one that is not a mapping, in one line naming the file and the line', async () => {
    const write = (name: string, text: string) => {
      const path = join(dataDir, name);
      writeFileSync(path, text);
      return path;
    };
    const cases: [string, RegExp][] = [
      [write('broken.yaml', 'lifetimes:\n  accessToken: 7m\n   idToken: [1h\n'), /^tessera: error: .*broken\.yaml:2:16: not valid YAML: Nested mappings are not allowed in compact mappings$/],
      [write('twice.yml', 'lifetimes:\n  accessToken: 7m\n  accessToken: 9m\n'), /^tessera: error: .*twice\.yml:3:3: not valid YAML: Map keys must be unique$/],
      [write('list.yaml', '# settings\n- accessToken: 7m\n'), /^tessera: error: .*list\.yaml:2:1: the top level must be a mapping of settings \(such as 'lifetimes:'\), not a list or a single value$/],
      [write('empty.yaml', '# nothing yet\n'), /^tessera: error: .*empty\.yaml:1:1: the file holds no settings; it must be a mapping such as 'lifetimes:' with durations under it$/],
      [write('alias.yaml', 'lifetimes:\n  accessToken: *short\n'), /^tessera: error: .*alias\.yaml:2:16: not valid YAML: an alias names an anchor that is not set before it$/],
      [write('nested.yaml', 'lifetimes: 5m\n'), /^tessera: error: .*nested\.yaml: lifetimes must be a mapping$/],
      [write('wrong.yaml', 'lifetimes:\n  session: yes please\n'), /^tessera: error: .*wrong\.yaml: lifetimes\.session must be a duration such as 90s, 10m, 12h or 30d, not 'yes please'$/],
    ];
    for (const [file, message] of cases) {
      const { code, stderr } = await refusedStart(dataDir, ['--config', file]);
      assert.equal(code, 1, stderr);
      assert.equal(stderr.split('\n').filter((l) => l !== '').length, 1, stderr);
      assert.match(stderr.trim(), message);
    }
  });

  it('refuses to start on a wrong value, in one line that names where it came from', async () => {
    const typo = join(dataDir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ lifetimes: { accesToken: '5m' } }));
    const broken = join(dataDir, 'broken.json');
    writeFileSync(broken, '{ "lifetimes": ');
    const wrongType = join(dataDir, 'wrong-type.json');
    writeFileSync(wrongType, JSON.stringify({ lifetimes: { session: true } }));
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--access-token-ttl', '10x'], {}, /^tessera: error: --access-token-ttl must be a duration such as 90s, 10m, 12h or 30d, not '10x'$/],
      [['--authorization-code-ttl', '2m'], {}, /^tessera: error: --authorization-code-ttl: the authorization code lifetime must be at most 1m, not 2m$/],
      [[], { TESSERA_SESSION_TTL: '500d' }, /^tessera: error: TESSERA_SESSION_TTL: the session idle lifetime must be at most 400d, not 500d$/],
      [[], { TESSERA_ID_TOKEN_ALG: 'HS256' }, /^tessera: error: TESSERA_ID_TOKEN_ALG must be one of RS256, ES256, PS256, not 'HS256'$/],
      [['--access-token-alg', 'PS256'], {}, /^tessera: error: --access-token-alg must be one of ES256, RS256, not 'PS256'$/],
      [['--config', typo], {}, /^tessera: error: .*typo\.json: unknown setting 'lifetimes\.accesToken' \(known: lifetimes\.accessToken, /],
      [['--config', broken], {}, /^tessera: error: .*broken\.json is not valid JSON: /],
      [['--config', wrongType], {}, /^tessera: error: .*wrong-type\.json: lifetimes\.session must be a duration such as 90s, 10m, 12h or 30d, not true$/],
      [['--config', join(dataDir, 'missing.json')], {}, /^tessera: error: cannot read the config file .*missing\.json: ENOENT$/],
    ];
    for (const [args, env, message] of cases) {
      const { code, stderr } = await refusedStart(dataDir, args, env);
      assert.equal(code, 1, JSON.stringify({ args, env, stderr }));
      assert.equal(stderr.split('\n').filter((l) => l !== '').length, 1, stderr);
      assert.match(stderr.trim(), message);
    }
  });
});
