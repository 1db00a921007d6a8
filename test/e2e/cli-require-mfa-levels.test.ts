import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tessera } from '../helpers/cli.js';
import { basic, postForm } from '../helpers/http.js';

/** --require-mfa off|on|phishing-resistant: the CLI sets the level, the admin API shows and sets it, on|off keep working. */
describe('client require-mfa levels', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const run = async (args: string[]) => {
    const r = await tessera([...args, ...server.storeArgs, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it('sets each level from the CLI and refuses others', async () => {
    const created = await run(['client', 'create', '--name', 'Bank', '--redirect-uri', 'https://bank.example/cb', '--require-mfa', 'phishing-resistant']);
    assert.equal(created['require_mfa'], true);
    assert.equal(created['require_mfa_level'], 'phishing-resistant');
    const id = String(created['client_id']);
    const on = await run(['client', 'update', id, '--require-mfa', 'on']);
    assert.deepEqual([on['require_mfa'], on['require_mfa_level']], [true, 'on']);
    const off = await run(['client', 'update', id, '--require-mfa', 'off']);
    assert.deepEqual([off['require_mfa'], off['require_mfa_level']], [false, 'off']);
    const bad = await tessera(['client', 'update', id, '--require-mfa', 'yes', ...server.storeArgs]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /'off', 'on' or 'phishing-resistant'/);
    // The running server sees the level the CLI stored.
    await run(['client', 'update', id, '--require-mfa', 'phishing-resistant']);
    assert.equal((await server.tessera.ctx.stores.clients.findFresh(id))?.requirePhishingResistant, true);
  });

  it('the admin API shows and sets the level; require_mfa alone still means on|off', async () => {
    const admin = await server.addClient({ name: 'admin', grantTypes: ['client_credentials'], scopes: ['tessera:admin'] });
    const token = String((await postForm(`${server.issuer}/token`, { grant_type: 'client_credentials', scope: 'tessera:admin' }, basic(admin.clientId, admin.secret!))).body['access_token']);
    const api = async (method: string, path: string, body: unknown) => {
      const r = await fetch(`${server.issuer}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const created = await api('POST', '/admin/v1/clients', { client_name: 'API app', redirect_uris: ['https://api.example/cb'], require_mfa_level: 'phishing-resistant' });
    assert.equal(created.status, 201);
    assert.equal(created.body['require_mfa_level'], 'phishing-resistant');
    const id = String(created.body['client_id']);
    const plain = await api('PATCH', `/admin/v1/clients/${id}`, { require_mfa: true });
    assert.equal(plain.body['require_mfa_level'], 'on');
    const bad = await api('PATCH', `/admin/v1/clients/${id}`, { require_mfa_level: 'maybe' });
    assert.equal(bad.status, 400);
  });
});
