import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { refusedServe, serveWhileUp } from '../helpers/serve-process.js';
import { startTestServer } from '../helpers/server.js';
import { Browser } from '../helpers/browser.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { basic, postForm } from '../helpers/http.js';

describe('logs', () => {
  it('never contain secrets, passwords, codes or tokens', async () => {
    const lines: string[] = [];
    const server = await startTestServer({}, { level: 'debug', stream: { write: (line: string) => lines.push(line) } });
    try {
      const user = await server.addUser({ username: 'logan', password: 'logan secret passphrase' });
      const app = await server.addClient({ name: 'Web', redirectUris: ['https://w.example.com/cb'], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'], scopes: ['openid', 'api'] });
      const config = await discover(server, app.clientId, app.secret);
      const browser = new Browser(server.issuer);
      await assert.rejects(codeFlow(server, config, 'https://w.example.com/cb', 'openid', { username: 'logan', password: 'wrong passphrase here' }, browser));
      const { tokens, callback, verifier } = await codeFlow(server, config, 'https://w.example.com/cb', 'openid api', { username: 'logan', password: user.password }, browser);
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      const cc = await client.clientCredentialsGrant(config);
      await fetch(`${server.issuer}/userinfo?access_token=${cc.access_token}`);
      await postForm(`${server.issuer}/token`, { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, code_verifier: verifier }, basic(app.clientId, app.secret!));

      const log = lines.join('');
      assert.ok(log.includes('/token'), 'requests are logged');
      const secrets = {
        client_secret: app.secret!, password: user.password, wrong_password: 'wrong passphrase here', code: callback.searchParams.get('code')!, verifier,
        access_token: tokens.access_token, refresh_token: tokens.refresh_token!, id_token: tokens.id_token!, rotated: refreshed.refresh_token!, machine_token: cc.access_token,
        session: browser.cookies.get('tessera_session')!, browser_binding: browser.cookies.get('tessera_browser')!,
      };
      for (const [name, value] of Object.entries(secrets)) {
        assert.ok(value && value.length > 10, name);
        assert.ok(!log.includes(value), `${name} appears in the logs`);
      }
    } finally {
      await server.close();
    }
  });
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A test server whose log records are collected, parsed. */
async function loggedServer(options: { trustProxy?: boolean } = {}) {
  const lines: string[] = [];
  const server = await startTestServer({}, { level: 'info', stream: { write: (line: string) => lines.push(line) } }, options);
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  /** The access-log line of the request with this id (written just after the answer, so waited for). */
  const accessLine = async (id: string) => {
    for (let i = 0; i < 50; i++) {
      const found = records().find((r) => r['reqId'] === id && r['msg'] === 'request completed');
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no access-log line for ${id}`);
  };
  return { server, lines, records, accessLine };
}

describe('logs: request ids', () => {
  it('gives every request an id, sent back on every kind of answer and named in its access-log line; a client cannot choose it', async () => {
    const { server, records, accessLine } = await loggedServer();
    try {
      const app = await server.addClient({ name: 'Web', redirectUris: ['https://w.example.com/cb'], grantTypes: ['authorization_code', 'client_credentials'], scopes: ['openid', 'api'] });
      const authorize = new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: 'https://w.example.com/cb', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSTjhkNQ', code_challenge_method: 'S256' });
      const forged = { 'x-request-id': 'chosen-by-the-client' };
      const answers: [string, Promise<Response>, number, RegExp][] = [
        ['JSON', fetch(`${server.issuer}/.well-known/openid-configuration`, { headers: forged }), 200, /application\/json/],
        ['JSON error', fetch(`${server.issuer}/no-such-endpoint`, { headers: forged }), 404, /application\/json/],
        ['unparsable body', fetch(`${server.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...forged }, body: '{' }), 400, /application\/json/],
        ['problem details', fetch(`${server.issuer}/admin/v1/clients`, { headers: forged }), 401, /application\/problem\+json/],
        ['SCIM', fetch(`${server.issuer}/scim/v2/Users`, { headers: forged }), 401, /application\/scim\+json/],
        ['redirect', fetch(`${server.issuer}/authorize?${authorize}`, { headers: forged, redirect: 'manual' }), 302, /.*/],
        ['page', fetch(`${server.issuer}/authorize?client_id=unknown`, { headers: forged }), 400, /text\/html/],
      ];
      const ids = new Set<string>();
      for (const [kind, pending, status, type] of answers) {
        const response = await pending;
        assert.equal(response.status, status, kind);
        assert.match(response.headers.get('content-type') ?? '', type, kind);
        const id = response.headers.get('x-request-id') ?? '';
        assert.match(id, UUID, `${kind}: a generated id, not the client's`);
        ids.add(id);
        const line = await accessLine(id);
        assert.equal((line['res'] as Record<string, unknown>)['statusCode'], status, kind);
        assert.match(String(line['time']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'ISO 8601 times');
        if (kind === 'page') {
          const reference = /Reference: <code id="reference">([^<]+)<\/code>/.exec(await response.text())?.[1];
          assert.equal(reference, id, 'the error page names the request as its header does');
        } else await response.arrayBuffer();
      }
      assert.equal(ids.size, answers.length, 'each request has its own id');
      assert.ok(!records().some((r) => r['reqId'] === 'chosen-by-the-client'));

      // What the core logs while it answers (an audit event) carries the request's id too.
      const issued = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(app.clientId, app.secret!));
      assert.equal(issued.status, 200);
      const id = issued.headers.get('x-request-id')!;
      await accessLine(id);
      const audit = records().find((r) => r['msg'] === 'audit' && (r['audit'] as Record<string, unknown>)['type'] === 'token.issued');
      assert.equal(audit?.['reqId'], id);
    } finally {
      await server.close();
    }
  });

  it('keeps the id a trusted proxy sends when it is 1–128 of [A-Za-z0-9._:-], and replaces any other', async () => {
    const { server, accessLine } = await loggedServer({ trustProxy: true });
    try {
      const idOf = async (value: string) => (await fetch(`${server.issuer}/health`, { headers: { 'x-request-id': value } })).headers.get('x-request-id')!;
      for (const kept of ['edge-01:req.7_A', 'a'.repeat(128), 'Root=1-67891233-abcdef012345678912345678'.replace('=', ':')]) {
        assert.equal(await idOf(kept), kept);
        await accessLine(kept);
      }
      for (const replaced of ['a'.repeat(129), 'two words', 'id\u00e9', 'a/b', '<script>', 'x;y=z']) assert.match(await idOf(replaced), UUID, replaced);
      // A proxy that sends none: the server makes one.
      assert.match((await fetch(`${server.issuer}/health`)).headers.get('x-request-id')!, UUID);
    } finally {
      await server.close();
    }
  });
});

describe('logs: refused requests', () => {
  it('name the OAuth error and the client, never its secret', async () => {
    const { server, lines, accessLine } = await loggedServer();
    try {
      const app = await server.addClient({ name: 'Cron', redirectUris: [], grantTypes: ['client_credentials'], scopes: ['api'] });
      const wrongSecret = 'not-the-secret-but-a-guess-0123456789';
      // HTTP Basic with a wrong secret.
      const basicRefused = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(app.clientId, wrongSecret));
      assert.equal(basicRefused.status, 401);
      assert.equal(basicRefused.body['error'], 'invalid_client');
      const basicLine = await accessLine(basicRefused.headers.get('x-request-id')!);
      assert.equal(basicLine['error'], 'invalid_client');
      assert.equal(basicLine['client_id'], app.clientId);
      // The right secret, but in the form, which this client (client_secret_basic) may not use.
      const formRefused = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret! });
      assert.equal(formRefused.status, 401);
      assert.equal(formRefused.body['error'], 'invalid_client');
      const formLine = await accessLine(formRefused.headers.get('x-request-id')!);
      assert.equal(formLine['error'], formRefused.body['error']);
      assert.equal(formLine['client_id'], app.clientId);
      // An answer that is not refused names neither.
      const issued = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(app.clientId, app.secret!));
      assert.equal(issued.status, 200);
      const okLine = await accessLine(issued.headers.get('x-request-id')!);
      assert.equal(okLine['error'], undefined);
      assert.equal(okLine['client_id'], undefined);

      const log = lines.join('');
      assert.ok(!log.includes(wrongSecret), 'the wrong secret is not logged');
      assert.ok(!log.includes(app.secret!), 'the secret is not logged');
      assert.ok(!log.includes(String(issued.body['access_token'])), 'the token is not logged');
    } finally {
      await server.close();
    }
  });
});



describe('tessera serve: --log-level and --log-format', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-logs-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes JSON records with ISO 8601 times by default; the ready line names the issuer in its message', async () => {
    const { issuer, stdout } = await serveWhileUp(dataDir, []);
    const records = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const ready = records.find((r) => String(r['msg']).startsWith('Tessera is ready'));
    assert.equal(ready?.['msg'], `Tessera is ready at ${issuer}`);
    assert.equal(ready?.['issuer'], issuer);
    for (const r of records) assert.match(String(r['time']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(records.some((r) => r['msg'] === 'request completed' && typeof r['reqId'] === 'string'), 'the /health requests are logged with their ids');
  });

  it('--log-level warn (or TESSERA_LOG_LEVEL) leaves out info records and keeps warnings', async () => {
    // A data directory open to others draws a warning at start.
    chmodSync(dataDir, 0o755);
    try {
      for (const [args, env] of [[['--log-level', 'warn'], {}], [[], { TESSERA_LOG_LEVEL: 'warn' }], [['--log-level', 'warn'], { TESSERA_LOG_LEVEL: 'debug' }]] as [string[], Record<string, string>][]) {
        const { stdout } = await serveWhileUp(dataDir, args, env, async (issuer) => void (await fetch(`${issuer}/no-such-endpoint`)));
        const records = stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.ok(records.length > 0 && records.every((r) => (r['level'] as number) >= 40), JSON.stringify({ args, env, stdout }));
        assert.ok(records.some((r) => String(r['msg']).includes('is open to other users')), stdout);
      }
      const silent = await serveWhileUp(dataDir, ['--log-level', 'silent']);
      assert.equal(silent.stdout, '');
    } finally {
      chmodSync(dataDir, 0o700);
    }
  });

  it('--log-format pretty (or TESSERA_LOG_FORMAT) writes one readable line per record, beginning with its ISO 8601 time', async () => {
    for (const [args, env] of [[['--log-format', 'pretty'], {}], [[], { TESSERA_LOG_FORMAT: 'pretty' }]] as [string[], Record<string, string>][]) {
      let id = '';
      const { issuer, stdout } = await serveWhileUp(dataDir, args, env, async (at) => {
        const response = await postForm(`${at}/token`, { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'a-guess-never-logged' });
        assert.equal(response.status, 401);
        id = response.headers.get('x-request-id')!;
      });
      const lines = stdout.trim().split('\n');
      for (const line of lines) {
        assert.throws(() => JSON.parse(line), SyntaxError, line);
        assert.match(line, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/, line);
      }
      assert.ok(lines.some((l) => l.includes(` INFO  Tessera is ready at ${issuer} issuer=${issuer} `)), stdout);
      const access = lines.find((l) => l.includes(`reqId=${id} `));
      assert.match(access ?? '', / request completed .*req\.path=\/token .*res\.statusCode=401 .*error=invalid_client client_id=nobody/, stdout);
      assert.ok(!stdout.includes('a-guess-never-logged'));
    }
  });

  it('refuses a level or format it does not know, in one line naming where it came from', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--log-level', 'verbose'], {}, /^tessera: error: --log-level must be one of trace, debug, info, warn, error, fatal, silent, not 'verbose'$/],
      [[], { TESSERA_LOG_LEVEL: 'INFO' }, /^tessera: error: TESSERA_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not 'INFO'$/],
      [['--log-format', 'text'], {}, /^tessera: error: --log-format must be one of json, pretty, not 'text'$/],
      [['--log-format', 'pretty'], { TESSERA_LOG_LEVEL: 'loud' }, /^tessera: error: TESSERA_LOG_LEVEL must be one of /],
      [[], { TESSERA_LOG_FORMAT: 'xml' }, /^tessera: error: TESSERA_LOG_FORMAT must be one of json, pretty, not 'xml'$/],
    ];
    for (const [args, env, message] of cases) {
      const { code, stdout, stderr } = await refusedServe(dataDir, args, env);
      assert.equal(code, 1, JSON.stringify({ args, env, stderr }));
      assert.equal(stderr.split('\n').filter((l) => l !== '').length, 1, stderr);
      assert.match(stderr.trim(), message);
      assert.equal(stdout, '', 'nothing started');
    }
  });
});
