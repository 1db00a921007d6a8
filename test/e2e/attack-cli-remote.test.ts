import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tessera, type Run } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Attacks on the CLI's remote mode (`tessera admin login` and commands that go to the admin API):
 * where the client secret may travel, what a malicious or broken server can do to the operator's
 * terminal and process, and how the saved login file is guarded. Fake servers are plain node:http
 * listeners that record what reaches them. Each test asserts the correct behaviour. Tests marked
 * "(was a bug)" describe a fault the review found and how it was fixed: the secret sent to a token
 * endpoint named elsewhere, a saved URL not re-checked, a login written through a symlink or taken
 * from another user's file, server values printed raw, no timeout, an endless cursor, and empty
 * --data/--database-url flags.
 */

const SECRET = 'attack-secret-Zq9vX3mK7pL2wR8tY5nB4cD6fG1hJ0sA';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

interface Fake {
  base: string;
  seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, base: string, body: string) => void;

/** A listener on `host` (127.0.0.2 is loopback to the kernel, but not to the CLI's http rule) that records every request. */
async function fake(handler: Handler, host = '127.0.0.1'): Promise<Fake> {
  const seen: Seen[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      handler(req, res, base, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  base = `http://${host}:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    base,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sendJson = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
};

/** A server that plays Tessera well enough for login and `client list`; `admin` answers /admin/v1/… */
function tesseraLike(admin: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => sendJson(res, 200, { items: [], next_cursor: null })): Handler {
  return (req, res, base) => {
    if (req.url === '/.well-known/openid-configuration') return sendJson(res, 200, { issuer: base, token_endpoint: `${base}/token` });
    if (req.url === '/token') return sendJson(res, 200, { access_token: 'fake-access-token', token_type: 'Bearer', expires_in: 300, scope: 'tessera:admin' });
    if (req.url?.startsWith('/admin/v1/')) return admin(req, res);
    sendJson(res, 404, {});
  };
}

const secretSeen = (f: Fake) => f.seen.some((s) => (s.authorization ?? '').startsWith('Basic') || s.body.includes(SECRET) || (s.authorization ?? '').includes(SECRET));

/** The CLI with a pid to look at and a deadline: killed (SIGKILL) when it outlives `ms`. */
function run(args: string[], env: Record<string, string>, input = '', ms = 30_000, onStart?: (pid: number) => void, cwd = ROOT): Promise<Run & { killed: boolean; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [`${ROOT}/bin/tessera.js`, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, ms);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed, ms: Date.now() - started });
    });
    if (onStart && child.pid !== undefined) onStart(child.pid);
    child.stdin.end(input);
  });
}

describe('attacks on the CLI remote mode', () => {
  let dir: string;
  let n = 0;
  /** A fresh config path (not created) for each attack. */
  const configPath = () => join(dir, `cfg-${++n}`, 'tessera', 'admin.json');
  const envFor = (config: string) => ({ TESSERA_ADMIN_CONFIG: config, TESSERA_DATA_DIR: '', TESSERA_DATABASE_URL: '' });
  const login = (url: string, config: string, ms = 30_000, onStart?: (pid: number) => void) =>
    run(['admin', 'login', '--url', url, '--client-id', 'ops', '--client-secret-stdin', '--json'], envFor(config), SECRET, ms, onStart);
  /** Saves a login file as if `admin login` had, pointing at `url`. */
  const saved = (url: string, mode = 0o600) => {
    const config = configPath();
    mkdirSync(join(config, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(config, JSON.stringify({ url, client_id: 'ops', client_secret: SECRET }), { mode });
    chmodSync(config, mode); // the umask narrowed the mode writeFileSync was given
    return config;
  };
  const oneErrorLine = (r: Run) => {
    assert.equal(r.code, 1, `exit code: ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, /^tessera: error: [^\n]*\n$/, r.stderr.slice(0, 500));
    assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET), 'the secret is never printed');
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-attack-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // ---- where the secret goes ----

  it('refuses to log in over plain http to anything but loopback names, and sends nothing there', async () => {
    const there = await fake(tesseraLike(), '127.0.0.2');
    try {
      const port = new URL(there.base).port;
      for (const url of [there.base, `http://localhost.attacker.example:${port}`, `http://127.0.0.1.nip.io:${port}`, `http://0.0.0.0:${port}`, `http://[::ffff:127.0.0.2]:${port}`, `ftp://127.0.0.1:${port}`, `HTTP://127.0.0.2:${port}`]) {
        const config = configPath();
        const r = await login(url, config);
        oneErrorLine(r);
        assert.equal(existsSync(config), false, url);
      }
      assert.deepEqual(there.seen, [], 'nothing reached the server');
    } finally {
      await there.close();
    }
  });

  it('does not follow redirects with the secret: a discovery or token endpoint that redirects elsewhere gets nothing', async () => {
    const elsewhere = await fake(tesseraLike());
    const discoveryMoves = await fake((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.base}/.well-known/openid-configuration` });
      res.end();
    });
    const tokenMoves = await fake((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') return sendJson(res, 200, { issuer: base, token_endpoint: `${base}/token` });
      res.writeHead(307, { location: `${elsewhere.base}/token` });
      res.end();
    });
    try {
      for (const from of [discoveryMoves, tokenMoves]) {
        const config = configPath();
        const r = await login(from.base, config);
        oneErrorLine(r);
        assert.equal(existsSync(config), false);
      }
      assert.equal(secretSeen(elsewhere), false, 'the secret never reached the redirect target');
      assert.deepEqual(elsewhere.seen.filter((s) => s.method === 'POST'), []);
    } finally {
      await Promise.all([elsewhere.close(), discoveryMoves.close(), tokenMoves.close()]);
    }
  });

  it('sends the client secret only to the --url server: a token endpoint its discovery names elsewhere (another host, or another port) gets nothing (was a bug)', async () => {
    // The bug: obtainAdminToken (src/cli/remote/admin-http.ts, tokenEndpoint()) took
    // `token_endpoint` from the discovery document as it was and POSTed the client secret there in
    // Basic: a server (or anyone who can change its discovery document, e.g. a cache or a proxy in
    // front of it) sent the operator's tessera:admin secret to any host, over plain http too,
    // at login and on every later command. Now tokenEndpoint() accepts a token endpoint only on the
    // --url's origin (scheme, host and port) and a document whose `issuer` is the --url; otherwise
    // it refuses with one line and sends nothing.
    const thief = await fake(tesseraLike(), '127.0.0.2');
    const sameHostOtherPort = await fake(tesseraLike());
    try {
      for (const target of [thief, sameHostOtherPort]) {
        const pointing = await fake((req, res, base) => {
          if (req.url === '/.well-known/openid-configuration') return sendJson(res, 200, { issuer: base, token_endpoint: `${target.base}/token` });
          sendJson(res, 404, {});
        });
        try {
          const config = configPath();
          const r = await login(pointing.base, config);
          assert.equal(secretSeen(target), false, `the client secret was sent to ${target.base}/token, named by ${pointing.base}'s discovery`);
          oneErrorLine(r);
          assert.equal(existsSync(config), false);
        } finally {
          await pointing.close();
        }
      }
      // A discovery document that is another server's (its issuer is not the --url) is not trusted either.
      const posing = await fake((req, res, base) => {
        if (req.url === '/.well-known/openid-configuration') return sendJson(res, 200, { issuer: 'https://id.example.com', token_endpoint: `${base}/token` });
        return sendJson(res, 200, { access_token: 'fake-access-token', token_type: 'Bearer', expires_in: 300, scope: 'tessera:admin' });
      });
      try {
        const config = configPath();
        const r = await login(posing.base, config);
        assert.equal(secretSeen(posing), false, 'the client secret was sent although the issuer is not the --url');
        oneErrorLine(r);
        assert.match(r.stderr, /issuer/);
        assert.equal(existsSync(config), false);
      } finally {
        await posing.close();
      }
    } finally {
      await Promise.all([thief.close(), sameHostOtherPort.close()]);
    }
  });

  it('a saved login whose URL was changed to plain http on another host is refused, and the secret is not sent (was a bug)', async () => {
    // The bug: the --url rule (https, or http to a loopback name) held only at `admin login`;
    // readAdminLogin (src/cli/remote/admin-config.ts) took `url` from the file as it was, so a
    // config whose URL was edited (or written by another tool) to http://some-host sent the client
    // secret in clear text on the next `tessera client list`. Now readAdminLogin applies the same
    // rule (checkedServerUrl) and refuses the file with one line naming it.
    const thief = await fake(tesseraLike(), '127.0.0.2');
    try {
      const config = saved(thief.base);
      const r = await run(['client', 'list', '--json'], envFor(config));
      assert.equal(secretSeen(thief), false, 'the client secret went over plain http to a non-loopback host');
      oneErrorLine(r);
    } finally {
      await thief.close();
    }
  });

  it('never puts the secret in argv or the environment, and refuses a --client-secret flag', async () => {
    const flag = await run(['admin', 'login', '--url', 'http://127.0.0.1:9', '--client-id', 'ops', '--client-secret', SECRET], envFor(configPath()));
    assert.notEqual(flag.code, 0);
    assert.ok(!flag.stderr.includes(SECRET), 'the refused flag is not echoed with its value');
    // A server that never answers holds the CLI long enough to read its /proc entries.
    const silent = await fake(() => undefined);
    try {
      let proc = '';
      const r = await login(silent.base, configPath(), 4000, (pid) => {
        setTimeout(() => {
          try {
            proc = readFileSync(`/proc/${pid}/cmdline`, 'utf8') + readFileSync(`/proc/${pid}/environ`, 'utf8');
          } catch {
            proc = 'unreadable';
          }
        }, 1500);
      });
      assert.notEqual(r.code, 0);
      assert.ok(proc.length > 0 && proc !== 'unreadable', 'the process was there to read');
      assert.ok(!proc.includes(SECRET), 'the secret is not in argv or the environment');
    } finally {
      await silent.close();
    }
  });

  it('never prints the secret in errors: refused credentials, unreachable servers, a server answering junk', async () => {
    const refusing = await fake((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') return sendJson(res, 200, { issuer: base, token_endpoint: `${base}/token` });
      sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
    });
    const junk = await fake((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>not json');
    });
    try {
      for (const url of [refusing.base, junk.base, 'http://127.0.0.1:9']) {
        const config = configPath();
        const r = await login(url, config);
        oneErrorLine(r);
        assert.equal(existsSync(config), false);
        assert.deepEqual(existsSync(join(config, '..')) ? readdirSync(join(config, '..')) : [], [], 'no file left next to where the login would be');
      }
    } finally {
      await Promise.all([refusing.close(), junk.close()]);
    }
  });

  // ---- the saved login file ----

  it('saves the login alone in a 0700 directory, mode 0600, and refuses group- or other-readable or -writable files', async () => {
    const server = await fake(tesseraLike());
    try {
      const config = configPath();
      const r = await login(server.base, config);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statSync(config).mode & 0o777, 0o600);
      assert.equal(statSync(join(config, '..')).mode & 0o777, 0o700);
      assert.deepEqual(readdirSync(join(config, '..')), ['admin.json'], 'no temporary or backup file next to it');
      for (const mode of [0o640, 0o604, 0o620, 0o602, 0o660]) {
        const other = saved(server.base, mode);
        const listed = await run(['client', 'list'], envFor(other));
        oneErrorLine(listed);
        assert.match(listed.stderr, /others can read it|chmod 600/);
      }
    } finally {
      await server.close();
    }
  });

  it('`admin login` does not write the secret through a symlink planted where the config goes (was a bug)', async () => {
    // The bug: writeAdminLogin (src/cli/remote/admin-config.ts) chmodded and wrote `path` with
    // chmodSync/writeFileSync, which follow symlinks: whoever could plant admin.json as a link (a
    // shared or misconfigured config directory, TESSERA_ADMIN_CONFIG in /tmp) got the client secret
    // written into the file the link names, and that file chmodded too. Now a link (or anything but
    // a plain file) at the path is refused, by lstat, at write and at read; the login is written to
    // a new file in the same directory (flags wx: O_EXCL, mode 0600), then renamed over admin.json.
    const server = await fake(tesseraLike());
    try {
      const config = configPath();
      mkdirSync(join(config, '..'), { recursive: true, mode: 0o700 });
      const target = join(dir, `planted-${n}.txt`);
      writeFileSync(target, 'attacker file\n', { mode: 0o666 });
      chmodSync(target, 0o666); // the umask narrowed the mode writeFileSync was given
      symlinkSync(target, config);
      const r = await login(server.base, config);
      assert.ok(!readFileSync(target, 'utf8').includes(SECRET), 'the secret was written through the symlink into another file');
      assert.equal(statSync(target).mode & 0o777, 0o666, 'the link target kept its mode');
      if (r.code === 0) assert.equal(lstatSync(config).isSymbolicLink(), false);
      else oneErrorLine(r);
      // A link planted where a saved login is read is refused too, not followed.
      const linked = await run(['client', 'list', '--json'], envFor(config));
      oneErrorLine(linked);
      assert.match(linked.stderr, /symbolic link/);
      assert.ok(!server.seen.some((s) => s.url.startsWith('/admin/v1/')), 'no command went to the server through the linked login');
    } finally {
      await server.close();
    }
  });

  it('a saved login owned by another user is refused, like ssh refuses such a key or config (was a bug)', { skip: process.getuid?.() !== 0 ? 'needs root to chown' : false }, async () => {
    // The bug: readAdminLogin (src/cli/remote/admin-config.ts) checked only the mode bits, not
    // the owner. A file another user placed at the config path (a shared HOME, XDG_CONFIG_HOME or
    // TESSERA_ADMIN_CONFIG pointing at a shared place) decided which server every command talked
    // to: `tessera user create --password-stdin` then handed a new user's password, and `client
    // create` its answers, to that user's server. Now the file is refused unless its owner is the
    // current user (process.getuid(), where it exists), with one line naming the owner's uid.
    const server = await fake(tesseraLike());
    try {
      const config = saved(server.base);
      chownSync(config, 65534, 65534);
      const r = await run(['client', 'list', '--json'], envFor(config));
      oneErrorLine(r);
      assert.deepEqual(server.seen, [], 'no request went to the server the foreign file names');
    } finally {
      await server.close();
    }
  });

  // ---- a malicious or broken server ----

  it('shows problem+json details with terminal escape sequences and newlines escaped, on one line', async () => {
    const evil = await fake(
      tesseraLike((_req, res) =>
        sendJson(res, 400, { type: 'about:blank', title: 'x', status: 400, detail: 'boom\u001b[2J\u001b]0;pwned\u0007\r\ntessera: all good\u009b31m\u202e' }, 'application/problem+json'),
      ),
    );
    try {
      const config = saved(evil.base);
      const r = await run(['client', 'show', 'someone'], envFor(config));
      oneErrorLine(r);
      assert.doesNotMatch(r.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      assert.match(r.stderr, /\\u001b\[2J/);
    } finally {
      await evil.close();
    }
  });

  it('prints what a server answers (client names, ids) without raw terminal escape sequences or forged lines (was a bug)', async () => {
    // The bug: print() in src/cli/output.ts wrote values from the server as they were (the table of
    // `client list`, the key/value lines of `client show`); only error messages went through
    // printableLine. A malicious or compromised server named a client "\e]0;…\a\e[2J…" and the
    // operator's terminal ran the sequences (retitled the window, cleared the screen, rewrote what
    // earlier lines said), and a "\n" forged extra lines of the table. Now every key, cell and value
    // of the output for people goes through escapeControls (printableLine's escaping, without its
    // length cut, so long values stay whole), locally and remotely; --json was safe already.
    const evil = await fake(
      tesseraLike((req, res) => {
        const client = { client_id: 'evil\u001b[2J', client_name: 'Name\u001b]0;pwned\u0007\nfake-row  public', client_type: 'public', grant_types: ['client_credentials'], first_party: false, disabled: false };
        if (req.url?.startsWith('/admin/v1/clients?') || req.url === '/admin/v1/clients') return sendJson(res, 200, { items: [client], next_cursor: null });
        return sendJson(res, 200, client);
      }),
    );
    try {
      const config = saved(evil.base);
      for (const args of [['client', 'list'], ['client', 'show', 'evil']]) {
        const r = await run(args, envFor(config));
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stdout, /[\u001b\u0007\u009b]/, `${args.join(' ')} printed a raw escape sequence`);
        assert.match(r.stdout, /evil\\u001b\[2J/, 'the id is shown, escaped');
        assert.ok(!r.stdout.split('\n').some((line) => line.startsWith('fake-row')), `${args.join(' ')} printed a forged line`);
      }
      const json = await run(['client', 'list', '--json'], envFor(config));
      assert.doesNotMatch(json.stdout, /[\u001b\u0007]/, '--json escapes them');
    } finally {
      await evil.close();
    }
  });

  it('gives up on a server that never answers, with one clear line, after the timeout (was a bug)', async () => {
    // The bug: reach() in src/cli/remote/admin-http.ts called fetch with no timeout, so a server
    // that accepts the connection and never answers held `admin login` and every remote command
    // until undici's own 300 s header timeout, with no word to the operator. Now each request has
    // AbortSignal.timeout: 30 s, or TESSERA_ADMIN_TIMEOUT_MS (here 2 s, so the test does not wait
    // 30 s), and the error is `cannot reach <server>: no answer in N s`.
    const silent = await fake(() => undefined);
    try {
      const config = configPath();
      const r = await run(['admin', 'login', '--url', silent.base, '--client-id', 'ops', '--client-secret-stdin', '--json'], { ...envFor(config), TESSERA_ADMIN_TIMEOUT_MS: '2000' }, SECRET, 20_000);
      assert.equal(r.killed, false, `still waiting after ${r.ms} ms`);
      oneErrorLine(r);
      assert.match(r.stderr, /^tessera: error: cannot reach http:\/\/127\.0\.0\.1:\d+: no answer in 2 s\n$/);
      assert.ok(r.ms >= 2000, `gave up after ${r.ms} ms, before the timeout`);
      assert.equal(existsSync(config), false);
    } finally {
      await silent.close();
    }
  });

  it('survives a 400 MB answer with a 96 MB heap: one line, no crash, nothing saved', async () => {
    // The risk: jsonOf (src/cli/remote/admin-http.ts) reads the whole body with response.text()
    // and no byte limit; a cap (e.g. 16 MiB) would make this cheaper still.
    const huge = await fake((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 400 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('{}');
      };
      req.socket.on('error', () => undefined);
      pump();
    });
    try {
      const config = configPath();
      const r = await run(['admin', 'login', '--url', huge.base, '--client-id', 'ops', '--client-secret-stdin'], { ...envFor(config), NODE_OPTIONS: '--max-old-space-size=96' }, SECRET, 60_000);
      assert.equal(r.killed, false);
      oneErrorLine(r);
      assert.equal(existsSync(config), false);
    } finally {
      await huge.close();
    }
  });

  it('stops listing when a server hands back the same cursor forever (was a bug)', async () => {
    // The bug: AdminHttp.all (src/cli/remote/admin-http.ts) followed next_cursor until the server
    // gave none: a server that always answers a cursor kept `client list` fetching and piling up
    // items until the operator killed it or memory ran out. Now a cursor given twice stops the
    // listing with one line, and a listing stops after 10,000 pages whatever the cursors.
    const looping = await fake(tesseraLike((_req, res) => sendJson(res, 200, { items: [{ client_id: 'x', client_name: 'x' }], next_cursor: 'again' })));
    try {
      const r = await run(['client', 'list', '--json'], envFor(saved(looping.base)), '', 20_000);
      assert.equal(r.killed, false, `still listing after ${r.ms} ms (${looping.seen.length} requests)`);
      oneErrorLine(r);
      assert.equal(looping.seen.filter((s) => s.url.startsWith('/admin/v1/')).length, 2, 'stopped at the first repeated cursor');
    } finally {
      await looping.close();
    }
  });

  // ---- no store named ----

  it('refuses to create a store with TESSERA_DATA_DIR=\'\' and no login (one line, nothing created)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tessera-attack-cwd-'));
    try {
      const r = await run(['user', 'list'], envFor(join(dir, 'no-login.json')), '', 30_000, undefined, cwd);
      oneErrorLine(r);
      assert.deepEqual(readdirSync(cwd), []);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("`--data ''` and `--database-url ''` are refused with one line, and create nothing (was a bug)", async () => {
    // The bug: noteStoreChoice (src/cli/store-options.ts) counted a flag given on the command line
    // as "a store was named" even when its value was empty. `--database-url ''` then fell back to
    // the default ./data (storeLocation ignores the empty URL) past refuseNewDefaultStore: a new,
    // empty store was created in ./data and the command succeeded against it. `--data ''` reached
    // openSqliteStores with an empty path and died with an ENOENT stack trace. Now noteStoreChoice
    // refuses an empty flag with one line (`--data needs a directory`), before anything is opened;
    // an empty TESSERA_DATA_DIR/TESSERA_DATABASE_URL stays "not set", as in the test above.
    const cwd = mkdtempSync(join(tmpdir(), 'tessera-attack-cwd-'));
    try {
      for (const args of [['user', 'list', '--data', ''], ['user', 'list', '--database-url', ''], ['client', 'create', '--name', 'Lost', '--database-url', '', '--json']]) {
        const r = await run(args, envFor(join(dir, 'no-login.json')), '', 30_000, undefined, cwd);
        assert.deepEqual(readdirSync(cwd), [], `${args.join(' ')} created ${readdirSync(cwd).join(', ')}`);
        oneErrorLine(r);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  // ---- against a real server ----

  describe('against a real Tessera', () => {
    let server: TestServer;
    let admin: { clientId: string; secret?: string };
    before(async () => {
      server = await startTestServer();
      admin = await server.addClient({ name: 'ops', grantTypes: ['client_credentials'], scopes: ['tessera:admin'] });
    });
    after(() => server.close());

    it('a login for a client that is then disabled or whose secret is rotated stops working with one line', async () => {
      const config = configPath();
      const r = await run(['admin', 'login', '--url', server.issuer, '--client-id', admin.clientId, '--client-secret-stdin', '--json'], envFor(config), admin.secret!);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await run(['client', 'list', '--json'], envFor(config))).code, 0);
      const other = await server.addClient({ name: 'victim', grantTypes: ['client_credentials'], scopes: ['openid'] });
      const rotated = await tessera(['client', 'rotate-secret', admin.clientId, '--json', ...server.storeArgs], undefined, false, { TESSERA_ADMIN_CONFIG: join(dir, 'none.json') });
      assert.equal(rotated.code, 0, rotated.stderr);
      const after = await run(['client', 'show', other.clientId], envFor(config));
      assert.equal(after.code, 1);
      assert.match(after.stderr, /^tessera: error: .*refused client/);
      assert.ok(!after.stderr.includes(admin.secret!));
    });

    it("a read-only login cannot write through any command, and the admin API's answer is one line", async () => {
      const reader = await server.addClient({ name: 'reader', grantTypes: ['client_credentials'], scopes: ['tessera:admin:read'] });
      const config = configPath();
      const r = await run(['admin', 'login', '--url', server.issuer, '--client-id', reader.clientId, '--client-secret-stdin', '--json'], envFor(config), reader.secret!);
      assert.equal(r.code, 0, r.stderr);
      for (const args of [['user', 'create', '--username', 'sneaky', '--password-stdin'], ['group', 'create', 'sneaky'], ['keys', 'rotate'], ['registration-token', 'create'], ['client', 'rotate-secret', reader.clientId]]) {
        const w = await run(args, envFor(config), 'a long enough password');
        assert.equal(w.code, 1, `${args.join(' ')}: ${w.stdout}`);
        assert.match(w.stderr, /^tessera: error: [^\n]*\n$/);
      }
      assert.equal(await server.tessera.ctx.stores.users.findByUsername('sneaky'), undefined);
      assert.equal(await server.tessera.ctx.stores.groups.findByName('sneaky'), undefined);
    });
  });
});
