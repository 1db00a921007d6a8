import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeProtectedHeader } from 'jose';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { Browser, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

const CALLBACK = 'https://app.example.com/cb';

/**
 * Three `tessera serve` processes on one PostgreSQL database and the machine's Redis, behind a
 * round-robin proxy: what one node did, every other node must know at once.
 */
describe('three nodes on one PostgreSQL database and Redis', () => {
  let cluster: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let c: ClusterNode;
  let web: { client_id: string; client_secret: string };
  let service: { client_id: string; client_secret: string };
  const password = 'a passphrase for carol';
  const browser = () => new Browser(cluster.issuer);

  before(async () => {
    cluster = await startCluster(3);
    [a, b, c] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    web = await cluster.cliJson(['client', 'create', '--name', 'Web', '--type', 'confidential', '--redirect-uri', CALLBACK, '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--scope', 'openid profile api:read']);
    service = await cluster.cliJson(['client', 'create', '--name', 'Service', '--type', 'confidential', '--grant-type', 'client_credentials', '--scope', 'api:read']);
    await cluster.cliJson(['user', 'create', '--username', 'carol', '--password-stdin'], password);
  });
  after(() => cluster.stop());

  const token = (node: ClusterNode, form: Record<string, string>, who = web) => postForm(`${node.url}/token`, form, basic(who.client_id, who.client_secret));
  const serviceToken = (node: ClusterNode) => token(node, { grant_type: 'client_credentials', scope: 'api:read' }, service);

  /** An authorization request sent straight to `node`; with an SSO session and consent it answers with the code at once. */
  async function codeFrom(node: ClusterNode, session: Browser): Promise<{ code: string; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({ response_type: 'code', client_id: web.client_id, redirect_uri: CALLBACK, scope: 'openid profile api:read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    const response = await session.request(`${node.url}/authorize?${query}`);
    const location = response.headers.get('location') ?? '';
    assert.ok(location.startsWith(CALLBACK), `${node.name} answered at once with the code (${response.status} ${location})`);
    const code = new URL(location).searchParams.get('code');
    assert.ok(code, `a code in ${location}`);
    return { code, verifier };
  }
  const redeem = (node: ClusterNode, grant: { code: string; verifier: string }) =>
    token(node, { grant_type: 'authorization_code', code: grant.code, redirect_uri: CALLBACK, code_verifier: grant.verifier });

  /** Signs carol in through the proxy (her requests land on different nodes) and consents. */
  async function signedIn(): Promise<Browser> {
    const session = browser();
    const query = new URLSearchParams({ response_type: 'code', client_id: web.client_id, redirect_uri: CALLBACK, scope: 'openid profile api:read', state: 's', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    const back = await session.authorize(`${cluster.issuer}/authorize?${query}`, { username: 'carol', password });
    assert.ok(back.searchParams.get('code'));
    return session;
  }

  it('shares sessions and consent: after signing in through the proxy, every node issues codes without asking again', async () => {
    const session = await signedIn();
    for (const node of [a, b, c]) await codeFrom(node, session);
  });

  it('redeems on node B a code that node A issued, and refreshes on C what B issued', async () => {
    const grant = await codeFrom(a, await signedIn());
    const redeemed = await redeem(b, grant);
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const refreshed = await token(c, { grant_type: 'refresh_token', refresh_token: String(redeemed.body['refresh_token']) });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  });

  it('lets at most one of the nodes redeem a code sent to all of them at once, and the replays revoke what it got', async () => {
    const session = await signedIn();
    for (let round = 0; round < 5; round++) {
      const grant = await codeFrom(c, session);
      const answers = await Promise.all([a, b, c, a, b].map((node) => redeem(node, grant)));
      const won = answers.filter((r) => r.status === 200);
      assert.ok(won.length <= 1, `round ${round}: ${answers.map((r) => r.status).join(' ')}`);
      assert.ok(answers.filter((r) => r.status !== 200).every((r) => r.status === 400 && r.body['error'] === 'invalid_grant'));
      // The other redemptions were replays (RFC 6749 §4.1.2): whatever the winner got is revoked.
      for (const w of won) assert.equal((await token(b, { grant_type: 'refresh_token', refresh_token: String(w.body['refresh_token']) })).status, 400);
    }
  });

  it('rotates a refresh token used on several nodes at once for at most one of them, and leaves no lineage alive', async () => {
    const session = await signedIn();
    const first = await redeem(a, await codeFrom(a, session));
    const refreshToken = String(first.body['refresh_token']);
    const answers = await Promise.all([a, b, c, a, b, c].map((node) => token(node, { grant_type: 'refresh_token', refresh_token: refreshToken })));
    const won = answers.filter((r) => r.status === 200);
    assert.ok(won.length <= 1, answers.map((r) => r.status).join(' '));
    // The others were reuse (RFC 9700 §4.14.2): the family is revoked, so the winner's new token is dead too.
    for (const w of won) {
      const next = await token(b, { grant_type: 'refresh_token', refresh_token: String(w.body['refresh_token']) });
      assert.equal(next.status, 400);
      assert.equal(next.body['error'], 'invalid_grant');
    }
  });

  it('sees on node B, at once, a revocation made on node A', async () => {
    const issued = await serviceToken(c);
    const accessToken = String(issued.body['access_token']);
    const introspect = () => postForm(`${b.url}/introspect`, { token: accessToken }, basic(service.client_id, service.client_secret));
    assert.equal((await introspect()).body['active'], true);
    assert.equal((await postForm(`${a.url}/revoke`, { token: accessToken }, basic(service.client_id, service.client_secret))).status, 200);
    assert.equal((await introspect()).body['active'], false);

    const tokens = await redeem(c, await codeFrom(c, await signedIn()));
    const refreshToken = String(tokens.body['refresh_token']);
    assert.equal((await postForm(`${a.url}/revoke`, { token: refreshToken }, basic(web.client_id, web.client_secret))).status, 200);
    const refused = await token(b, { grant_type: 'refresh_token', refresh_token: refreshToken });
    assert.equal(refused.body['error'], 'invalid_grant');
    const userinfo = await fetch(`${c.url}/userinfo`, { headers: { authorization: `Bearer ${String(tokens.body['access_token'])}` } });
    assert.equal(userinfo.status, 401, 'revoking the refresh token ended its access tokens on every node');
  });

  it('counts failed sign-ins across nodes: five failures spread over three nodes lock the account on all of them', async () => {
    await cluster.cliJson(['user', 'create', '--username', 'dan', '--password-stdin'], 'a passphrase for dan');
    const signIn = async (node: ClusterNode, pass: string): Promise<string> => {
      const session = new Browser(node.url);
      const form = (await session.visit(`${node.url}/account`)) as Page;
      const body = new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(form.html)![1]!, return_to: '/account', username: 'dan', password: pass });
      const page = (await session.visit(`${node.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() })) as Page;
      return textOf(page.html);
    };
    for (const [i, node] of [a, b, c, a, b].entries()) assert.match(await signIn(node, `wrong ${i}`), /Incorrect username or password|Too many failed sign-ins/);
    for (const node of [c, a]) assert.match(await signIn(node, 'a passphrase for dan'), /Too many failed sign-ins/, `locked on ${node.name}`);
  });

  it('stops honouring a deleted client, or a rotated secret, on every node at once', async () => {
    const doomed = await cluster.cliJson<{ client_id: string; client_secret: string }>(['client', 'create', '--name', 'Doomed', '--type', 'confidential', '--grant-type', 'client_credentials', '--scope', 'api:read']);
    // Every node has now looked the client up (and may keep it in its cache).
    for (const node of [a, b, c]) assert.equal((await token(node, { grant_type: 'client_credentials' }, doomed)).status, 200);
    const rotated = await cluster.cliJson<{ client_secret: string }>(['client', 'rotate-secret', doomed.client_id]);
    for (const node of [a, b, c]) {
      assert.equal((await token(node, { grant_type: 'client_credentials' }, doomed)).status, 401, `${node.name} refuses the old secret`);
      assert.equal((await token(node, { grant_type: 'client_credentials' }, { ...doomed, client_secret: rotated.client_secret })).status, 200);
    }
    assert.equal((await cluster.cli(['client', 'delete', doomed.client_id])).code, 0);
    for (const node of [a, b, c]) {
      const refused = await token(node, { grant_type: 'client_credentials' }, { ...doomed, client_secret: rotated.client_secret });
      assert.equal(refused.status, 401, `${node.name} refuses the deleted client`);
      assert.equal(refused.body['error'], 'invalid_client');
    }
  });

  it('signs with, and publishes, a key rotated by the operator on every node within the reload bound', async () => {
    const rotation = await cluster.cliJson<{ kid: string; alg: string }[]>(['keys', 'rotate']);
    const es256 = rotation.find((k) => k.alg === 'ES256')!.kid;
    const started = Date.now();
    // Nodes hear of the rotation by notification; without one they reload every 5 seconds.
    const deadline = started + 6000;
    for (const node of [a, b, c]) {
      for (;;) {
        const jwks = (await (await fetch(`${node.url}/jwks`)).json()) as { keys: { kid: string }[] };
        const signed = decodeProtectedHeader(String((await serviceToken(node)).body['access_token'])).kid;
        if (jwks.keys.some((k) => k.kid === es256) && signed === es256) break;
        assert.ok(Date.now() < deadline, `${node.name} still signs with ${signed} after ${Date.now() - started} ms`);
        await sleep(50);
      }
    }
    lagOfKeyRotation = Date.now() - started;
  });

  let lagOfKeyRotation = 0;
  after(() => console.log(`# every node signed with the rotated key ${lagOfKeyRotation} ms after the CLI finished`));

  it('keeps serving, and loses nothing committed, when one node is killed with SIGKILL under load', async () => {
    const session = await signedIn();
    // Work committed on C before it dies: an unredeemed code and a refresh token.
    const pendingCode = await codeFrom(c, session);
    let refreshToken = String((await redeem(c, await codeFrom(c, session))).body['refresh_token']);

    let stop = false;
    const survivorsFailed: string[] = [];
    const load = async (node: ClusterNode) => {
      while (!stop) {
        const r = await serviceToken(node).catch((e: Error) => ({ status: e.message }));
        if (r.status !== 200 && node !== c) survivorsFailed.push(`${node.name}: ${r.status}`);
        if (node === c && r.status !== 200) return; // C is gone
      }
    };
    const running = [load(a), load(b), load(c), load(a), load(b), load(c)];
    // Meanwhile C rotates the refresh token again and again; each answer it gave was committed.
    for (let i = 0; i < 20; i++) {
      const r = await token(c, { grant_type: 'refresh_token', refresh_token: refreshToken });
      assert.equal(r.status, 200);
      refreshToken = String(r.body['refresh_token']);
    }
    c.process.kill('SIGKILL');
    await sleep(1000);
    stop = true;
    await Promise.all(running);

    assert.deepEqual(survivorsFailed, [], 'the surviving nodes answered every request');
    assert.equal(c.process.signalCode, 'SIGKILL');
    const fromDeadNode = await token(a, { grant_type: 'refresh_token', refresh_token: refreshToken });
    assert.equal(fromDeadNode.status, 200, `the last refresh token C handed out works on A: ${JSON.stringify(fromDeadNode.body)}`);
    assert.equal((await redeem(b, pendingCode)).status, 200, 'the code C issued is redeemed on B');
    // Through the proxy, requests keep succeeding: refused connections to C go to the next node.
    for (let i = 0; i < 6; i++) assert.equal((await postForm(`${cluster.issuer}/token`, { grant_type: 'client_credentials' }, basic(service.client_id, service.client_secret))).status, 200);
  });
});
