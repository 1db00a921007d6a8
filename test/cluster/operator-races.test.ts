import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { isPage, Browser, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * Issue 16's races across three nodes on one PostgreSQL database and Redis: an app owner's edits
 * never undo an operator's change, revoking a family leaves none of its tokens active whichever
 * node issued them, and the console's app cap holds with creations spread over the nodes.
 */

const CALLBACK = 'https://app.example.com/cb';

describe('races across three nodes', () => {
  let cluster: Cluster;
  let nodes: ClusterNode[];

  before(async () => {
    cluster = await startCluster(3, { TESSERA_OPEN_REGISTRATION: 'true', TESSERA_CONSOLE_USERS: 'all' });
    nodes = cluster.nodes;
  });
  after(() => cluster.stop());

  /** A self-registered service (RFC 7591) and what its owner holds: the secret and the registration access token. */
  async function selfRegistered(): Promise<{ clientId: string; secret: string; rat: string }> {
    const res = await fetch(`${cluster.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'Owned', grant_types: ['client_credentials'] }) });
    const body = (await res.json()) as Record<string, string>;
    assert.equal(res.status, 201, JSON.stringify(body));
    return { clientId: body['client_id']!, secret: body['client_secret']!, rat: body['registration_access_token']! };
  }

  /** The owner keeps editing its registration (RFC 7592 PUT, through every node in turn) until `done` settles. */
  async function ownerEdits(app: { clientId: string; rat: string }, done: Promise<unknown>): Promise<number> {
    let finished = false;
    void done.finally(() => (finished = true));
    let edits = 0;
    for (let i = 0; !finished || i < 3; i++) {
      const res = await fetch(`${cluster.issuer}/register/${app.clientId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${app.rat}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: app.clientId, client_name: `Owned ${i}`, grant_types: ['client_credentials'] }),
      });
      if (res.status === 200) edits++;
    }
    return edits;
  }

  const ccToken = (clientId: string, secret: string) => postForm(`${cluster.issuer}/token`, { grant_type: 'client_credentials' }, basic(clientId, secret));

  it("keeps an operator's disable, secret rotation and require-MFA while the owner edits the app", async () => {
    for (let trial = 0; trial < 3; trial++) {
      const disabled = await selfRegistered();
      const cli = cluster.cli(['client', 'update', disabled.clientId, '--disable', '--json']);
      assert.ok((await ownerEdits(disabled, cli)) > 0);
      assert.equal((await cli).code, 0);
      assert.equal((await cluster.cliJson<{ disabled: boolean }>(['client', 'show', disabled.clientId])).disabled, true, `trial ${trial}: still disabled`);
      assert.equal((await ccToken(disabled.clientId, disabled.secret)).status, 401, `trial ${trial}: a disabled client gets no token`);

      const rotated = await selfRegistered();
      const rotation = cluster.cliJson<{ client_secret: string }>(['client', 'rotate-secret', rotated.clientId]);
      await ownerEdits(rotated, rotation);
      const { client_secret: fresh } = await rotation;
      assert.equal((await ccToken(rotated.clientId, rotated.secret)).status, 401, `trial ${trial}: the leaked old secret stays dead`);
      assert.equal((await ccToken(rotated.clientId, fresh)).status, 200, `trial ${trial}: the operator's new secret works`);

      const strict = await selfRegistered();
      const requiring = cluster.cli(['client', 'update', strict.clientId, '--require-mfa', 'on', '--json']);
      await ownerEdits(strict, requiring);
      assert.equal((await requiring).code, 0);
      assert.equal((await cluster.cliJson<{ require_mfa: boolean }>(['client', 'show', strict.clientId])).require_mfa, true, `trial ${trial}: MFA still required`);
    }
  });

  it('leaves no token of a revoked family active, whichever nodes raced', async () => {
    const web = await cluster.cliJson<{ client_id: string; client_secret: string }>(['client', 'create', '--name', 'Web', '--redirect-uri', CALLBACK, '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--scope', 'openid api']);
    const password = 'a passphrase for the races';
    await cluster.cliJson(['user', 'create', '--username', 'racer', '--password-stdin'], password);
    const session = new Browser(cluster.issuer);
    const code = async (signIn: { username?: string; password?: string } = {}) => {
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({ response_type: 'code', client_id: web.client_id, redirect_uri: CALLBACK, scope: 'openid api', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
      const back = await session.authorize(`${cluster.issuer}/authorize?${query}`, signIn);
      return { code: back.searchParams.get('code')!, verifier };
    };
    await code({ username: 'racer', password });
    const token = (node: ClusterNode, form: Record<string, string>) => postForm(`${node.url}/token`, form, basic(web.client_id, web.client_secret));
    const active = async (t: string) => (await postForm(`${cluster.issuer}/introspect`, { token: t }, basic(web.client_id, web.client_secret))).body['active'] === true;
    for (let trial = 0; trial < 10; trial++) {
      const [a, b, c] = [nodes[trial % 3]!, nodes[(trial + 1) % 3]!, nodes[(trial + 2) % 3]!];
      // A code redeemed on two nodes at once: one redemption is a replay, which revokes the family.
      const grant = await code();
      const redeem = { grant_type: 'authorization_code', code: grant.code, redirect_uri: CALLBACK, code_verifier: grant.verifier };
      const replayed = await Promise.all([token(a, redeem), token(b, redeem)]);
      // A refresh token used on two nodes at once: one use is a reuse, which revokes the family.
      const fresh = await code();
      const issued = await token(c, { grant_type: 'authorization_code', code: fresh.code, redirect_uri: CALLBACK, code_verifier: fresh.verifier });
      assert.equal(issued.status, 200);
      const rt = String(issued.body['refresh_token']);
      const reused = await Promise.all([token(a, { grant_type: 'refresh_token', refresh_token: rt }), token(b, { grant_type: 'refresh_token', refresh_token: rt })]);
      for (const answer of [...replayed, issued, ...reused].filter((x) => x.status === 200)) {
        assert.equal(await active(String(answer.body['access_token'])), false, `trial ${trial}: an access token of a revoked family is active`);
        const refreshToken = answer.body['refresh_token'];
        if (typeof refreshToken === 'string') assert.notEqual((await token(c, { grant_type: 'refresh_token', refresh_token: refreshToken })).status, 200, `trial ${trial}: a refresh token of a revoked family refreshes`);
      }
    }
  });

  it("holds a developer to the console's app cap with creations spread over the nodes", async () => {
    const password = 'a passphrase for the developer';
    await cluster.cliJson(['user', 'create', '--username', 'dev', '--password-stdin'], password);
    const browser = new Browser(cluster.issuer);
    const page = isPage(await browser.submit(isPage(await browser.visit(`${cluster.issuer}/console`)), { username: 'dev', password }));
    const app = (name: string) => ({ name, type: 'service', 'scope:openid': 'on' });
    for (let i = 0; i < 45; i++) assert.equal(isPage(await browser.submit(page, app(`Early ${i}`), '/console/apps')).status, 201);
    const burst = (await Promise.all(Array.from({ length: 12 }, (_, i) => browser.submit(page, app(`Burst ${i}`), '/console/apps')))).map(isPage);
    assert.equal(burst.filter((p) => p.status === 201).length, 5, 'exactly up to the cap of 50');
    const list = isPage(await browser.visit(`${cluster.issuer}/console`));
    assert.equal([...list.html.matchAll(/href="[^"]*\/console\/apps\/[^"]+"/g)].length, 50);
  });
});
