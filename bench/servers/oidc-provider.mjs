// node-oidc-provider 8.8.1 set up like the Tessera instances of the benchmark: the same key
// types, the same clients, its own in-memory adapter. Run by bench/run.ts; not part of Tessera.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { setStorage } from 'oidc-provider/lib/adapters/memory_adapter.js';

const port = Number(process.argv[2]);
const clients = JSON.parse(process.argv[3]);
const issuer = `http://localhost:${port}`;
const API = 'https://api.bench.example';

// Its in-memory adapter is an LRU of 1,000 entries: bulk-prepared codes and the benchmark's own
// SSO session would be evicted under load. Same adapter, same LRU class, room for a run's records.
const fromProvider = createRequire(fileURLToPath(import.meta.resolve('oidc-provider')));
const { default: QuickLRU } = await import(pathToFileURL(fromProvider.resolve('quick-lru')).href);
setStorage(new QuickLRU({ maxSize: 1_000_000 }));

const privateJwk = (alg, pair) => ({ ...pair.privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: alg.toLowerCase() });
const jwks = {
  keys: [
    privateJwk('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })),
    privateJwk('RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })),
  ],
};

// Access tokens for the API are JWTs signed like Tessera's (RFC 9068), with the client's algorithm.
const jwtAlgOf = { [clients.ccEs256.id]: 'ES256', [clients.ccRs256.id]: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    ...[clients.ccEs256, clients.ccRs256, clients.ccOpaque].map((c) => ({
      client_id: c.id,
      client_secret: c.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'api:read',
    })),
    {
      client_id: clients.web.id,
      client_secret: clients.web.secret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [clients.web.redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email offline_access',
    },
  ],
  jwks,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'profile', 'email', 'offline_access', 'api:read'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'updated_at'], email: ['email', 'email_verified'] },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, name: 'Bench User', preferred_username: sub, updated_at: 1700000000, email: `${sub}@bench.example`, email_verified: true }),
  }),
  pkce: { required: () => true },
  issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: { AccessToken: 900, ClientCredentials: 900, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 30 * 24 * 3600, Grant: 30 * 24 * 3600, Session: 30 * 24 * 3600, Interaction: 3600 },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, client) => (jwtAlgOf[client.clientId] ? API : undefined),
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx, _resource, client) => ({
        scope: 'api:read',
        audience: API,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: jwtAlgOf[client.clientId] ?? 'ES256' } },
      }),
    },
  },
});
// The dev interactions are what a benchmark can sign in with; its warning is expected here.
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

createServer(provider.callback()).listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
