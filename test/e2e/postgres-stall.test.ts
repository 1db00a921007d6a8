import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestServer } from '../helpers/server.js';
import { serverOnStallablePostgres, type ServerOnStallablePostgres } from '../helpers/postgres-stall.js';
import { Browser, type Page } from '../helpers/browser.js';
import { basic, postForm } from '../helpers/http.js';

/**
 * A PostgreSQL that stops answering (issue 16): requests get 503 with Retry-After within a bounded
 * time, in their endpoint's format, never a hang or a 500; /ready says the database is unreachable;
 * once it answers again, so does Tessera.
 */

/** Far longer than any bounded answer may take: a request still open then has hung. */
const HANG = 15_000;

describe('a PostgreSQL that stops answering', () => {
  let stalling: ServerOnStallablePostgres;
  let server: TestServer;
  let service: { clientId: string; secret?: string };

  before(async () => {
    stalling = await serverOnStallablePostgres();
    server = stalling.server;
    service = await server.addClient({ name: 'Service', grantTypes: ['client_credentials'], scopes: ['api'] });
    await server.addUser({ username: 'pia' });
  });
  after(() => stalling.close());

  const within = <T>(work: Promise<T>) => Promise.race([work, sleep(HANG).then(() => assert.fail('the request hung'))]);
  const token = () => postForm(`${server.issuer}/token`, { grant_type: 'client_credentials' }, basic(service.clientId, service.secret!));

  it('answers 503 with Retry-After instead of hanging, reports the database unreachable, and recovers', async () => {
    assert.equal((await token()).status, 200);
    const browser = new Browser(server.issuer);
    const form = (await browser.visit(`${server.issuer}/account`)) as Page;

    stalling.proxy.stall();
    const answers = await within(Promise.all(Array.from({ length: 5 }, () => token())));
    for (const a of answers) {
      assert.equal(a.status, 503, JSON.stringify(a.body));
      assert.equal(a.body['error'], 'temporarily_unavailable');
      assert.ok(Number(a.headers.get('retry-after')) > 0);
    }
    const signIn = await within(browser.submit(form, { username: 'pia', password: 'a long enough password' }));
    assert.ok(!('leftTo' in signIn));
    assert.equal(signIn.status, 503);
    assert.match(signIn.html, /temporarily_unavailable|try again/i, 'an HTML error page for a page request');
    const ready = await within(fetch(`${server.issuer}/ready`));
    assert.equal(ready.status, 503);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { database: 'unreachable' });

    stalling.proxy.resume();
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      await sleep(250);
      status = (await token()).status;
    }
    assert.equal(status, 200, 'serving again once the database answers');
    assert.equal((await fetch(`${server.issuer}/ready`)).status, 200);
  });
});
