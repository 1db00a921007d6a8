import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tessera } from '../helpers/cli.js';
import { refusedServe, serveWhileUp } from '../helpers/serve-process.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';
import { isPage, textOf } from '../helpers/browser.js';
import { PASSWORD, browserAt, linkIn, mailFor } from '../helpers/signup.js';

describe('sign-up from the command line: --signup, --require-verified-email, tessera user invite', () => {
  let dir: string;
  let sink: MailSink;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-signup-cli-'));
    sink = await startMailSink();
  });
  after(async () => {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a --signup it does not know, naming where it came from', async () => {
    const unknown = await refusedServe(join(dir, 'refused'), ['--signup', 'everyone']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /--signup must be off, open, invite or domain:example\.com\[,example\.org\], not 'everyone'/);
    const domain = await refusedServe(join(dir, 'refused'), [], { TESSERA_SIGNUP: 'domain:exa mple.com' });
    assert.notEqual(domain.code, 0);
    assert.match(domain.stderr, /TESSERA_SIGNUP 'exa mple\.com' is not a domain name/);
    const wrongSwitch = await refusedServe(join(dir, 'refused'), [], { TESSERA_REQUIRE_VERIFIED_EMAIL: 'maybe' });
    assert.notEqual(wrongSwitch.code, 0);
    assert.match(wrongSwitch.stderr, /TESSERA_REQUIRE_VERIFIED_EMAIL must be true or false/);
  });

  it('with --signup but no mail server: a warning at start, and sign-up stays off', async () => {
    const run = await serveWhileUp(join(dir, 'nomail'), ['--signup', 'open'], {}, async (issuer) => {
      const page = isPage(await browserAt({ issuer } as never).visit(`${issuer}/signup`));
      assert.equal(page.status, 503);
    });
    assert.match(run.stdout, /sign-up \(--signup\) needs mail.*sign-up stays off/);
  });

  it('tessera user invite queues the invitation; the running server mails it; the link signs that address up once', async () => {
    const data = join(dir, 'invite');
    await serveWhileUp(data, ['--signup', 'invite', '--require-verified-email', '--smtp-url', sink.url, '--smtp-from', 'id@example.com', '--smtp-allow-plain'], {}, async (issuer) => {
      const refused = await tessera(['user', 'invite', 'nia@example.org', '--data', data]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /--issuer \(or TESSERA_ISSUER\) is required/);
      const invited = await tessera(['user', 'invite', 'nia@example.org', '--issuer', issuer, '--data', data, '--json']);
      assert.equal(invited.code, 0, invited.stderr);
      const answer = JSON.parse(invited.stdout) as { email: string; expires_at: number };
      assert.equal(answer.email, 'nia@example.org');
      assert.ok(answer.expires_at - Date.now() / 1000 > 7 * 86400 - 120);
      assert.doesNotMatch(invited.stdout, /invitation=/, 'the link is never printed');
      const server = { issuer } as never;
      const link = linkIn(await mailFor(sink, 'nia@example.org', 0, 20_000), server, '/signup', 'invitation');
      const browser = browserAt(server);
      const form = isPage(await browser.visit(link));
      const done = isPage(await browser.submit(form, { username: 'nia', password: PASSWORD, password_again: PASSWORD }));
      assert.match(textOf(done.html), /Check your email/);
      assert.equal(isPage(await browserAt(server).visit(link)).status, 400);
      const shown = await tessera(['user', 'show', 'nia', '--data', data, '--json']);
      assert.equal((JSON.parse(shown.stdout) as { email_verified: boolean }).email_verified, false);
    });
  });
});
