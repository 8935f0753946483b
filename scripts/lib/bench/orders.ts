// placeOrder under load, the saga's convergence and the drain after it, for `npm run bench`.
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { RunningStack } from '../isolated-stack';
import { CpuMeter, type CpuReading } from './cpu';
import { closedLoop, postJson } from './load';
import { Agent } from 'node:http';
import { median, percentile } from './stats';

export const PLACE_ORDER = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
const PER_CUSTOMER = 150;
const MY_ORDERS = '{ myOrders { orderId status updatedAt } }';

/** Messages no durable or ephemeral consumer has taken and acknowledged yet, over every stream. */
export async function consumerBacklog(nc: NatsConnection): Promise<number> {
  const jsm = await jetstreamManager(nc);
  let total = 0;
  for await (const si of jsm.streams.list()) {
    if (si.config.name === 'BENCH_RAW') continue;
    for await (const ci of jsm.consumers.list(si.config.name)) total += ci.num_pending + ci.num_ack_pending;
  }
  return total;
}

export interface PlacePhase {
  label: string;
  /** Rounds this figure is the median of (1 for one phase). */
  rounds: number;
  concurrency: number;
  seconds: number;
  ordersPerSecond: number;
  /** Latency of PAID answers, ms. */
  p50Ms: number;
  p99Ms: number;
  placed: number;
  errors: Map<string, number>;
  /** placeOrder's answer → mypage's view of the order shows PAID (ms), per converged order. */
  convergenceMs: number[];
  /** Orders whose view was not PAID when the drain ended. */
  notConverged: number;
  /** Load end → every consumer's backlog empty (ms); NaN when it did not empty within the limit. */
  drainMs: number;
  /** CPU seconds by process from load start to drained (or the drain limit). */
  cpu: CpuReading;
  /** CPU seconds of the load generator (this process) in the same window. */
  generatorCpuS: number;
}

/**
 * `concurrency` customers place orders of `productId` in a closed loop for `seconds`; then
 * waits (at most `drainLimitS`) until no consumer has a backlog, reads each customer's
 * `myOrders` through the router and times every order from its answer to its view's
 * `updatedAt` (mypage's write; same machine, same clock).
 */
export async function placeOrders(
  stack: RunningStack,
  nc: NatsConnection,
  meter: CpuMeter,
  o: { label: string; concurrency: number; seconds: number; productId: string; drainLimitS: number; run: string },
): Promise<PlacePhase> {
  // myOrders lists a customer's newest 200 orders: each client moves to a new customer every
  // PER_CUSTOMER orders, with enough customers for 300 orders/s.
  const perWorker = Math.ceil((300 * o.seconds) / o.concurrency / PER_CUSTOMER) + 1;
  const byWorker = await Promise.all(
    Array.from({ length: o.concurrency }, (_, w) => Promise.all(Array.from({ length: perWorker }, (_, k) => stack.token({ sub: `bench-${o.run}-${o.label}-c${w}-${k}`, role: 'customer' })))),
  );
  const tokens = byWorker.flat();
  const body = JSON.stringify({ query: PLACE_ORDER, variables: { input: { productId: o.productId, qty: 1 } } });
  const c0 = await meter.read();
  const gen0 = process.cpuUsage();
  const r = await closedLoop<{ id: string; answeredAt: number }>({
    url: stack.routerUrl,
    concurrency: o.concurrency,
    durationMs: o.seconds * 1000,
    request: (w, n) => ({ body, headers: { authorization: `Bearer ${byWorker[w][Math.min(perWorker - 1, Math.floor(n / PER_CUSTOMER))]}` } }),
    onSuccess: (b, at) => (b.data?.placeOrder?.status === 'PAID' ? { id: b.data.placeOrder.id as string, answeredAt: at } : undefined),
  });
  const loadEnd = Date.now();
  let drainMs = NaN;
  while (Date.now() - loadEnd < o.drainLimitS * 1000) {
    if ((await consumerBacklog(nc).catch(() => -1)) === 0) {
      drainMs = Date.now() - loadEnd;
      break;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  const c1 = await meter.read();
  const gen = process.cpuUsage(gen0);

  // Convergence, from mypage's read model through the router, once per customer.
  const views = new Map<string, { status: string; updatedAt: number }>();
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const url = new URL(stack.routerUrl);
  for (let i = 0; i < tokens.length; i += 8) {
    await Promise.all(
      tokens.slice(i, i + 8).map(async (t) => {
        const a = await postJson(url, JSON.stringify({ query: MY_ORDERS }), { authorization: `Bearer ${t}` }, agent);
        for (const v of (a.body.data?.myOrders ?? []) as Array<{ orderId: string; status: string; updatedAt: string }>) views.set(v.orderId, { status: v.status, updatedAt: Date.parse(v.updatedAt) });
      }),
    );
  }
  agent.destroy();
  const convergenceMs: number[] = [];
  let notConverged = 0;
  for (const k of r.kept) {
    const v = views.get(k.id);
    if (v?.status === 'PAID') convergenceMs.push(Math.max(0, v.updatedAt - k.answeredAt));
    else notConverged++;
  }
  return {
    label: o.label,
    rounds: 1,
    concurrency: o.concurrency,
    seconds: o.seconds,
    ordersPerSecond: r.kept.length / (r.wallMs / 1000),
    p50Ms: percentile(r.latencies, 50),
    p99Ms: percentile(r.latencies, 99),
    placed: r.kept.length,
    errors: r.errors,
    convergenceMs,
    notConverged,
    drainMs,
    cpu: CpuMeter.between(c0, c1),
    generatorCpuS: (gen.user + gen.system) / 1e6,
  };
}

/**
 * Several rounds of the same phase as one: orders/s, p50, p99 and drain are the medians of the
 * rounds; CPU per process and of the generator are scaled so that CPU ÷ placed gives the median
 * round's CPU per order; errors are summed; convergence times are pooled (percentiles over every
 * order of every round).
 */
export function medianOfRounds(phases: PlacePhase[]): PlacePhase {
  if (phases.length === 1) return phases[0];
  const perOrder = (p: PlacePhase, cpuS: number) => (p.placed > 0 ? cpuS / p.placed : NaN);
  const placed = phases.reduce((a, p) => a + p.placed, 0);
  const errors = new Map<string, number>();
  for (const p of phases) for (const [k, n] of p.errors) errors.set(k, (errors.get(k) ?? 0) + n);
  const names = [...new Set(phases.flatMap((p) => Object.keys(p.cpu)))];
  // Median CPU per order of each process, times the orders of all rounds: the table divides by `placed`.
  const cpu = Object.fromEntries(names.map((n) => [n, median(phases.map((p) => perOrder(p, p.cpu[n] ?? NaN)).filter((v) => !Number.isNaN(v))) * placed]));
  const drains = phases.map((p) => p.drainMs);
  return {
    label: phases[0].label,
    rounds: phases.length,
    concurrency: phases[0].concurrency,
    seconds: phases[0].seconds,
    ordersPerSecond: median(phases.map((p) => p.ordersPerSecond)),
    p50Ms: median(phases.map((p) => p.p50Ms).filter((v) => !Number.isNaN(v))),
    p99Ms: median(phases.map((p) => p.p99Ms).filter((v) => !Number.isNaN(v))),
    placed,
    errors,
    convergenceMs: phases.flatMap((p) => p.convergenceMs),
    notConverged: phases.reduce((a, p) => a + p.notConverged, 0),
    // A round that never drained makes the median "never" when it is the middle one.
    drainMs: median(drains.map((d) => (Number.isNaN(d) ? Infinity : d))),
    cpu,
    generatorCpuS: median(phases.map((p) => perOrder(p, p.generatorCpuS)).filter((v) => !Number.isNaN(v))) * placed,
  };
}
