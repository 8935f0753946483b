// The monitoring kustomize component (k8s/components/monitoring): its generated files are
// current, it renders on its own with kubectl's kustomize, its ServiceMonitors and
// PrometheusRule are valid Prometheus Operator objects, every alert and dashboard query is
// valid PromQL, and every ordergraph metric they name is one the processes really register.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parser } from '@prometheus-io/lezer-promql';
import { parseAllDocuments } from 'yaml';
import { knownMetricNames } from '../../platform/metrics';
import { generatedFiles, MONITORING_DIR, PROCESSES } from '../../scripts/monitoring-manifests';

/** Metrics from outside ordergraph that alerts may use: Prometheus' own and kube-state-metrics'. */
const EXTERNAL = new Set(['up', 'kube_pod_container_status_ready']);
const known = knownMetricNames();

let rendered: any[];
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'og-kustomize-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\ncomponents:\n  - ${relative(dir, MONITORING_DIR)}\n`,
    );
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    rendered = parseAllDocuments(out).map((d) => d.toJS());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Parses PromQL; throws on a syntax error; returns the metric names it selects. */
function metricsOf(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const errors: string[] = [];
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`at ${n.from}: "${expr.slice(Math.max(0, n.from - 20), n.to + 20)}"`);
      if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') names.push(expr.slice(n.from, n.to));
    },
  });
  if (errors.length) throw new Error(`invalid PromQL ${expr}\n${errors.join('\n')}`);
  return names;
}

const unknownIn = (names: string[]) => names.filter((n) => !known.has(n) && !EXTERNAL.has(n));

test('the committed files are what npm run monitoring:generate produces', () => {
  for (const [path, text] of Object.entries(generatedFiles())) {
    expect({ path, text: readFileSync(join(MONITORING_DIR, path), 'utf8') }).toEqual({ path, text });
  }
});

test('the component renders on its own: a ServiceMonitor per process and NATS, the rules, the dashboard ConfigMap', () => {
  const monitors = rendered.filter((r) => r.kind === 'ServiceMonitor');
  expect(monitors.map((m) => m.spec.selector.matchLabels['app.kubernetes.io/name']).sort()).toEqual([...PROCESSES, 'nats'].sort());
  for (const m of monitors) {
    expect(m.metadata.namespace).toBe('shop');
    new ServiceMonitor(m).validate();
  }
  for (const m of monitors.filter((x) => x.metadata.name !== 'ordergraph-nats')) expect(m.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);

  const rules = rendered.filter((r) => r.kind === 'PrometheusRule');
  expect(rules).toHaveLength(1);
  new PrometheusRule(rules[0]).validate();

  const dashboards = rendered.filter((r) => r.kind === 'ConfigMap' && r.metadata.labels?.grafana_dashboard === '1');
  expect(dashboards.map((d) => d.metadata.name)).toEqual(['ordergraph-dashboard']);
  expect(JSON.parse(dashboards[0].data['ordergraph.json']).uid).toBe('ordergraph');
});

test('the alerts the operators asked for exist, parse, and watch metrics that exist', () => {
  const [rule] = rendered.filter((r) => r.kind === 'PrometheusRule');
  const alerts = rule.spec.groups.flatMap((g: any) => g.rules) as Array<{ alert: string; expr: string; for?: string; labels: { severity: string } }>;
  for (const a of alerts) {
    expect(unknownIn(metricsOf(a.expr))).toEqual([]);
    expect(['warning', 'critical']).toContain(a.labels.severity);
  }
  const watching = (metric: string) => alerts.filter((a) => metricsOf(a.expr).includes(metric)).map((a) => a.alert);
  expect(watching('ordergraph_outbox_oldest_unsent_age_seconds')).toEqual(['OrdergraphOutboxStalled']);
  expect(alerts.find((a) => a.alert === 'OrdergraphOutboxStalled')!.expr).toMatch(/> 60$/);
  expect(watching('ordergraph_consumer_pending_messages')).toEqual(['OrdergraphConsumerLagGrowing']);
  expect(watching('ordergraph_consumer_dead_letters')).toEqual(['OrdergraphDeadLetters']);
  expect(watching('ordergraph_breaker_state')).toEqual(['OrdergraphBreakerOpen']);
  expect(alerts.find((a) => a.alert === 'OrdergraphBreakerOpen')!.for).toBe('1m');
  expect(watching('kube_pod_container_status_ready')).toEqual(['OrdergraphNotReady']);
});

test('a wrong expression or an unknown metric would be caught', () => {
  expect(() => metricsOf('sum by (x) (rate(ordergraph_outbox_published_total[5m])')).toThrow(/invalid PromQL/);
  expect(unknownIn(metricsOf('ordergraph_outbox_published_totals > 0'))).toEqual(['ordergraph_outbox_published_totals']);
});

test('the dashboard has one row per process, and every query parses and uses metrics that exist', () => {
  const dashboard = JSON.parse(readFileSync(join(MONITORING_DIR, 'dashboards/ordergraph.json'), 'utf8'));
  expect(dashboard.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title)).toEqual([...PROCESSES]);
  const exprs = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr as string));
  expect(exprs.length).toBeGreaterThan(PROCESSES.length * 3);
  const used = new Set<string>();
  for (const expr of exprs) {
    // Grafana's variables are not PromQL: give them values first.
    const names = metricsOf(expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', 'shop'));
    expect(unknownIn(names)).toEqual([]);
    names.forEach((n) => used.add(n));
  }
  // Each family the issue asks for is on the dashboard.
  for (const family of ['graphql_operations', 'outbox_oldest_unsent', 'consumer_pending', 'consumer_dead_letters', 'breaker_state', 'subscription_push_latency', 'notification_sends', 'router_subgraph_fetch']) {
    expect([...used].some((n) => n.includes(family))).toBe(true);
  }
});
