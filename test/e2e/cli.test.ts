import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { codeFlow, discover } from '../helpers/oidc.js';
import { basic, postForm } from '../helpers/http.js';
import { Browser } from '../helpers/browser.js';
import { tessera } from '../helpers/cli.js';

describe('the tessera CLI against a running server', () => {
  let server: TestServer;
  let data: string[];

  before(async () => {
    server = await startTestServer();
    data = server.storeArgs;
  });
  after(() => server.close());

  it('creates a client and a user that the running server uses at once', async () => {
    const created = await tessera(
      ['client', 'create', '--name', 'CLI App', '--type', 'confidential', '--redirect-uri', 'https://cli.example.com/cb', '--grant-type', 'authorization_code',
        '--grant-type', 'refresh_token', '--grant-type', 'client_credentials', '--scope', 'openid profile api:read', ...data, '--json'],
      undefined,
      true,
    );
    assert.equal(created.code, 0, created.stderr);
    const app = JSON.parse(created.stdout) as Record<string, unknown>;
    assert.equal(typeof app['client_id'], 'string');
    assert.equal(typeof app['client_secret'], 'string');
    assert.ok(String(app['client_secret']).length >= 43, '256-bit secret');
    assert.deepEqual(app['redirect_uris'], ['https://cli.example.com/cb']);
    assert.deepEqual(app['grant_types'], ['authorization_code', 'refresh_token', 'client_credentials']);
    assert.equal(app['scope'], 'openid profile api:read');
    assert.equal(app['token_endpoint_auth_method'], 'client_secret_basic');

    const user = await tessera(['user', 'create', '--username', 'dave', '--email', 'dave@example.com', '--name', 'Dave', '--password-stdin', ...data, '--json'], 'a passphrase for dave\n', true);
    assert.equal(user.code, 0, user.stderr);
    const dave = JSON.parse(user.stdout) as Record<string, unknown>;
    assert.equal(dave['username'], 'dave');
    assert.equal(typeof dave['sub'], 'string');
    assert.equal(dave['password_hash'], undefined);

    const clientId = String(app['client_id']);
    const secret = String(app['client_secret']);
    const cc = await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(clientId, secret));
    assert.equal(cc.status, 200);
    assert.equal(cc.body['scope'], 'api:read');

    const config = await discover(server, clientId, secret);
    const { tokens } = await codeFlow(server, config, 'https://cli.example.com/cb', 'openid profile', { username: 'dave', password: 'a passphrase for dave' });
    assert.equal(tokens.claims()?.sub, dave['sub']);
  });

  it('lists, shows, updates, rotates and deletes clients', async () => {
    const created = JSON.parse((await tessera(['client', 'create', '--name', 'Rotator', '--grant-type', 'client_credentials', '--scope', 'x', ...data, '--json'])).stdout) as Record<string, string>;
    const id = created['client_id']!;

    const list = JSON.parse((await tessera(['client', 'list', ...data, '--json'])).stdout) as Record<string, unknown>[];
    assert.ok(list.some((c) => c['client_id'] === id));
    assert.ok(list.every((c) => c['client_secret'] === undefined), 'secrets are shown only at creation');
    const table = await tessera(['client', 'list', ...data]);
    assert.match(table.stdout, /client_id\s+name/);
    assert.match(table.stdout, /Rotator/);
    const shown = JSON.parse((await tessera(['client', 'show', id, ...data, '--json'])).stdout) as Record<string, unknown>;
    assert.equal(shown['client_name'], 'Rotator');

    const rotated = JSON.parse((await tessera(['client', 'rotate-secret', id, ...data, '--json'])).stdout) as Record<string, string>;
    assert.notEqual(rotated['client_secret'], created['client_secret']);
    assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(id, created['client_secret']!))).status, 401);
    assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(id, rotated['client_secret']!))).status, 200);

    const updated = JSON.parse((await tessera(['client', 'update', id, '--scope', 'x y', ...data, '--json'])).stdout) as Record<string, unknown>;
    assert.equal(updated['scope'], 'x y');
    assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(id, rotated['client_secret']!))).body['scope'], 'x y');

    assert.equal((await tessera(['client', 'update', id, '--disable', ...data, '--json'])).code, 0);
    assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(id, rotated['client_secret']!))).status, 401);
    assert.equal((await tessera(['client', 'update', id, '--enable', ...data, '--json'])).code, 0);

    assert.equal((await tessera(['client', 'delete', id, ...data, '--json'])).code, 0);
    assert.equal((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(id, rotated['client_secret']!))).status, 401);
  });

  it('disables, enables and re-passwords users', async () => {
    await tessera(['user', 'create', '--username', 'erin', '--password-stdin', ...data, '--json'], 'first passphrase here');
    const app = await server.addClient({ name: 'Web', redirectUris: ['https://w.example.com/cb'], scopes: ['openid'] });
    const config = await discover(server, app.clientId, app.secret);
    const signIn = (password: string) => codeFlow(server, config, 'https://w.example.com/cb', 'openid', { username: 'erin', password }, new Browser(server.issuer));

    assert.equal((await tessera(['user', 'disable', 'erin', ...data, '--json'])).code, 0);
    await assert.rejects(signIn('first passphrase here'), /Incorrect username or password/);
    assert.equal((await tessera(['user', 'enable', 'erin', ...data, '--json'])).code, 0);
    assert.ok((await signIn('first passphrase here')).tokens.access_token);

    assert.equal((await tessera(['user', 'set-password', 'erin', '--password-stdin', ...data, '--json'], 'second passphrase here')).code, 0);
    await assert.rejects(signIn('first passphrase here'), /Incorrect username or password/);
    assert.ok((await signIn('second passphrase here')).tokens.access_token);

    const listed = JSON.parse((await tessera(['user', 'list', ...data, '--json'])).stdout) as Record<string, unknown>[];
    assert.ok(listed.some((u) => u['username'] === 'erin'));
    const shown = await tessera(['user', 'show', 'erin', ...data]);
    assert.match(shown.stdout, /username\s+erin/);
  });

  it('reports mistakes on stderr with a non-zero exit and changes nothing', async () => {
    const before = (await tessera(['client', 'list', ...data, '--json'])).stdout;
    const cases: [string[], string?][] = [
      [['client', 'create', '--name', 'Bad', '--redirect-uri', 'http://evil.example.com/cb', ...data, '--json']],
      [['client', 'create', '--name', 'Bad', '--redirect-uri', 'https://a.example.com/*', ...data]],
      [['client', 'create', '--name', 'Bad', '--type', 'public', '--grant-type', 'client_credentials', ...data]],
      [['client', 'create', '--name', 'Bad', '--type', 'public', '--grant-type', 'password', ...data]],
      [['client', 'create', '--name', 'Bad', '--grant-type', 'implicit', ...data]],
      [['client', 'create', '--redirect-uri', 'https://a.example.com/cb', ...data]],
      [['client', 'show', 'no-such-client', ...data]],
      [['user', 'create', '--username', 'shorty', '--password-stdin', ...data], 'short'],
      [['user', 'create', '--username', 'dave', '--password-stdin', ...data], 'a passphrase for dave'],
      [['user', 'create', '--username', 'x y', '--password-stdin', ...data], 'a long enough passphrase'],
      [['user', 'create', '--username', 'nopw', ...data]],
    ];
    for (const [args, input] of cases) {
      const run = await tessera(args, input);
      assert.notEqual(run.code, 0, args.join(' '));
      assert.match(run.stderr, /^tessera: error: /m, args.join(' '));
      assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
    }
    assert.equal((await tessera(['client', 'list', ...data, '--json'])).stdout, before);
  });
});
