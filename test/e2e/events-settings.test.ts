import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, tessera, tesseraJson } from '../helpers/cli.js';
import { freePort } from '../helpers/server.js';
import { basic, postForm } from '../helpers/http.js';

/** The event sinks as an operator sets them on `tessera serve`: flags, environment, config file. */
describe('event sink settings of tessera serve', () => {
  let dir: string;
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-events-settings-'));
    writeFileSync(join(dir, 'secret'), `${secret}\n`, { mode: 0o600 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A refused start: exit 1 and one line naming the problem, never a stack trace. */
  async function refused(args: string[], env: Record<string, string> = {}): Promise<string> {
    const run = await tessera(['serve', '--data', join(dir, 'data'), '--port', '0', ...args], undefined, false, env);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    return run.stderr;
  }

  it('refuses wrong settings at startup with one clear line', async () => {
    assert.match(await refused(['--webhook-url', 'http://127.0.0.1:1/h', '--webhook-secret-file', join(dir, 'secret')]), /plain http.*--webhook-allow-insecure-http/);
    assert.match(await refused(['--webhook-url', 'https://127.0.0.1:1/h']), /needs a signing secret/);
    assert.match(await refused(['--webhook-url', 'https://127.0.0.1:1/h'], { TESSERA_WEBHOOK_SECRET: 'hunter2' }), /TESSERA_WEBHOOK_SECRET must hold a secret of the form whsec_/);
    assert.match(await refused(['--syslog', 'udp://127.0.0.1:514', '--syslog-facility', 'kitchen']), /facility must be one of/);
    assert.match(await refused(['--syslog', 'http://127.0.0.1']), /udp:\/\/, tcp:\/\/ or tls:\/\//);
    assert.match(await refused(['--events-file-keep', '3']), /--events-file-keep is set, but --events-file is not/);
    assert.match(await refused(['--events-file', join(dir, 'e.jsonl'), '--events-file-max-size', 'big']), /--events-file-max-size must be a size/);
    writeFileSync(join(dir, 'typo.yaml'), 'events:\n  webhok:\n    url: https://x\n');
    assert.match(await refused(['--config', join(dir, 'typo.yaml')]), /unknown setting 'events.webhok'/);
  });

  it('turns sinks on from the config file: events of the running server reach the file and syslog', async () => {
    const data = join(dir, 'yaml-data');
    const listener = createSocket('udp4');
    const datagrams: string[] = [];
    listener.on('message', (m) => datagrams.push(m.toString()));
    await new Promise<void>((r) => listener.bind(0, '127.0.0.1', r));
    const events = join(dir, 'events.jsonl');
    writeFileSync(join(dir, 'tessera.yaml'), [
      'events:',
      '  file:',
      `    path: ${events}`,
      '    maxSize: 1M',
      '  syslog:',
      `    url: udp://127.0.0.1:${listener.address().port}`,
      '    facility: local7',
    ].join('\n'));
    const app = await tesseraJson<{ client_id: string; client_secret: string }>(['client', 'create', '--data', data, '--name', 'svc', '--type', 'confidential', '--grant-type', 'client_credentials', '--scope', 'api']);
    const port = await freePort();
    const serve = spawn(process.execPath, [`${ROOT}/bin/tessera.js`, 'serve', '--data', data, '--port', String(port), '--config', join(dir, 'tessera.yaml')]);
    let log = '';
    serve.stdout.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => serve.on('close', r));
    try {
      for (let i = 0; !log.includes('Tessera is ready'); i++) {
        if (i > 300) throw new Error(`serve did not start: ${log}`);
        await sleep(50);
      }
      assert.match(log, /"event_sinks":\["file","syslog"\]/);
      const issued = await postForm(`http://127.0.0.1:${port}/token`, { grant_type: 'client_credentials', scope: 'api' }, basic(app.client_id, app.client_secret));
      assert.equal(issued.status, 200);
      for (let i = 0; !(existsSync(events) && readFileSync(events, 'utf8').includes(app.client_id) && datagrams.some((d) => d.includes(app.client_id))); i++) {
        if (i > 200) throw new Error('the event did not reach both sinks');
        await sleep(50);
      }
      assert.equal(statSync(events).mode & 0o777, 0o600);
      assert.match(datagrams.find((d) => d.includes(app.client_id))!, /^<190>1 /, 'local7 (23) × 8 + Informational (6)');
    } finally {
      serve.kill('SIGTERM');
      assert.equal(await exited, 0);
      listener.close();
    }
  });
});
