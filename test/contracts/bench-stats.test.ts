// `npm run bench`'s pure parts (scripts/lib/bench/): the statistics, the targets of issue 13
// and their verdicts, the table, the reading of the push benchmark's report, the supergraph
// copy the compared gateways run on and the process-tree CPU reading. The benchmark itself is
// not part of `npm test` (minutes of load); `npm run bench -- --quick` is its smoke run.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { treeCpuSeconds } from '../../scripts/lib/bench/cpu';
import { supergraphFor } from '../../scripts/lib/bench/gateways';
import { CONTEXT_NAMES, CONTEXTS } from '../../subgraphs/registry';
import { medianOfRounds, type PlacePhase } from '../../scripts/lib/bench/orders';
import { parsePushReport } from '../../scripts/lib/bench/push';
import { atLeast, atMost, fmt, formatCounts, median, meets, percentile, ratio, renderTable, TARGETS, verdict, type Row } from '../../scripts/lib/bench/stats';
import type { RunningStack } from '../../scripts/lib/isolated-stack';
import { spawnChild } from '../support/children';

const ROOT = resolve(__dirname, '..', '..');

describe('statistics', () => {
  test('nearest-rank percentiles, whatever the order of the values', () => {
    const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 99)).toBe(10);
    expect(percentile(v, 90)).toBe(9);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
    expect(v).toEqual([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]); // not sorted in place
  });

  test('medians of odd and even counts; ratios refuse a zero or missing divisor', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(NaN, 2)).toBeNaN();
  });

  test('numbers and error counts as the table prints them', () => {
    expect(fmt(12_345.6)).toBe('12 346');
    expect(fmt(42.4)).toBe('42');
    expect(fmt(3.14159)).toBe('3.1');
    expect(fmt(0.123)).toBe('0.12');
    expect(fmt(7)).toBe('7');
    expect(fmt(NaN)).toBe('n/a');
    expect(fmt(0.5, 2)).toBe('0.50');
    expect(formatCounts(new Map([['TIMEOUT', 1], ['PAYMENT_UNAVAILABLE', 12]]))).toBe('PAYMENT_UNAVAILABLE 12 · TIMEOUT 1');
    expect(formatCounts(new Map())).toBe('none');
  });
});

describe('targets of issue 13', () => {
  test('each bound is inclusive on its good side; an unmeasured figure is neither met nor missed', () => {
    expect(meets(25, TARGETS.cpuPerOrderMs)).toBe(true);
    expect(meets(25.1, TARGETS.cpuPerOrderMs)).toBe(false);
    expect(meets(100, TARGETS.ordersPerSecondAt50)).toBe(true);
    expect(meets(99.9, TARGETS.ordersPerSecondAt50)).toBe(false);
    expect(meets(0, TARGETS.placeErrorsAt50)).toBe(true);
    expect(meets(1, TARGETS.placeErrorsAt50)).toBe(false);
    expect(meets(NaN, TARGETS.pushP99Ms)).toBeUndefined();
    expect(meets(Infinity, TARGETS.drainMs)).toBe(false);
  });

  test('the figures issue 13 names, with its bounds', () => {
    expect(TARGETS.cpuPerOrderMs).toMatchObject({ op: '<=', bound: 25 });
    expect(TARGETS.placeP99At50Ms).toMatchObject({ op: '<=', bound: 200 });
    expect(TARGETS.convergenceP99Ms).toMatchObject({ op: '<=', bound: 300 });
    expect(TARGETS.drainMs).toMatchObject({ op: '<=', bound: 1000 });
    expect(TARGETS.relayShareOfRaw).toMatchObject({ op: '>=', bound: 0.5 });
    expect(TARGETS.relayPickupP50Ms).toMatchObject({ op: '<=', bound: 10 });
    expect(TARGETS.routerVsPlain).toMatchObject({ op: '>=', bound: 1 });
    expect(TARGETS.routerVsHiveDedupe).toMatchObject({ op: '>=', bound: 1 });
    expect(TARGETS.pushP99Ms).toMatchObject({ op: '<=', bound: 50 });
    expect(TARGETS.pushDeliveredShare).toMatchObject({ op: '>=', bound: 1 });
  });

  test('the table shows every figure with its target and verdict, and counts the met ones', () => {
    const rows: Row[] = [
      { section: 'placeOrder', metric: 'orders/s', value: '120', numeric: 120, target: atLeast(100, '≥ 100/s') },
      { section: 'placeOrder', metric: 'p99, ms', value: '250', numeric: 250, target: atMost(200, '≤ 200 ms') },
      { section: 'CPU', metric: 'router', value: '3.1', note: 'no target' },
      { section: 'push', metric: 'p99, ms', value: 'n/a', numeric: NaN, target: TARGETS.pushP99Ms },
    ];
    expect(rows.map(verdict)).toEqual(['met', 'NOT met', '', 'n/a']);
    const text = renderTable(['command   npm run bench -- --quick', 'machine   2 × test cpu'], rows);
    const lines = text.split('\n');
    expect(lines[1]).toBe('command   npm run bench -- --quick');
    expect(lines.find((l) => l.startsWith('orders/s'))).toMatch(/^orders\/s\s+120\s+≥ 100\/s\s+met$/);
    expect(lines.find((l) => l.startsWith('p99, ms') && l.includes('250'))).toMatch(/≤ 200 ms\s+NOT met/);
    expect(lines.find((l) => l.startsWith('router'))).toMatch(/3\.1\s+no target$/);
    expect(text).toContain('\nplaceOrder\n');
    expect(text).toContain('targets of issue 13: 1 of 3 met, 1 not measured');
  });
});

test('placeOrder rounds combine into medians; errors add up; convergence times are pooled; a round that never drained counts as never', () => {
  const phase = (ordersPerSecond: number, placed: number, routerCpuS: number, drainMs: number, errors: [string, number][]): PlacePhase => ({
    label: 'p50',
    rounds: 1,
    concurrency: 50,
    seconds: 10,
    ordersPerSecond,
    p50Ms: ordersPerSecond,
    p99Ms: 2 * ordersPerSecond,
    placed,
    errors: new Map(errors),
    convergenceMs: [placed],
    notConverged: 1,
    drainMs,
    cpu: { router: routerCpuS, postgres: placed / 1000 },
    generatorCpuS: placed / 100,
  });
  // CPU per order of the router: 10 ms, 20 ms, 40 ms → median 20 ms.
  const m = medianOfRounds([phase(100, 1000, 10, 200, [['TIMEOUT', 1]]), phase(50, 500, 10, NaN, []), phase(80, 800, 32, 300, [['TIMEOUT', 2], ['PAYMENT_UNAVAILABLE', 3]])]);
  expect(m.rounds).toBe(3);
  expect(m.ordersPerSecond).toBe(80);
  expect(m.p99Ms).toBe(160);
  expect(m.placed).toBe(2300);
  expect((m.cpu.router * 1000) / m.placed).toBeCloseTo(20);
  expect((m.cpu.postgres * 1000) / m.placed).toBeCloseTo(1);
  expect((m.generatorCpuS * 1000) / m.placed).toBeCloseTo(10);
  expect([...m.errors].sort()).toEqual([['PAYMENT_UNAVAILABLE', 3], ['TIMEOUT', 3]]);
  expect(m.convergenceMs.sort()).toEqual([1000, 500, 800].sort());
  expect(m.notConverged).toBe(3);
  expect(m.drainMs).toBe(300);
  expect(medianOfRounds([phase(1, 1, 1, NaN, []), phase(1, 1, 1, NaN, []), phase(1, 1, 1, 5, [])]).drainMs).toBe(Infinity);
});

describe('the push benchmark, run whole', () => {
  const report = [
    'pushes        expected 5000 (= 50 × 100) · received 4990 (99.80 %) · missing 10 · duplicates 0',
    'latency, ms (receipt − occurredAt; one clock)               count      p50      p95      p99      max',
    '  event committed → subscriber received (every push)         4990     31.5       80      123      400',
  ].join('\n');

  test("its report's figures are read: pushes expected and received, p50 and p99", () => {
    expect(parsePushReport(report)).toEqual({ expected: 5000, received: 4990, p50Ms: 31.5, p99Ms: 123 });
    expect(parsePushReport('✖ no subscriber could connect')).toBeUndefined();
    expect(parsePushReport(report.replace('123', '—'))?.p99Ms).toBeNaN();
  });

  test('scripts/bench-push-latency.ts still prints the two lines read', () => {
    const source = readFileSync(join(ROOT, 'scripts', 'bench-push-latency.ts'), 'utf8');
    expect(source).toContain('event committed → subscriber received (every push)');
    expect(source).toMatch(/`pushes {8}expected \$\{/);
  });
});

test("the compared gateways' supergraph is the committed one with this stack's subgraph URLs", () => {
  // Every context of the registry (a context added later included), on ports no default uses.
  const ports: Record<string, number> = Object.fromEntries([...CONTEXT_NAMES.map((c) => [c, 50000 + CONTEXTS[c].port - 4000]), ['router', 50000]]);
  const file = supergraphFor({ ports } as unknown as RunningStack);
  try {
    const committed = readFileSync(join(ROOT, 'router', 'supergraph.graphql'), 'utf8');
    const copy = readFileSync(file, 'utf8');
    for (const c of CONTEXT_NAMES) expect(copy).toContain(`@join__graph(name: "${c}", url: "http://127.0.0.1:${ports[c]}/graphql")`);
    expect(copy).not.toMatch(/url: "http:\/\/127\.0\.0\.1:40\d\d\/graphql"/);
    // Nothing else changed.
    expect(copy.replace(/url: "[^"]+"/g, 'url')).toBe(committed.replace(/url: "[^"]+"/g, 'url'));
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
});

test('process-tree CPU: this process has used some; a pid that does not exist reads NaN', () => {
  let x = 0;
  for (let i = 0; i < 3e6; i++) x += Math.sqrt(i);
  expect(x).toBeGreaterThan(0);
  const own = treeCpuSeconds(process.pid);
  const usage = process.cpuUsage();
  expect(own).toBeGreaterThan(0);
  // /proc counts in clock ticks (10 ms); the tree holds at least this process.
  expect(own).toBeGreaterThanOrEqual((usage.user + usage.system) / 1e6 - 0.05);
  expect(treeCpuSeconds(2 ** 22 + 12345)).toBeNaN();
});

test('process-tree CPU keeps the time of children that ended (the idle row read negative without it)', async () => {
  // A shell (the "postmaster") runs a child that burns 0.4 s of CPU and exits, then waits on.
  // The shell reaps the child: its time moves to the shell's cutime/cstime, which counts.
  const burn = 'const t=process.cpuUsage();let x=0;while((u=>u.user+u.system)(process.cpuUsage(t))<4e5)x+=Math.sqrt(x+1);';
  const shell = spawnChild('sh', ['-c', `"${process.execPath}" -e '${burn}'; echo done; exec sleep 30`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((res, rej) => {
      shell.stdout!.on('data', (d: Buffer) => d.toString().includes('done') && res());
      shell.on('exit', () => rej(new Error('the shell ended early')));
    });
    // The burner is gone now; only the shell (now `sleep`, exec keeps its children's times) is alive.
    const tree = treeCpuSeconds(shell.pid!);
    // Counting living processes only gives the shell's few ms: below 0.1 s.
    expect(tree).toBeGreaterThanOrEqual(0.4 - 0.02);
  } finally {
    shell.kill('SIGKILL');
  }
});
