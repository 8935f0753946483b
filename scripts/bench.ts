// `npm run bench`: the one benchmark of issue 13, in one command and one table.
//   npm run bench                  the real run (a few minutes; a quiet machine gives meaningful figures)
//   npm run bench -- --quick       a smoke run (short phases, 10 000 orders of history)
// It starts its own isolated ordergraph from dist/ (scripts/lib/isolated-stack.ts: own
// nats-server, throwaway PostgreSQL databases — on --database-url / $DATABASE_URL or an embedded
// PostgreSQL server it starts itself — every context and the router as processes) and measures:
// placeOrder at 10 and 50 clients, CPU per order of every process, saga convergence and drain,
// the outbox relay beside raw nats.js publishing, reads through three gateways, placeOrder with
// history, and (after the stack stopped) push latency through scripts/bench-push-latency.ts.
// What each figure means: docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect as natsConnect } from '@nats-io/transport-node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './lib/embedded-postgres';
import { IsolatedStack, machineLine, ROOT, say, secondsSince, waitForFirstPaidOrder, type RunningStack } from './lib/isolated-stack';
import { CpuMeter, type CpuReading, type PostgresCpuSource } from './lib/bench/cpu';
import type { Actor } from '../platform/auth';
import { compareReads, FEDERATED_READ, SINGLE_READ, startGateways, type ReadFigures } from './lib/bench/gateways';
import { seedHistory, type SeedResult } from './lib/bench/history';
import { closedLoop, postJson } from './lib/bench/load';
import { consumerBacklog, medianOfRounds, PLACE_ORDER, placeOrders, type PlacePhase } from './lib/bench/orders';
import { measurePush, type PushFigures } from './lib/bench/push';
import { measureRawPublish, measureRelay, type RawPublishResult, type RelayResult } from './lib/bench/relay';
import { fmt, formatCounts, percentile, ratio, renderTable, TARGETS, type Row } from './lib/bench/stats';
import { Agent } from 'node:http';

const PARTS = ['orders', 'relay', 'reads', 'history', 'push'] as const;
type Part = (typeof PARTS)[number];

const USAGE = `usage: npm run bench -- [options]

  --quick            smoke run: short phases, 10 000 orders of history (figures are not comparable
                     with a full run's)
  --database-url U   PostgreSQL server for the throwaway databases      default $DATABASE_URL,
                     else an embedded PostgreSQL server started for the run
  --skip LIST        leave parts out, comma-separated: ${PARTS.join(', ')}
  --history N        orders of history to seed                  default 100000, --quick 10000
  --log-dir DIR      also write every service's output to DIR/<service>.log
  --verbose          echo every service's log lines
  --help`;

/** Durations and sizes of one run. */
interface Plan {
  warmupS: number;
  idleS: number;
  placeS: number;
  /** Interleaved rounds of the 10- and 50-client phases; figures are their medians. */
  placeRounds: number;
  drainLimitS: number;
  relayRows: number;
  relayProbes: number;
  rawMessages: number;
  readRounds: number;
  readS: number;
  readConcurrency: number;
  historyOrders: number;
  historyS: number;
  pushS: number;
  pushWarmupS: number;
  pushDrainS: number;
}

const FULL: Plan = {
  warmupS: 10,
  idleS: 10,
  placeS: 30,
  placeRounds: 3,
  drainLimitS: 60,
  relayRows: 5000,
  relayProbes: 50,
  rawMessages: 5000,
  readRounds: 3,
  readS: 10,
  readConcurrency: 20,
  historyOrders: 100_000,
  historyS: 30,
  pushS: 30,
  pushWarmupS: 5,
  pushDrainS: 30,
};

const QUICK: Plan = {
  warmupS: 1,
  idleS: 2,
  placeS: 4,
  placeRounds: 1,
  drainLimitS: 10,
  relayRows: 500,
  relayProbes: 5,
  rawMessages: 1000,
  readRounds: 3,
  readS: 1,
  readConcurrency: 10,
  historyOrders: 10_000,
  historyS: 4,
  pushS: 4,
  pushWarmupS: 1,
  pushDrainS: 10,
};

const PRODUCT = 'cake';

const benchStarted = Date.now();
/** A progress line with the seconds since the benchmark started. */
const step = (msg: string) => say(`[${secondsSince(benchStarted).padStart(5)} s] ${msg}`);

interface Options {
  quick: boolean;
  /** Overrides the plan's historyOrders. */
  historyOrders?: number;
  databaseUrl?: string;
  skip: Set<Part>;
  logDir?: string;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        'database-url': { type: 'string' },
        skip: { type: 'string', default: '' },
        history: { type: 'string' },
        'log-dir': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`✖ ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const skip = values.skip.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = skip.filter((s) => !(PARTS as readonly string[]).includes(s));
  if (unknown.length) {
    console.error(`✖ --skip: unknown part(s) ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}\n\n${USAGE}`);
    process.exit(2);
  }
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    console.error(`✖ --database-url must be a postgres:// URL, got "${databaseUrl}"\n\n${USAGE}`);
    process.exit(2);
  }
  let historyOrders: number | undefined;
  if (values.history !== undefined) {
    historyOrders = Number(values.history);
    if (!/^\d+$/.test(values.history) || historyOrders < 1 || historyOrders > 10_000_000) {
      console.error(`✖ --history must be a whole number in 1..10000000, got "${values.history}"\n\n${USAGE}`);
      process.exit(2);
    }
  }
  return { quick: values.quick, historyOrders, databaseUrl, skip: new Set(skip as Part[]), logDir: values['log-dir'], verbose: values.verbose };
}

const gitCommit = () => {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() ? ' (with uncommitted changes)' : '';
    return sha + dirty;
  } catch {
    return 'unknown (not a git checkout)';
  }
};

// ---------------------------------------------------------------- measurements

interface Results {
  /** CPU seconds by process over `seconds` of no load, before the placeOrder phases. */
  idle?: { cpu: CpuReading; seconds: number };
  orders: PlacePhase[];
  /** OrderPlaced's occurredAt (ordering's transaction) → a core NATS subscriber here, ms, during the 50-client phase. */
  orderPlacedToStreamMs: number[];
  relay?: RelayResult;
  raw?: RawPublishResult;
  /**
   * Reads through the router, plain @apollo/gateway and Hive Gateway: `federated` and `single`
   * with every client sending the identical request as one customer (the case in-flight
   * deduplication is for; issue 13's targets), `federatedMany` with each client its own
   * customer reading its own order (nothing to deduplicate; no targets).
   */
  reads?: ReadResults;
  history?: { seed: SeedResult; phase: PlacePhase; empty: PlacePhase };
  push?: PushFigures;
  notes: string[];
}

const CORE = (name: string) => !['plain-gateway', 'hive-dedupe', 'hive-no-dedupe'].includes(name);

async function measureOrders(stack: RunningStack, nc: NatsConnection, meter: CpuMeter, plan: Plan, run: string, r: Results): Promise<void> {
  // The idle cost first (timers, polls, health checks): it is inside every per-order figure.
  const until = Date.now() + plan.drainLimitS * 1000;
  while (Date.now() < until && (await consumerBacklog(nc).catch(() => -1)) !== 0) await new Promise((res) => setTimeout(res, 100));
  step(`idle: ${plan.idleS} s without load`);
  const i0 = await meter.read();
  await new Promise((res) => setTimeout(res, plan.idleS * 1000));
  const i1 = await meter.read();
  r.idle = { cpu: CpuMeter.between(i0, i1), seconds: (i1.at - i0.at) / 1000 };
  const rounds = new Map<number, PlacePhase[]>([
    [10, []],
    [50, []],
  ]);
  for (let round = 1; round <= plan.placeRounds; round++) {
    for (const concurrency of [10, 50]) {
      step(`placeOrder: ${concurrency} clients for ${plan.placeS} s, then the drain (at most ${plan.drainLimitS} s)${plan.placeRounds > 1 ? ` — round ${round} of ${plan.placeRounds}` : ''}`);
      const sub =
        concurrency === 50
          ? nc.subscribe('ordering.order-placed.v1', {
              callback: (_e, m) => {
                try {
                  r.orderPlacedToStreamMs.push(Date.now() - Date.parse((JSON.parse(m.string()) as { occurredAt: string }).occurredAt));
                } catch {
                  /* not an envelope */
                }
              },
            })
          : undefined;
      const phase = await placeOrders(stack, nc, meter, { label: `p${concurrency}r${round}`, concurrency, seconds: plan.placeS, productId: PRODUCT, drainLimitS: plan.drainLimitS, run });
      sub?.unsubscribe();
      rounds.get(concurrency)!.push(phase);
      step(`  ${fmt(phase.ordersPerSecond)} orders/s, p99 ${fmt(phase.p99Ms)} ms, errors ${formatCounts(phase.errors)}, drained in ${fmt(phase.drainMs)} ms`);
    }
  }
  for (const phases of rounds.values()) r.orders.push(medianOfRounds(phases));
}

/** Places one order as `actor` and waits until payment and delivery know it (the federated read's fields are not null). */
async function placeReadableOrder(stack: RunningStack, actor: Actor, agent: Agent): Promise<string> {
  const token = await stack.token(actor);
  const url = new URL(stack.routerUrl);
  // A busy machine may answer PAYMENT_UNAVAILABLE or time out: try again for up to 60 s.
  let orderId: string | undefined;
  for (const giveUpAt = Date.now() + 60_000; !orderId; ) {
    const placed = await postJson(url, JSON.stringify({ query: PLACE_ORDER, variables: { input: { productId: PRODUCT, qty: 1 } } }), { authorization: `Bearer ${token}` }, agent);
    orderId = placed.body.data?.placeOrder?.status === 'PAID' ? (placed.body.data.placeOrder.id as string) : undefined;
    if (!orderId && Date.now() > giveUpAt) throw new Error(`could not place the order the reads read: ${JSON.stringify(placed.body.errors ?? placed.body).slice(0, 200)}`);
    if (!orderId) await new Promise((res) => setTimeout(res, 500));
  }
  const until = Date.now() + 30_000;
  for (;;) {
    const a = await postJson(url, JSON.stringify({ query: FEDERATED_READ, variables: { id: orderId } }), { authorization: `Bearer ${token}` }, agent);
    if (a.body.data?.order?.delivery && a.body.data.order.payment) return orderId;
    if (Date.now() > until) throw new Error(`order ${orderId} had no payment and delivery after 30 s: ${JSON.stringify(a.body).slice(0, 200)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** The three read comparisons of `npm run bench` (see Results.reads). */
type ReadResults = { federated: ReadFigures[]; single: ReadFigures[]; federatedMany: ReadFigures[] };

async function measureReads(stack: RunningStack, plan: Plan, run: string, fromBuild: boolean): Promise<ReadResults> {
  // The identical-request reads: one order of a dedicated customer, read by every client as that customer.
  const actor: Actor = { sub: `bench-${run}-reader`, role: 'customer' };
  // The many-identities reads: one customer per client, each reading its own order: no two
  // requests in flight are the same, so in-flight deduplication has nothing to share.
  const readers: Actor[] = Array.from({ length: plan.readConcurrency }, (_, i) => ({ sub: `bench-${run}-reader${i}`, role: 'customer' }));
  const agent = new Agent({ keepAlive: true });
  const orderId = await placeReadableOrder(stack, actor, agent);
  const each: Array<{ actor: Actor; orderId: string }> = [];
  for (let i = 0; i < readers.length; i += 5) {
    const ids = await Promise.all(readers.slice(i, i + 5).map((a) => placeReadableOrder(stack, a, agent)));
    ids.forEach((id, j) => each.push({ actor: readers[i + j], orderId: id }));
  }
  agent.destroy();
  step('starting the gateways to compare with: a plain @apollo/gateway, Hive Gateway with and without in-flight deduplication');
  const gateways = await startGateways(stack, actor, fromBuild, readers);
  const o = { rounds: plan.readRounds, seconds: plan.readS, concurrency: plan.readConcurrency };
  // A short warm-up of each gateway (JIT, connection pools), not counted.
  await compareReads(stack, gateways, FEDERATED_READ, { orderId }, { ...o, rounds: 1, seconds: Math.min(2, plan.readS) });
  step(`reads: ${o.rounds} interleaved rounds × ${gateways.length} gateways × ${o.seconds} s, ${o.concurrency} clients, federated then single-subgraph (one identity), then federated with ${readers.length} identities`);
  const federated = await compareReads(stack, gateways, FEDERATED_READ, { orderId }, o);
  const single = await compareReads(stack, gateways, SINGLE_READ, { orderId }, o);
  const federatedMany = await compareReads(stack, gateways, FEDERATED_READ, { each }, o);
  for (const g of gateways.slice(1)) await stack.stopProcess(g.process);
  return { federated, single, federatedMany };
}

// ---------------------------------------------------------------- the table

const msPerOrder = (cpuS: number, orders: number) => (orders > 0 ? (cpuS * 1000) / orders : NaN);
const sum = (c: CpuReading) => Object.entries(c).filter(([k]) => CORE(k)).reduce((a, [, v]) => a + v, 0);
/** A ratio for the table: "1.23×", or "n/a". */
const times = (v: number) => (Number.isFinite(v) ? `${fmt(v, 2)}×` : 'n/a');
const shortCounts = (m: Map<string, number>) => formatCounts(m).slice(0, 70);

function rows(r: Results, plan: Plan): Row[] {
  const out: Row[] = [];
  const [p10, p50] = [r.orders.find((p) => p.concurrency === 10), r.orders.find((p) => p.concurrency === 50)];
  const roundsNote = (p?: PlacePhase) => (p && p.rounds > 1 ? `, medians of ${p.rounds} interleaved rounds` : '');
  let s = `placeOrder (closed loop through the router${roundsNote(p10 ?? p50)})`;
  for (const p of [p10, p50]) {
    if (!p) continue;
    const at50 = p.concurrency === 50;
    const errors = [...p.errors.values()].reduce((a, b) => a + b, 0);
    out.push({ section: s, metric: `${p.concurrency} clients: orders/s (PAID answers)`, value: fmt(p.ordersPerSecond), numeric: p.ordersPerSecond, target: at50 ? TARGETS.ordersPerSecondAt50 : undefined, note: `${p.placed} orders in ${p.rounds} × ${p.seconds} s` });
    out.push({ section: s, metric: `${p.concurrency} clients: latency p50 / p99, ms`, value: `${fmt(p.p50Ms)} / ${fmt(p.p99Ms)}`, numeric: p.p99Ms, target: at50 ? TARGETS.placeP99At50Ms : undefined });
    out.push({ section: s, metric: `${p.concurrency} clients: errors by extensions.code`, value: String(errors), numeric: errors, target: at50 ? TARGETS.placeErrorsAt50 : undefined, note: shortCounts(p.errors) });
  }

  const cpuPhase = p50 ?? p10;
  if (cpuPhase) {
    s = `CPU ms per placed order (${cpuPhase.concurrency} clients; load start → drained)`;
    const total = msPerOrder(sum(cpuPhase.cpu), cpuPhase.placed);
    const other = cpuPhase === p50 ? p10 : undefined;
    out.push({
      section: s,
      metric: 'all processes together',
      value: fmt(total),
      numeric: total,
      target: TARGETS.cpuPerOrderMs,
      note: other ? `at 10 clients ${fmt(msPerOrder(sum(other.cpu), other.placed))}` : undefined,
    });
    for (const [name, cpu] of Object.entries(cpuPhase.cpu).filter(([k]) => CORE(k)).sort((a, b) => b[1] - a[1])) {
      out.push({ section: s, metric: `  ${name}`, value: fmt(msPerOrder(cpu, cpuPhase.placed)), note: other ? `at 10 clients ${fmt(msPerOrder(other.cpu[name] ?? NaN, other.placed))}` : undefined });
    }
    out.push({ section: s, metric: '  load generator (this process, not in the sum)', value: fmt(msPerOrder(cpuPhase.generatorCpuS, cpuPhase.placed)) });
    if (r.idle) {
      const idleMsPerS = (sum(r.idle.cpu) * 1000) / r.idle.seconds;
      const top = Object.entries(r.idle.cpu).filter(([k]) => CORE(k)).sort((a, b) => b[1] - a[1]).slice(0, 3);
      out.push({
        section: s,
        metric: 'idle cost: all processes, CPU ms per second without load',
        value: fmt(idleMsPerS),
        note: `= ${fmt(idleMsPerS / cpuPhase.ordersPerSecond)} ms of each order at this rate; most: ${top.map(([k, v]) => `${k} ${fmt((v * 1000) / r.idle!.seconds)}`).join(', ')}`,
      });
    }
  }

  s = "saga convergence (placeOrder's answer → PAID in mypage's myOrders)";
  for (const p of [p10, p50]) {
    if (!p) continue;
    const at50 = p.concurrency === 50;
    out.push({
      section: s,
      metric: `${p.concurrency} clients: p50 / p99, ms`,
      value: `${fmt(percentile(p.convergenceMs, 50))} / ${fmt(percentile(p.convergenceMs, 99))}`,
      numeric: p.notConverged ? Infinity : percentile(p.convergenceMs, 99),
      target: at50 ? TARGETS.convergenceP99Ms : undefined,
      note: p.notConverged ? `${p.notConverged} of ${p.placed} orders not PAID in myOrders when the drain ended` : `${p.convergenceMs.length} orders`,
    });
    out.push({
      section: s,
      metric: `${p.concurrency} clients: drain after the load, ms`,
      value: Number.isNaN(p.drainMs) ? `> ${plan.drainLimitS * 1000}` : fmt(p.drainMs),
      numeric: Number.isNaN(p.drainMs) ? Infinity : p.drainMs,
      target: at50 ? TARGETS.drainMs : undefined,
      note: 'until no JetStream consumer has pending or unacknowledged messages',
    });
  }

  if (r.relay || r.raw) {
    s = 'outbox relay (ordering) beside raw nats.js JetStream publishing, same nats-server';
    const rel = r.relay;
    const raw = r.raw;
    if (rel) out.push({ section: s, metric: 'relay: events/s (rows of one transaction)', value: fmt(rel.eventsPerSecond), note: `${rel.rows} rows${rel.missing ? `, ${rel.missing} never arrived` : ''}` });
    if (raw) {
      out.push({ section: s, metric: 'raw: events/s awaiting each ack', value: fmt(raw.sequentialPerSecond) });
      out.push({ section: s, metric: `raw: events/s with ${raw.window} in flight`, value: fmt(raw.windowedPerSecond) });
    }
    if (rel && raw) {
      const share = ratio(rel.eventsPerSecond, raw.windowedPerSecond);
      out.push({ section: s, metric: `relay ÷ raw with ${raw.window} in flight`, value: times(share), numeric: share, target: TARGETS.relayShareOfRaw, note: `÷ raw awaiting each ack ${times(ratio(rel.eventsPerSecond, raw.sequentialPerSecond))}` });
    }
    if (rel) {
      const p50 = percentile(rel.pickupMs, 50);
      out.push({ section: s, metric: 'pick-up: commit → in the stream, p50 / p99, ms', value: `${fmt(p50)} / ${fmt(percentile(rel.pickupMs, 99))}`, numeric: p50, target: TARGETS.relayPickupP50Ms, note: `${rel.pickupMs.length} single-row transactions committed outside ordering's process` });
    }
    if (r.orderPlacedToStreamMs.length) {
      out.push({
        section: s,
        metric: 'OrderPlaced under load: occurredAt → in the stream, p50 / p99, ms',
        value: `${fmt(percentile(r.orderPlacedToStreamMs, 50))} / ${fmt(percentile(r.orderPlacedToStreamMs, 99))}`,
        note: `${r.orderPlacedToStreamMs.length} events of the 50-client phase`,
      });
    }
  }

  if (r.reads) {
    for (const [label, figures, many] of [
      ['federated read (order + payment + delivery)', r.reads.federated, false],
      ['single-subgraph read (ordering)', r.reads.single, false],
      [`federated read, ${plan.readConcurrency} identities (each client its own customer and order: nothing to deduplicate)`, r.reads.federatedMany, true],
    ] as const) {
      if (!figures?.length) continue;
      s = `${label}: medians of ${plan.readRounds} interleaved rounds, ${plan.readConcurrency} clients`;
      // Issue 13's targets are for the identical-request reads; the many-identities rows show the undeduplicated speed beside them, without a target.
      const noTarget = many ? 'no target: issue 13 sets them for identical requests (above)' : undefined;
      const plain = figures.find((f) => f.gateway.startsWith('plain'));
      const router = figures.find((f) => f.gateway.startsWith('ordergraph'));
      const hiveOn = figures.find((f) => f.gateway.includes('dedupe on'));
      for (const f of figures) {
        const vsPlain = ratio(f.requestsPerSecond, plain?.requestsPerSecond ?? NaN);
        out.push({
          section: s,
          metric: `${f.gateway}: req/s ÷ plain`,
          value: times(vsPlain),
          numeric: f === router && !many ? vsPlain : undefined,
          target: f === router && !many ? TARGETS.routerVsPlain : undefined,
          note: `${f === router && noTarget ? `${noTarget}; ` : ''}${fmt(f.requestsPerSecond)} req/s, p50 ${fmt(f.p50Ms)} ms, p99 ${fmt(f.p99Ms)} ms, CPU ${fmt(f.cpuMsPer1000)} ms per 1 000${f.errors ? `, ${f.errors} errors (${f.firstError})` : ''}`,
        });
      }
      if (router && plain) {
        const cpu = ratio(router.cpuMsPer1000, plain.cpuMsPer1000);
        out.push({ section: s, metric: 'router CPU per request ÷ plain', value: times(cpu), numeric: many ? undefined : cpu, target: many ? undefined : TARGETS.routerCpuVsPlain, note: noTarget });
      }
      if (router && hiveOn) {
        const v = ratio(router.requestsPerSecond, hiveOn.requestsPerSecond);
        out.push({
          section: s,
          metric: 'router ÷ Hive Gateway (dedupe on)',
          value: times(v),
          numeric: many ? undefined : v,
          target: many ? undefined : TARGETS.routerVsHiveDedupe,
          note: many ? noTarget : "the router's own in-flight deduplication as configured",
        });
      }
    }
  }

  if (r.history) {
    const { seed, phase, empty } = r.history;
    s = `placeOrder with ${fmt(plan.historyOrders)} orders of history vs the fresh system (10 clients)`;
    const cpuH = msPerOrder(sum(phase.cpu), phase.placed);
    const cpuE = msPerOrder(sum(empty.cpu), empty.placed);
    out.push({ section: s, metric: 'CPU ms per order: with history ÷ fresh', value: times(ratio(cpuH, cpuE)), numeric: ratio(cpuH, cpuE), target: TARGETS.historyCpuRatio, note: `${fmt(cpuH)} vs ${fmt(cpuE)} ms` });
    out.push({ section: s, metric: 'orders/s: with history ÷ fresh', value: times(ratio(phase.ordersPerSecond, empty.ordersPerSecond)), numeric: ratio(phase.ordersPerSecond, empty.ordersPerSecond), target: TARGETS.historyThroughputRatio, note: `${fmt(phase.ordersPerSecond)} vs ${fmt(empty.ordersPerSecond)}; p99 ${fmt(phase.p99Ms)} vs ${fmt(empty.p99Ms)} ms` });
    const seeded = Object.values(seed.rows).reduce((a, b) => a + b, 0);
    out.push({ section: s, metric: 'history seeded (SQL)', value: fmt(seeded), note: `rows in ${fmt(seed.ms / 1000)} s into ${Object.values(seed.rows).filter((v) => v > 0).length} tables (${Object.entries(seed.rows).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}, …)` });
  }

  if (r.push) {
    const p = r.push;
    s = 'live status: 50 subscribers × 20 events/s (scripts/bench-push-latency.ts, its own stack)';
    const share = ratio(p.received, p.expected);
    out.push({ section: s, metric: 'pushes delivered', value: Number.isNaN(share) ? 'n/a' : `${fmt(100 * share, 1)} %`, numeric: share, target: TARGETS.pushDeliveredShare, note: p.failure ?? `${p.received} of ${p.expected}` });
    out.push({ section: s, metric: 'commit → subscriber, p50 / p99, ms', value: `${fmt(p.p50Ms)} / ${fmt(p.p99Ms)}`, numeric: p.p99Ms, target: TARGETS.pushP99Ms, note: p.command });
  }
  return out;
}

// ---------------------------------------------------------------- main

let isolated: IsolatedStack | undefined;
let embedded: EmbeddedPostgres | undefined;
let nc: NatsConnection | undefined;
let interrupted = false;

async function cleanUp(): Promise<void> {
  await nc?.close().catch(() => undefined);
  nc = undefined;
  await isolated?.stop();
  await embedded?.stop().catch(() => undefined);
  embedded = undefined;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const plan = { ...(o.quick ? QUICK : FULL), ...(o.historyOrders ? { historyOrders: o.historyOrders } : {}) };
  const command = `npm run bench --${o.quick ? ' --quick' : ''}${o.skip.size ? ` --skip ${[...o.skip].join(',')}` : ''}${o.historyOrders ? ` --history ${o.historyOrders}` : ''}${o.databaseUrl ? ' --database-url <url>' : ''}`;
  const machine = machineLine();
  const commit = gitCommit();
  const started = Date.now();
  const run = randomBytes(2).toString('hex');
  const results: Results = { orders: [], orderPlacedToStreamMs: [], notes: [] };

  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n▸ ${signal}: stopping every process and removing the temporary data…`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  console.log(`ordergraph benchmark (issue 13)${o.quick ? ' — quick mode' : ''}\n`);
  let databaseUrl = o.databaseUrl;
  let pgSource: PostgresCpuSource = { kind: 'none' };
  let database: string;
  if (!databaseUrl) {
    step('no --database-url / DATABASE_URL: starting an embedded PostgreSQL server for this run');
    embedded = await startEmbeddedPostgres();
    databaseUrl = embedded.url;
    pgSource = { kind: 'tree', postmasterPid: embedded.pid };
    database = 'embedded PostgreSQL 15 server started for the run (throwaway cluster, fsync off)';
  } else {
    database = '';
  }

  isolated = new IsolatedStack({ label: 'bench', databaseUrl, logDir: o.logDir, verbose: o.verbose, fromBuild: true, startTimeoutMs: 180_000 });
  const stack = await isolated.start();
  if (interrupted) return;
  database = database ? `${database}; ${stack.database}` : stack.database;
  if (pgSource.kind === 'none') pgSource = { kind: 'backends', adminUrl: databaseUrl, databases: Object.values(stack.databaseUrls).map((u) => new URL(u).pathname.slice(1)) };
  const meter = new CpuMeter(() => stack.pids(), pgSource);
  const conn = (nc = await natsConnect({ servers: stack.natsUrl, name: 'bench' }));

  await waitForFirstPaidOrder(stack, PRODUCT, started, async (token) => {
    const a = await fetch(stack.routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: PLACE_ORDER, variables: { input: { productId: PRODUCT, qty: 1 } } }),
    }).then((res) => res.json() as Promise<{ data?: { placeOrder?: { status: string } }; errors?: unknown[] }>);
    return { paid: a.data?.placeOrder?.status === 'PAID', detail: JSON.stringify(a.errors ?? a).slice(0, 160) };
  });
  const loadAvgAtStart = loadavg()[0];

  if (plan.warmupS > 0 && !o.skip.has('orders')) {
    step(`warm-up: 10 clients for ${plan.warmupS} s (not counted)`);
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, w) => stack.token({ sub: `bench-${run}-warm-${w}`, role: 'customer' })));
    const body = JSON.stringify({ query: PLACE_ORDER, variables: { input: { productId: PRODUCT, qty: 1 } } });
    await closedLoop({ url: stack.routerUrl, concurrency: 10, durationMs: plan.warmupS * 1000, request: (w) => ({ body, headers: { authorization: `Bearer ${tokens[w]}` } }) });
  }

  if (!o.skip.has('orders') && !interrupted) await measureOrders(stack, conn, meter, plan, run, results);

  if (!o.skip.has('relay') && !interrupted) {
    const orderingDb = stack.databaseUrls.ordering;
    if (!orderingDb) results.notes.push('relay: ordering is not on PostgreSQL in this stack, so its outbox cannot be fed from here');
    else {
      step(`outbox relay: ${plan.relayRows} rows in one transaction, then ${plan.relayProbes} single-row transactions; raw nats.js: ${plan.rawMessages} messages each way`);
      results.relay = await measureRelay(conn, orderingDb, { rows: plan.relayRows, probes: plan.relayProbes, gapMs: 20, timeoutMs: 30_000 });
      results.raw = await measureRawPublish(conn, { messages: plan.rawMessages, window: 256 });
    }
  }

  if (!o.skip.has('reads') && !interrupted) {
    try {
      results.reads = await measureReads(stack, plan, run, true);
    } catch (e) {
      results.notes.push(`reads: ${(e as Error).message}`);
      step(`✖ reads: ${(e as Error).message}`);
    }
  }

  if (!o.skip.has('history') && !interrupted) {
    const empty = results.orders.find((p) => p.concurrency === 10);
    if (!empty) results.notes.push('history: needs the 10-client placeOrder phase of the fresh system (do not skip orders)');
    else {
      step(`history: seeding ${plan.historyOrders} orders with SQL into every PostgreSQL context`);
      const seed = await seedHistory(stack.databaseUrls, plan.historyOrders);
      step(`  seeded in ${secondsSince(Date.now() - seed.ms)} s; placeOrder: 10 clients for ${plan.historyS} s`);
      const phase = await placeOrders(stack, conn, meter, { label: 'hist', concurrency: 10, seconds: plan.historyS, productId: PRODUCT, drainLimitS: plan.drainLimitS, run });
      results.history = { seed, phase, empty };
    }
  }

  step('stopping the stack');
  await nc?.close().catch(() => undefined);
  nc = undefined;
  await isolated.stop();
  if (interrupted) return;

  if (!o.skip.has('push')) {
    // Its own stack, on the same PostgreSQL server (the embedded one stays up for it).
    step(`push latency: 50 subscribers × 20 events/s for ${plan.pushS} s, through scripts/bench-push-latency.ts (its own stack)`);
    results.push = await measurePush({ subscribers: 50, rate: 20, seconds: plan.pushS, warmup: plan.pushWarmupS, drain: plan.pushDrainS, databaseUrl, fromBuild: true, verbose: o.verbose });
  }
  await cleanUp();

  const header = [
    `ordergraph benchmark — issue 13 targets${o.quick ? ' (QUICK MODE: a smoke run; short phases, not comparable with a full run)' : ''}`,
    `command   ${command}`,
    `machine   ${machine} (1-min load average; ${loadAvgAtStart.toFixed(2)} once the stack was up)`,
    `commit    ${commit}`,
    `database  ${database}`,
    `duration  ${secondsSince(started)} s; ${new Date().toISOString()}`,
    `NOTE      the load generator and every process share these ${cpus().length} cores: on a busy machine read ratios, not absolute figures`,
  ];
  console.log(`\n${renderTable(header, rows(results, plan))}`);
  for (const n of results.notes) console.log(`note: ${n}`);
}

main().then(
  () => void (interrupted || process.exit(process.exitCode ?? 0)),
  async (e) => {
    console.error(`✖ ${(e as Error).stack ?? (e as Error).message}`);
    if (interrupted) return;
    await cleanUp().catch(() => undefined);
    process.exit(1);
  },
);
