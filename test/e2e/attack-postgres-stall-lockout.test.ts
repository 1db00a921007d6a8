import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestServer } from '../helpers/server.js';
import { serverOnStallablePostgres, type ServerOnStallablePostgres } from '../helpers/postgres-stall.js';
import { isPage, Browser, textOf, type Page } from '../helpers/browser.js';

/**
 * Attack (review of issues 15/16): a sign-in takes its point from the limits *before* it reads the
 * user, and only a checked failure keeps it, a success or a busy hasher gives it back. But when the
 * database does not answer, the read throws (503) and the point is never given back. A user who
 * tries a few times while PostgreSQL stalls (every try answered "try again shortly") has spent
 * their allowance without a single password being checked, and is locked out for 15 minutes with
 * the right password once the database is back.
 */

const alert = (page: Page): string => /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.html)?.[1] ?? '';

describe('a PostgreSQL stall does not count as failed sign-ins', () => {
  let stalling: ServerOnStallablePostgres;
  let server: TestServer;

  before(async () => {
    stalling = await serverOnStallablePostgres({ signInLimits: { perPair: 5, perSubject: 20, perIp: 50, delayMs: 1 } });
    server = stalling.server;
  });
  after(() => stalling.close());

  it('signs the user in with the right password after their tries during a stall were answered 503', async () => {
    const user = await server.addUser({ username: 'sam' });
    const browser = new Browser(server.issuer);
    const form = isPage(await browser.visit(`${server.issuer}/account`));

    stalling.proxy.stall();
    // Sam presses "Sign in" five times (the right password each time); each answer says to try again.
    const tries = (await Promise.all(Array.from({ length: 5 }, () => browser.submit(form, { username: 'sam', password: user.password })))).map(isPage);
    assert.deepEqual(tries.map((t) => t.status), [503, 503, 503, 503, 503]);
    stalling.proxy.resume();
    await sleep(500);

    const after = isPage(await browser.submit(form, { username: 'sam', password: user.password }));
    assert.notEqual(after.status, 429, `locked out after the stall, no password ever checked: ${alert(after)}`);
    assert.match(textOf(after.html), /Your account/);
  });
});
