import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnvironment, ROOT, tessera } from '../helpers/cli.js';
import { refusedServe } from '../helpers/serve-process.js';
import { freePort } from '../helpers/server.js';
import { Browser, isPage } from '../helpers/browser.js';
import { startMailSink, type MailSink } from '../helpers/mail-sink.js';



describe('tessera serve: mail settings', () => {
  let dir: string;
  let sink: MailSink;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-mail-cli-'));
    sink = await startMailSink();
  });
  after(async () => {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the URL from TESSERA_SMTP_URL_FILE and the rest from the config file; logs the URL without its password; a reset mail goes out', async () => {
    const data = join(dir, 'ok');
    const urlFile = join(dir, 'smtp-url');
    writeFileSync(urlFile, `${sink.url}\n`, { mode: 0o600 });
    const config = join(dir, 'tessera.yaml');
    writeFileSync(config, 'mail:\n  from: "Example ID <id@example.com>"\n  allowPlain: true\n');
    const created = await tessera(['user', 'create', '--username', 'hana', '--email', 'hana@example.org', '--password-stdin', '--data', data, '--json'], 'a long enough password for hana\n');
    assert.equal(created.code, 0, created.stderr);
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--port', String(port), '--issuer', issuer, '--data', data, '--config', config], {
      cwd: ROOT,
      env: cleanEnvironment({ TESSERA_SMTP_URL_FILE: urlFile }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let out = '';
      const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.includes('"msg":"Tessera is ready at '));
          if (line) resolve(JSON.parse(line) as Record<string, unknown>);
        });
        void exited.then((code) => reject(new Error(`tessera serve exited (${code})`)));
      });
      assert.equal(ready['mail'], `smtp://user:***@127.0.0.1:${sink.port}`);
      assert.ok(!out.includes('secret'), 'the password never reaches the log');
      const browser = new Browser(issuer);
      const form = isPage(await browser.visit(`${issuer}/login/forgot-password`));
      const answer = isPage(await browser.submit(form, { login: 'hana' }));
      assert.equal(answer.status, 200);
      const mail = await sink.next();
      assert.deepEqual(mail.to, ['hana@example.org']);
      assert.match(mail.raw, /^From: Example ID <id@example\.com>/m);
      assert.match(mail.decoded, new RegExp(`${issuer.replace(/\./g, '\\.')}/login/reset-password\\?token=`));
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses wrong settings in one line that never shows the password', async () => {
    const file = join(dir, 'url-file');
    writeFileSync(file, 'smtp://user:secret@127.0.0.1:25\n');
    for (const [args, env, message] of [
      [['--smtp-url', 'smtp://user:secret@mail.example.com:587'], {}, 'tessera: error: --smtp-url needs --smtp-from "Name <address@example.com>" (or TESSERA_SMTP_FROM): the From of every email'],
      [['--smtp-url', 'https://user:secret@mail.example.com', '--smtp-from', 'id@example.com'], {}, 'tessera: error: --smtp-url: the SMTP URL must start with smtps:// or smtp://, not https://'],
      [['--smtp-from', 'id@example.com'], {}, 'tessera: error: --smtp-from is set, but --smtp-url (TESSERA_SMTP_URL, TESSERA_SMTP_URL_FILE) is not'],
      [['--smtp-url', 'smtps://user:secret@mail.example.com', '--smtp-from', 'id@example.com', '--smtp-allow-plain'], {}, 'tessera: error: --smtp-url: allowing plain SMTP means nothing with smtps:// (always TLS); drop one of them'],
      [['--smtp-from', 'not an address'], { TESSERA_SMTP_URL: 'smtps://user:secret@mail.example.com' }, `tessera: error: TESSERA_SMTP_URL: the From address must be "Name <address@example.com>" or an address, not 'not an address'`],
      [[], { TESSERA_SMTP_URL: 'smtps://user:secret@mail.example.com', TESSERA_SMTP_URL_FILE: file }, 'tessera: error: both TESSERA_SMTP_URL and TESSERA_SMTP_URL_FILE are set: use one'],
    ] as const) {
      const run = await refusedServe(join(dir, 'refused'), [...args], env);
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr, `${message}\n`);
      assert.ok(!run.stderr.includes('secret'));
    }
  });
});
