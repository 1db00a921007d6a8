import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCheck } from '../../src/core/doctor/runtime.js';
import { clockCheck } from '../../src/core/doctor/clock.js';
import { discoveryCheck, serverClockCheck } from '../../src/core/doctor/deployment.js';
import { proxyCheck } from '../../src/core/doctor/proxy.js';
import { migrationsCheck } from '../../src/core/doctor/store.js';
import { pepperCheck } from '../../src/core/doctor/pepper.js';
import { riskChecks } from '../../src/core/doctor/risks.js';
import { diagnose } from '../../src/core/doctor/index.js';
import { exitCode } from '../../src/core/doctor/result.js';
import type { ConfigFacts, DeploymentFacts, StoreFacts } from '../../src/core/doctor/facts.js';

const at = (date: string) => Date.parse(`${date}T12:00:00Z`);

const config = (over: Partial<ConfigFacts> = {}): ConfigFacts => ({
  issuer: 'https://auth.example.com',
  host: '127.0.0.1',
  trustProxy: 1,
  store: { kind: 'sqlite', dataDir: '/var/lib/tessera' },
  openRegistration: false,
  consoleUsers: [],
  passwordPolicy: { minLength: 12, rejectCommon: true },
  argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
  ...over,
});

const deployment = (issuer: string, date?: string): DeploymentFacts => {
  const sentAt = at('2026-12-01');
  const answer = (body: unknown) => ({ url: 'x', sentAt, receivedAt: sentAt + 20, answer: { status: 200, body, ...(date ? { date } : {}) } });
  return { url: 'https://auth.example.com', expectedIssuer: 'https://auth.example.com', discovery: answer({ issuer }), ready: answer({ status: 'ready', checks: { database: 'ok' } }) };
};

describe('doctor rules', () => {
  it('node.version: below engines is an error; an ended or odd release line a warning', () => {
    assert.equal(nodeCheck('18.19.0', '>=20.11', at('2026-01-01')).status, 'error');
    assert.equal(nodeCheck('20.10.9', '>=20.11', at('2026-01-01')).status, 'error');
    assert.equal(nodeCheck('20.11.0', '>=20.11', at('2026-01-01')).status, 'ok');
    const ended = nodeCheck('20.20.2', '>=20.11', at('2026-06-01'));
    assert.equal(ended.status, 'warn');
    assert.match(ended.finding, /end of life on 2026-04-30/);
    assert.equal(nodeCheck('23.4.0', '>=20.11', at('2026-01-01')).status, 'warn');
    assert.equal(nodeCheck('24.11.1', '>=20.11', at('2026-12-01')).status, 'ok');
    assert.equal(nodeCheck('24.11.1', '^20 || ^22', at('2026-12-01')).status, 'warn');
  });

  it('clocks: a few seconds are fine, beyond them a warning, beyond a minute an error', () => {
    assert.equal(clockCheck('clock.x', 'it', 3000).status, 'ok');
    const ahead = clockCheck('clock.x', 'it', 10_000);
    assert.equal(ahead.status, 'warn');
    assert.match(ahead.finding, /10 s ahead of/);
    const behind = clockCheck('clock.x', 'it', -120_000);
    assert.equal(behind.status, 'error');
    assert.match(behind.finding, /2 min behind/);
    // What the measurement cannot tell apart is not held against the clock.
    assert.equal(clockCheck('clock.x', 'it', 5600, 1000).status, 'ok');
  });

  it('clock.server reads the Date header of the answers', () => {
    const sentAt = at('2026-12-01');
    const inSync = serverClockCheck(deployment('https://auth.example.com', new Date(sentAt).toUTCString()));
    assert.equal(inSync?.status, 'ok');
    const late = serverClockCheck(deployment('https://auth.example.com', new Date(sentAt - 30_000).toUTCString()));
    assert.equal(late?.status, 'warn');
    assert.match(late!.finding, /behind this machine's clock/);
    assert.equal(serverClockCheck(deployment('https://auth.example.com')), undefined, 'no Date header, no finding');
  });

  it('issuer.discovery says how the published issuer differs', () => {
    assert.equal(discoveryCheck(deployment('https://auth.example.com')).status, 'ok');
    assert.match(discoveryCheck(deployment('https://auth.example.com/')).finding, /only in the trailing slash/);
    assert.match(discoveryCheck(deployment('https://Auth.Example.com')).finding, /only in letter case/);
    assert.match(discoveryCheck(deployment('http://auth.example.com')).finding, /in the scheme/);
    const notFound = discoveryCheck({ ...deployment('x'), discovery: { url: 'u', sentAt: 0, receivedAt: 1, answer: { status: 404 } } });
    assert.equal(notFound.status, 'error');
  });

  it('tls.proxy: an https issuer needs a trusted proxy; a local http one none', () => {
    assert.equal(proxyCheck(config({ trustProxy: 0 }), true)?.status, 'warn');
    assert.equal(proxyCheck(config(), true)?.status, 'ok');
    assert.match(proxyCheck(config({ host: '0.0.0.0' }), true)!.finding, /private network/);
    assert.equal(proxyCheck(config({ issuer: 'http://localhost:9000', trustProxy: 2 }), true)?.status, 'warn');
    assert.equal(proxyCheck(config({ issuer: 'http://localhost:9000', trustProxy: 0 }), true)?.status, 'ok');
  });

  it('migrations: a newer release\'s migrations are an error', () => {
    const store = (applied: string[]): StoreFacts => ({ where: 'db', kind: 'postgres', opened: { latencyMs: 1 }, migrations: { value: { known: ['0001_a', '0002_b'], applied } } });
    assert.equal(migrationsCheck(store(['0001_a', '0002_b']))?.status, 'ok');
    assert.equal(migrationsCheck(store(['0001_a']))?.status, 'warn');
    const newer = migrationsCheck(store(['0001_a', '0002_b', '0003_c']));
    assert.equal(newer?.status, 'error');
    assert.match(newer!.finding, /0003_c/);
  });

  it('pepper: missing where the store has one is an error; missing on PostgreSQL a warning', () => {
    const store = (stored: string | null): StoreFacts => ({ where: 'db', kind: 'postgres', opened: { latencyMs: 1 }, pepperFingerprint: { value: stored } });
    assert.equal(pepperCheck({ source: 'none', wouldCreate: '/d/pepper' }, store('abcdefabcdefabcdef')).status, 'error');
    assert.equal(pepperCheck({ source: 'none', wouldCreate: '/d/pepper' }, store(null)).status, 'warn');
    assert.equal(pepperCheck({ source: 'TESSERA_PEPPER', where: 'TESSERA_PEPPER', problem: 'too short' }, store(null)).status, 'error');
    const mine = pepperCheck({ source: 'TESSERA_PEPPER', where: 'TESSERA_PEPPER', fingerprint: 'abcdefabcdefabcdef' }, store('abcdefabcdefabcdef'));
    assert.equal(mine.status, 'ok');
    assert.ok(!mine.finding.includes('abcdefabcdefabcdef'), 'only a short fingerprint is shown');
  });

  it('risk.argon2 follows OWASP\'s equivalent settings', () => {
    const argon2 = (memoryCost: number, timeCost: number) => riskChecks(config({ argon2: { memoryCost, timeCost, parallelism: 1 } }), undefined).find((r) => r.id === 'risk.argon2')!.status;
    assert.equal(argon2(47104, 1), 'ok');
    assert.equal(argon2(19456, 1), 'warn');
    assert.equal(argon2(9216, 4), 'ok');
    assert.equal(argon2(8192, 4), 'warn');
  });

  it('risk.metrics-exposed: a metrics listener beyond loopback needs the token', () => {
    const status = (metrics: { listenHost?: string; token: boolean } | undefined) => riskChecks(config(metrics ? { metrics } : {}), undefined).find((r) => r.id === 'risk.metrics-exposed')?.status;
    assert.equal(status(undefined), undefined, 'metrics off: nothing to say');
    assert.equal(status({ token: true }), undefined, 'on the main port only: the token is required there anyway');
    assert.equal(status({ listenHost: '127.0.0.1', token: false }), 'ok');
    assert.equal(status({ listenHost: '::1', token: false }), 'ok');
    assert.equal(status({ listenHost: '0.0.0.0', token: true }), 'ok');
    assert.equal(status({ listenHost: '0.0.0.0', token: false }), 'warn');
    assert.equal(status({ listenHost: '10.0.0.5', token: false }), 'warn');
  });

  it('a configuration serve refuses leaves only what needs none, and is an error', () => {
    const results = diagnose({ now: at('2026-12-01'), keyMaxAge: 90 * 86400, configProblem: '--port must be a port number', looseFiles: [], node: { version: '24.11.1', engines: '>=20.11' } });
    assert.deepEqual(results.map((r) => r.id), ['config', 'node.version']);
    assert.equal(exitCode(results), 1);
  });
});
