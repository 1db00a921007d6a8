import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * Issue 15 §1 and §4 across two real nodes sharing PostgreSQL and Redis, behind a round-robin
 * proxy: a burst split between the nodes gets no more guesses checked than one node would allow,
 * and strangers cannot lock a client or a user's usual browser out on either node.
 */

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';
const fromIp = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip });

describe('two nodes sharing Redis: limits hold across nodes', () => {
  let cluster: Cluster;
  let nodes: ClusterNode[];
  let service: { client_id: string; client_secret: string };
  const password = 'a passphrase for rosa';

  before(async () => {
    cluster = await startCluster(2);
    nodes = cluster.nodes;
    service = await cluster.cliJson(['client', 'create', '--name', 'Service', '--type', 'confidential', '--grant-type', 'client_credentials', '--scope', 'api:read']);
    for (const username of ['rosa', 'sven']) await cluster.cliJson(['user', 'create', '--username', username, '--password-stdin'], password);
  });
  after(() => cluster.stop());

  /** The wrong guesses the cluster checked for `username` (argon2 runs on a wrong password), from its audit log. */
  async function wrongPasswordsChecked(username: string): Promise<number> {
    const events = await cluster.cliJson<{ reason: string | null; username: string | null; count?: number }[]>(['audit', 'list', '--type', 'login.failure', '--user', username, '--limit', '1000']);
    return events.filter((e) => e.reason === 'wrong_password').reduce((n, e) => n + (e.count ?? 1), 0);
  }

  it('checks at most 5 of 60 concurrent wrong passwords from one address, whichever node each lands on', async () => {
    const browser = new Browser(cluster.issuer, fromIp('10.20.0.1'));
    const form = isPage(await browser.visit(`${cluster.issuer}/account`));
    const pages = (await Promise.all(Array.from({ length: 60 }, (_, i) => browser.submit(form, { username: 'rosa', password: `guess ${i}` })))).map(isPage);
    const checked = await wrongPasswordsChecked('rosa');
    assert.ok(checked <= 5, `${checked} guesses checked across both nodes`);
    assert.ok(pages.filter((p) => p.status === 429).length >= 55);
    // Both nodes refuse the right password from that address while the lock holds.
    for (const node of nodes) {
      const direct = new Browser(node.url, fromIp('10.20.0.1'));
      const page = isPage(await direct.visit(`${node.url}/account`));
      const body = new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(page.html)![1]!, return_to: '/account', username: 'rosa', password });
      const refused = isPage(await direct.visit(`${node.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() }));
      assert.match(alert(refused), /Too many failed sign-ins/, `node ${node.name}`);
    }
  });

  it('serves a client that authenticates on both nodes after bad secrets from five addresses', async () => {
    await Promise.all(
      ['10.21.0.1', '10.21.0.2', '10.21.0.3', '10.21.0.4', '10.21.0.5'].flatMap((ip) =>
        Array.from({ length: 12 }, (_, i) => postForm(`${cluster.issuer}/token`, { grant_type: 'client_credentials' }, { ...basic(service.client_id, `bad-${i}`), ...fromIp(ip) })),
      ),
    );
    // Over the limit, an attacking address gets 429 for wrong secrets, on either node...
    const limited = await postForm(`${cluster.issuer}/token`, { grant_type: 'client_credentials' }, { ...basic(service.client_id, 'bad-again'), ...fromIp('10.21.0.1') });
    assert.equal(limited.status, 429);
    // ...while the client itself is served on both.
    for (const node of nodes) {
      const served = await postForm(`${node.url}/token`, { grant_type: 'client_credentials' }, { ...basic(service.client_id, service.client_secret), ...fromIp('10.21.9.9') });
      assert.equal(served.status, 200, `node ${node.name}: ${JSON.stringify(served.body)}`);
    }
  });

  it("keeps the owner's usual browser signing in on both nodes while strangers lock the username", async () => {
    const laptop = new Browser(cluster.issuer, fromIp('10.22.0.1'));
    const first = isPage(await laptop.submit(isPage(await laptop.visit(`${cluster.issuer}/account`)), { username: 'sven', password }));
    assert.match(textOf(first.html), /Your account/);
    laptop.cookies.delete('tessera_session');
    // 4 failures from each of 5 addresses (20: the username's limit), spread over both nodes.
    await Promise.all(
      ['10.22.1.1', '10.22.1.2', '10.22.1.3', '10.22.1.4', '10.22.1.5'].map(async (ip) => {
        const attacker = new Browser(cluster.issuer, fromIp(ip));
        const form = isPage(await attacker.visit(`${cluster.issuer}/account`));
        await Promise.all(Array.from({ length: 4 }, (_, i) => attacker.submit(form, { username: 'sven', password: `guess ${i}` })));
      }),
    );
    const stranger = new Browser(cluster.issuer, fromIp('10.22.2.1'));
    assert.match(alert(isPage(await stranger.submit(isPage(await stranger.visit(`${cluster.issuer}/account`)), { username: 'sven', password }))), /Too many failed sign-ins/);
    // The laptop's requests alternate between the nodes: twice is once on each.
    for (let i = 0; i < 2; i++) {
      laptop.cookies.delete('tessera_session');
      const back = isPage(await laptop.submit(isPage(await laptop.visit(`${cluster.issuer}/account`)), { username: 'sven', password }));
      assert.match(textOf(back.html), /Your account/, alert(back));
    }
  });
});
