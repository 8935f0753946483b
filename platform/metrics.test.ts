import { BoundedLabel, Metrics, knownMetricNames } from './metrics';

test('a bounded label keeps the first N valid values, then "other"; invalid ones are "invalid"', () => {
  const label = new BoundedLabel(2, /^[A-Za-z]+$/, 'invalid', 'other');
  expect(label.of('PlaceOrder')).toBe('PlaceOrder');
  expect(label.of('Orders')).toBe('Orders');
  expect(label.of('Third')).toBe('other');
  expect(label.of('PlaceOrder')).toBe('PlaceOrder');
  expect(label.of('has-dash')).toBe('invalid');
  expect(label.of(undefined)).toBe('invalid');
});

test('several contexts in one process each get their own registry, labelled by context', async () => {
  const a = new Metrics('ordering');
  const b = new Metrics('delivery');
  a.consumers().handled('ordering--x', 'processed', 0.01);
  b.consumers().handled('delivery--y', 'retry', 0.02);
  const textA = await a.exposition();
  const textB = await b.exposition();
  expect(textA).toContain('ordergraph_consumer_messages_total{consumer="ordering--x",outcome="processed",context="ordering"} 1');
  expect(textA).not.toContain('delivery--y');
  expect(textB).toContain('ordergraph_consumer_messages_total{consumer="delivery--y",outcome="retried",context="delivery"} 1');
  // Process metrics are in both, once each.
  expect(textA.match(/^# TYPE process_cpu_user_seconds_total/gm)).toHaveLength(1);
  expect(textB.match(/^# TYPE process_cpu_user_seconds_total/gm)).toHaveLength(1);
});

test('a failed scrape-time read shows no value (NaN), never a stale or healthy-looking one, and is counted', async () => {
  const m = new Metrics('catalog');
  m.outbox().readBacklog(() => Promise.reject(new Error('database down')));
  const text = await m.exposition();
  expect(text).toMatch(/^ordergraph_outbox_unsent_events\{context="catalog"\} NaN$/im);
  expect(text).toMatch(/^ordergraph_outbox_oldest_unsent_age_seconds\{context="catalog"\} NaN$/im);
  // The error counter is serialized beside the gauges: it shows from the next scrape on.
  expect(await m.exposition()).toMatch(/^ordergraph_metrics_collect_errors_total\{source="outbox",context="catalog"\} [12]$/m);
});

test('metric names follow the conventions: ordergraph_ prefix, _total counters, base units', () => {
  const own = [...knownMetricNames()].filter((n) => n.startsWith('ordergraph_') && !/_(bucket|sum|count)$/.test(n));
  expect(own.length).toBeGreaterThan(20);
  for (const n of own) expect(n).toMatch(/^ordergraph_[a-z_]+_(total|seconds|events|messages|dead_letters|state|active|connections)$/);
  expect(own.filter((n) => /_(ms|milliseconds|minutes)$/.test(n))).toEqual([]);
});
