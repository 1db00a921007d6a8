import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';
import { tessera, tesseraJson } from '../helpers/cli.js';

/** The CLI on the core's admin operations, against a running server: what the admin API will share. */
describe('the CLI on core admin operations', () => {
  let server: TestServer;
  let data: string[];

  before(async () => {
    server = await startTestServer();
    data = server.storeArgs;
  });
  after(() => server.close());

  const register = (token: string) =>
    fetch(`${server.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ redirect_uris: ['https://dyn.example.com/cb'] }),
    });

  it('lists registration tokens without the tokens, and revokes one so it registers nothing', async () => {
    const kept = await tesseraJson<{ token: string }>(['registration-token', 'create', '--uses', '2', ...data]);
    const revoked = await tesseraJson<{ token: string }>(['registration-token', 'create', ...data]);
    const listed = await tesseraJson<Record<string, unknown>[]>(['registration-token', 'list', ...data]);
    assert.equal(listed.length, 2);
    assert.ok(listed.every((t) => t['state'] === 'live' && typeof t['id'] === 'string'));
    assert.ok(!JSON.stringify(listed).includes(kept.token) && !JSON.stringify(listed).includes(revoked.token), 'no token is shown again');

    // Revoked by the token itself (the id works too); the table shows what is left.
    const out = await tesseraJson<{ revoked: string }>(['registration-token', 'revoke', revoked.token, ...data]);
    assert.ok(listed.some((t) => t['id'] === out.revoked));
    assert.equal((await register(revoked.token)).status, 401);
    assert.equal((await register(kept.token)).status, 201);
    const table = await tessera(['registration-token', 'list', ...data]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^id\s+state\s+created_at\s+expires_at\s+uses_left\n\S+\s+live\s+\d+\s+\d+\s+1\n$/);

    const again = await tessera(['registration-token', 'revoke', out.revoked, ...data]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^tessera: error: no registration token '/);
    const audit = await tesseraJson<Record<string, unknown>[]>(['audit', 'list', '--type', 'registration_token.revoked', ...data]);
    assert.deepEqual(audit.map((e) => [e['reason'], e['actor']]), [[out.revoked, 'cli']]);
  });

  it('leaves exactly one working secret after 10 concurrent rotate-secret commands', async () => {
    const created = await tesseraJson<Record<string, string>>(['client', 'create', '--name', 'Burst', '--grant-type', 'client_credentials', '--scope', 'x', ...data]);
    const id = created['client_id']!;
    const runs = await Promise.all(Array.from({ length: 10 }, () => tessera(['client', 'rotate-secret', id, ...data, '--json'])));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const secrets = [created['client_secret']!, ...runs.map((r) => (JSON.parse(r.stdout) as Record<string, string>)['client_secret']!)];
    const statuses = [];
    for (const secret of secrets) statuses.push((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(id, secret))).status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(' ')}`);
    assert.equal(statuses[0], 401, 'the first secret is gone');
  });

  it('reports a missing client and a public client without a secret as one clear line', async () => {
    const missing = await tessera(['client', 'rotate-secret', 'nobody', ...data]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "tessera: error: no client with id 'nobody'\n");
    const spa = await tesseraJson<Record<string, string>>(['client', 'create', '--name', 'SPA', '--type', 'public', '--redirect-uri', 'https://spa.example.com/cb', ...data]);
    const run = await tessera(['client', 'rotate-secret', spa['client_id']!, ...data]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'tessera: error: public clients have no secret\n');
  });
});
