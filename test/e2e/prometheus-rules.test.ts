import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { familiesOf, promtool } from '../helpers/metrics.js';

const PROMETHEUS = join(ROOT, 'deploy/prometheus');
const DASHBOARD = join(ROOT, 'deploy/grafana/tessera.json');
const TOKEN = 'rules-test-token-0123456789abcdef';

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string }[] }[];
}
interface RuleTests {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

/** Metric names a PromQL expression reads (ours, and the process metrics prom-client adds). */
const metricsIn = (expr: string) => [...expr.matchAll(/\b((?:tessera|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);

describe('deploy/prometheus and deploy/grafana', () => {
  it('promtool accepts the scrape config and the rules', async () => {
    // The config names the token file next to it, as the compose file mounts it: promtool checks that it exists.
    const dir = mkdtempSync(join(tmpdir(), 'tessera-prometheus-'));
    try {
      for (const file of ['prometheus.yml', 'tessera-alerts.yml']) copyFileSync(join(PROMETHEUS, file), join(dir, file));
      writeFileSync(join(dir, 'metrics_token'), `${TOKEN}\n`);
      const config = await promtool(['check', 'config', 'prometheus.yml'], '', dir);
      assert.equal(config.code, 0, config.stdout + config.stderr);
      assert.match(config.stdout + config.stderr, /SUCCESS: 7 rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const rules = await promtool(['check', 'rules', 'tessera-alerts.yml'], '', PROMETHEUS);
    assert.equal(rules.code, 0, rules.stdout + rules.stderr);
  });

  it('every alert has unit tests that see it fire and stay quiet, and they pass', async () => {
    const rules = parse(readFileSync(join(PROMETHEUS, 'tessera-alerts.yml'), 'utf8')) as RuleFile;
    const tests = parse(readFileSync(join(PROMETHEUS, 'tessera-alerts.test.yml'), 'utf8')) as RuleTests;
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    assert.deepEqual(alerts.sort(), ['TesseraHighErrorRate', 'TesseraLockoutSpike', 'TesseraNodeNotReady', 'TesseraRefreshTokenReuse', 'TesseraSignInFailureSpike', 'TesseraSigningKeyOld', 'TesseraSlowRequests']);
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      assert.ok(cases.some((c) => c.alertname === alert && (c.exp_alerts?.length ?? 0) > 0), `${alert} is never seen firing`);
      assert.ok(cases.some((c) => c.alertname === alert && (c.exp_alerts?.length ?? 0) === 0), `${alert} is never seen quiet`);
    }
    const run = await promtool(['test', 'rules', 'tessera-alerts.test.yml'], '', PROMETHEUS);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /SUCCESS/);
  });

  describe('read only metrics the server exposes', () => {
    let server: TestServer;
    let exposed: Map<string, string>;
    before(async () => {
      server = await startTestServer({}, undefined, { metrics: { token: TOKEN } });
      const response = await fetch(`${server.issuer}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      exposed = familiesOf(await response.text());
    });
    after(() => server.close());

    /** Whether `name` is a family the server declares, or a histogram's series of one. */
    const known = (name: string) => {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      if (exposed.has(name)) return true;
      if (exposed.get(family) === 'histogram') return true;
      // The pool is PostgreSQL's: a server on the embedded store has none (TESSERA_TEST_STORE=postgres checks it).
      return name === 'tessera_store_pool_connections' && server.databaseUrl === undefined;
    };

    it('in the alert rules', () => {
      const rules = parse(readFileSync(join(PROMETHEUS, 'tessera-alerts.yml'), 'utf8')) as RuleFile;
      const names = rules.groups.flatMap((g) => g.rules.flatMap((r) => metricsIn(r.expr)));
      assert.ok(names.length >= 7);
      for (const name of names) assert.ok(known(name), `${name} is not exposed`);
    });

    it('in the Grafana dashboard, valid JSON whose every panel has a query', () => {
      const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: { type: string; title: string; targets?: { expr: string }[] }[] };
      assert.equal(dashboard.uid, 'tessera');
      const panels = dashboard.panels.filter((p) => p.type !== 'row');
      assert.ok(panels.length >= 15);
      const used = new Set<string>();
      for (const panel of panels) {
        assert.ok((panel.targets?.length ?? 0) > 0, `${panel.title} has no query`);
        for (const target of panel.targets!) {
          const names = metricsIn(target.expr);
          assert.ok(names.length > 0 || /\bup\{/.test(target.expr), `${panel.title}: ${target.expr}`);
          for (const name of names) {
            assert.ok(known(name), `${panel.title}: ${name} is not exposed`);
            used.add(name.replace(/_(bucket|sum|count)$/, ''));
          }
        }
      }
      // Every metric of Tessera's own is on the dashboard.
      for (const family of exposed.keys()) if (family.startsWith('tessera_')) assert.ok(used.has(family), `${family} is on no panel`);
    });
  });

  it('docker-compose.yml runs Prometheus and Grafana on these files, with the token the nodes check', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { image?: string; volumes?: string[]; secrets?: (string | { source: string; target: string })[]; environment?: Record<string, string> }>;
      secrets: Record<string, { file: string }>;
      volumes: Record<string, unknown>;
    };
    for (const [name, service] of Object.entries(compose.services)) {
      for (const secret of service.secrets ?? []) assert.ok(compose.secrets[typeof secret === 'string' ? secret : secret.source], `${name}: secret ${JSON.stringify(secret)} is not defined`);
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('./')) assert.ok(existsSync(join(ROOT, source!)), `${name}: ${source} does not exist`);
        else assert.ok(source! in compose.volumes, `${name}: volume ${source} is not declared`);
      }
    }
    const { prometheus, grafana } = compose.services;
    assert.match(prometheus!.image!, /^prom\/prometheus:/);
    assert.ok(prometheus!.volumes!.includes('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro'));
    assert.deepEqual(prometheus!.secrets, [{ source: 'tessera_metrics_token', target: '/etc/prometheus/metrics_token' }]);
    assert.match(grafana!.image!, /^grafana\/grafana:/);
    assert.ok(grafana!.volumes!.includes('./deploy/grafana/tessera.json:/etc/grafana/dashboards/tessera.json:ro'));
    const node = compose.services['tessera-1']!;
    assert.equal(node.environment!['TESSERA_METRICS_TOKEN_FILE'], '/run/secrets/tessera_metrics_token');
    assert.ok(node.secrets!.includes('tessera_metrics_token'));
    // Published on this machine only.
    for (const service of [prometheus!, grafana!]) for (const port of (service as { ports?: string[] }).ports ?? []) assert.match(port, /^127\.0\.0\.1:/);
  });
});
