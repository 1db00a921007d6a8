import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { refusedServe, serveWhileUp } from '../helpers/serve-process.js';
import { freePort } from '../helpers/server.js';
import { parseMetrics, valueOf } from '../helpers/metrics.js';

/** `tessera serve` with these flags, while `whileUp` runs: what it wrote to stdout. */
const serveStdout = async (...args: Parameters<typeof serveWhileUp>) => (await serveWhileUp(...args)).stdout;

const TOKEN = 'cli-metrics-token-0123456789abcdef';




describe('tessera serve: metrics options', () => {
  let dir: string;
  let dataDir: string;
  let tokenFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-metrics-cli-'));
    dataDir = join(dir, 'data');
    tokenFile = join(dir, 'metrics-token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--metrics-token-file serves /metrics on the main port with the token, --metrics-port on loopback; the token is never logged', async () => {
    const metricsPort = await freePort();
    const stdout = await serveStdout(dataDir, ['--metrics-token-file', tokenFile, '--metrics-port', String(metricsPort)], {}, async (issuer) => {
      assert.equal((await fetch(`${issuer}/metrics`)).status, 401);
      const main = await fetch(`${issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(main.status, 200);
      assert.equal(valueOf(parseMetrics(await main.text()), 'tessera_ready'), 1);
      // The listener of its own: on 127.0.0.1 by default, with the token too.
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 401);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l['msg'] === `metrics at http://127.0.0.1:${metricsPort}/metrics`), stdout);
    assert.ok(!stdout.includes(TOKEN), 'the token is not logged');
  });

  it('takes the settings from the environment and from the config file (the flag wins over both)', async () => {
    const metricsPort = await freePort();
    const config = join(dir, 'tessera.yaml');
    writeFileSync(config, `metrics:\n  port: ${metricsPort}\n  host: 127.0.0.1\n  clientIds: 0\n`);
    await serveStdout(dataDir, ['--config', config], {}, async (issuer) => {
      assert.equal((await fetch(`${issuer}/metrics`)).status, 404, 'no token file: nothing on the main port');
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 200);
    });
    await serveStdout(dataDir, ['--config', config], { TESSERA_METRICS_TOKEN_FILE: tokenFile }, async (issuer) => {
      assert.equal((await fetch(`${issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 401);
    });
    const flagPort = await freePort();
    await serveStdout(dataDir, ['--config', config, '--metrics-port', String(flagPort)], { TESSERA_METRICS_PORT: String(metricsPort) }, async () => {
      assert.equal((await fetch(`http://127.0.0.1:${flagPort}/metrics`)).status, 200);
      await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), 'the port the flag overrode is not listened on');
    });
  });

  it('refuses wrong settings in one line naming where they came from', async () => {
    const short = join(dir, 'short-token');
    writeFileSync(short, 'too-short\n');
    const spaced = join(dir, 'spaced-token');
    writeFileSync(spaced, 'a token with spaces in the middle\n');
    const badConfig = join(dir, 'bad.yaml');
    writeFileSync(badConfig, 'metrics:\n  port: ninety\n');
    const unknownKey = join(dir, 'unknown.yaml');
    writeFileSync(unknownKey, 'metrics:\n  tokn: x\n');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--metrics-token-file', join(dir, 'missing')], {}, /^tessera: error: --metrics-token-file: cannot read .*missing: ENOENT$/],
      [['--metrics-token-file', short], {}, /^tessera: error: --metrics-token-file: .*short-token must hold one token of 16 to 512 visible ASCII characters/],
      [[], { TESSERA_METRICS_TOKEN_FILE: spaced }, /^tessera: error: TESSERA_METRICS_TOKEN_FILE: .*spaced-token must hold one token/],
      [['--metrics-port', '70000'], {}, /^tessera: error: --metrics-port must be a port number from 1 to 65535, not '70000'$/],
      [['--config', badConfig], {}, /^tessera: error: .*bad\.yaml: metrics\.port must be a port number from 1 to 65535, not 'ninety'$/],
      [['--config', unknownKey], {}, /^tessera: error: .*unknown\.yaml: unknown setting 'metrics\.tokn'/],
      [['--metrics-host', '0.0.0.0'], {}, /^tessera: error: --metrics-host has no effect without --metrics-token-file or --metrics-port \(metrics are off\)$/],
      [['--metrics-token-file', tokenFile, '--metrics-host', '0.0.0.0'], {}, /^tessera: error: --metrics-host has no effect without --metrics-port$/],
      [['--metrics-port', '9999', '--metrics-client-ids', '-1'], {}, /^tessera: error: --metrics-client-ids must be a whole number from 0 to 1000, not '-1'$/],
      [[], { TESSERA_METRICS_CLIENT_IDS: '5' }, /^tessera: error: TESSERA_METRICS_CLIENT_IDS has no effect without/],
    ];
    for (const [args, env, message] of cases) {
      const run = await refusedServe(dataDir, args, env);
      assert.equal(run.code, 1, JSON.stringify({ args, env, stderr: run.stderr }));
      assert.equal(run.stderr.split('\n').filter((l) => l !== '').length, 1, run.stderr);
      assert.match(run.stderr.trim(), message);
      assert.equal(run.stdout, '', 'nothing started');
    }
    // A metrics port another process holds: one line, and the server does not stay up.
    const holder = createServer();
    const taken = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as AddressInfo).port)));
    try {
      const busy = await refusedServe(dataDir, ['--metrics-port', String(taken)]);
      assert.equal(busy.code, 1, busy.stderr);
      assert.match(busy.stderr.trim(), new RegExp(`^tessera: error: the metrics cannot listen on 127\\.0\\.0\\.1:${taken}: EADDRINUSE$`));
    } finally {
      holder.close();
    }
    // The port the server answers on cannot be the metrics port.
    const port = await freePort();
    const samePort = await refusedServe(dataDir, ['--metrics-port', String(port)], {}, port);
    assert.equal(samePort.code, 1);
    assert.match(samePort.stderr.trim(), new RegExp(`^tessera: error: --metrics-port is the port the server answers on \\(${port}\\)`));
  });
});

