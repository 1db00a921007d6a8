import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
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
