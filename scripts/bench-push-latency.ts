// Event → push latency of the router's subscriptions (graphql-ws or SSE), in one command:
//   npm run bench:push -- --subscribers 20 --rate 5 --duration 30     (the defaults)
//   npm run bench:push -- --subscribers 50 --rate 20 --quick           (a smoke run: 5 s of load)
// It starts its own isolated ordergraph (scripts/lib/isolated-stack.ts: own nats-server,
// throwaway databases, every context and the router as processes), connects N graphql-ws
// subscribers (staff of sunrise-bakery following storeOrderStatusChanged), then produces M
// events per second for S seconds by placing orders (each placeOrder commits the order PAID
// with its OrderPlaced event; --accept also accepts each order: a second event, CONFIRMED).
// Every subscriber records, for every push, its receipt time minus the event's occurredAt
// (set in ordering's committing transaction). Subscribers connect over graphql-ws, or over
// Server-Sent Events with --transport sse (graphql-sse's client). It also times each event's way to NATS (a
// probe consumer in this process) and to the router's event hub (the router's debug line
// 'order change'), so the total splits into outbox relay + NATS, and the router's fan-out
// (one gateway read per event and access scope, shared by the subscribers of that scope) + the
// socket; the router's own count of those reads, by source, is in the report.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect as natsConnect } from '@nats-io/transport-node';
import { createClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { cpuSeconds, IsolatedStack, machineLine, percentile, say, secondsSince, waitForFirstPaidOrder, type RunningStack } from './lib/isolated-stack';

const BAKERY = 'sunrise-bakery';
const MAX_IN_FLIGHT = 200;
const BUCKET_S = 5;

const USAGE = `usage: npm run bench:push -- [options]

  --subscribers N    graphql-ws subscribers (staff of ${BAKERY}), one socket each   default 20
  --rate M           events per second (ordering's OrderPlaced / OrderStatusChanged) default 5
  --duration S       seconds of measured load                                      default 30
  --accept           also accept every order (acceptOrder → CONFIRMED): 2 events per order,
                     so M/2 orders per second                                      default off
  --without-order    subscribe without the \`order { … }\` selection: no re-read through the
                     gateway per push (shows what that re-read costs)              default off
  --transport T      graphql-ws (one WebSocket each) or sse (one event stream each,
                     graphql-sse's client over fetch)                              default graphql-ws
  --quick            a smoke run: --duration 5 --warmup 2 --drain 10 (its figures are
                     not meant to be quoted)                                       default off
  --customers K      customer tokens the orders come from, in turn                 default 20
  --warmup S         seconds of the same load first, not counted                   default 5
  --drain S          after the load, wait at most S s for the pushes still due     default 30
  --product ID       the ${BAKERY} product ordered                             default cake
  --database-url U   PostgreSQL server for throwaway databases                     default $DATABASE_URL, else embedded
  --router-log-level L  the router's LOG_LEVEL: info (as deployed) or debug (one
                     'order change' line per event, the hub's own arrival time)   default info
  --start-timeout S  seconds each service may take to become ready (a busy machine) default 120
  --log-dir DIR      also write every service's output to DIR/<service>.log
  --verbose          echo every service's log lines
  --help`;

interface Options {
  subscribers: number;
  rate: number;
  duration: number;
  accept: boolean;
  withoutOrder: boolean;
  transport: 'graphql-ws' | 'sse';
  quick: boolean;
  customers: number;
  warmup: number;
  drain: number;
  product: string;
  databaseUrl?: string;
  logDir?: string;
  verbose: boolean;
  routerLogLevel: 'info' | 'debug';
  startTimeout: number;
}

function usageError(problems: string[]): never {
  console.error(`${problems.map((p) => `✖ ${p}`).join('\n')}\n\n${USAGE}`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        subscribers: { type: 'string', default: '20' },
        rate: { type: 'string', default: '5' },
        duration: { type: 'string', default: '30' },
        accept: { type: 'boolean', default: false },
        'without-order': { type: 'boolean', default: false },
        transport: { type: 'string', default: 'graphql-ws' },
        quick: { type: 'boolean', default: false },
        customers: { type: 'string', default: '20' },
        warmup: { type: 'string', default: '5' },
        drain: { type: 'string', default: '30' },
        product: { type: 'string', default: 'cake' },
        'database-url': { type: 'string' },
        'log-dir': { type: 'string' },
        'router-log-level': { type: 'string', default: 'info' },
        'start-timeout': { type: 'string', default: '120' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    usageError([(e as Error).message]);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const problems: string[] = [];
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < min || n > max) problems.push(`--${name} must be a whole number in ${min}..${max}, got "${raw}"`);
    return n;
  };
  const o: Options = {
    subscribers: int('subscribers', values.subscribers, 1, 2000),
    rate: int('rate', values.rate, 1, 500),
    duration: int('duration', values.duration, 1, 3600),
    accept: values.accept,
    withoutOrder: values['without-order'],
    transport: values.transport === 'sse' ? 'sse' : 'graphql-ws',
    quick: values.quick,
    customers: int('customers', values.customers, 1, 10_000),
    warmup: int('warmup', values.warmup, 0, 600),
    drain: int('drain', values.drain, 1, 600),
    product: values.product.trim(),
    databaseUrl: values['database-url'] ?? process.env.DATABASE_URL,
    logDir: values['log-dir'] ? resolve(values['log-dir']) : undefined,
    verbose: values.verbose,
    routerLogLevel: values['router-log-level'] === 'debug' ? 'debug' : 'info',
    startTimeout: int('start-timeout', values['start-timeout'], 10, 3600),
  };
  if (values['router-log-level'] !== 'info' && values['router-log-level'] !== 'debug') problems.push(`--router-log-level must be info or debug, got "${values['router-log-level']}"`);
  if (values.transport !== 'graphql-ws' && values.transport !== 'sse') problems.push(`--transport must be graphql-ws or sse, got "${values.transport}"`);
  if (o.quick) Object.assign(o, { duration: 5, warmup: 2, drain: 10 });
  if (!/^[\w-]{1,64}$/.test(o.product)) problems.push(`--product must be a product id such as "cake", got "${o.product}"`);
  if (o.accept && o.rate < 2 && !problems.length) problems.push('--rate must be at least 2 with --accept (each order makes 2 events)');
  if (o.databaseUrl) {
    try {
      const u = new URL(o.databaseUrl);
      if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error();
    } catch {
      problems.push(`--database-url must be a postgres:// URL, got "${o.databaseUrl}"`);
    }
  }
  if (problems.length) usageError(problems);
  return o;
}

// ---------------------------------------------------------------- GraphQL over HTTP

const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status storeId } }';
const ACCEPT = 'mutation Accept($orderId: ID!) { acceptOrder(orderId: $orderId) { status } }';
/** The subscription's selection: the change, and (unless --without-order) the order re-read through the gateway. */
const selectionOf = (o: Options) => `cursor orderId status previousStatus version occurredAt${o.withoutOrder ? '' : ' order { status payment { status } }'}`;
const subscriptionOf = (o: Options) => `subscription StoreOrders($storeId: ID!) { storeOrderStatusChanged(storeId: $storeId) { ${selectionOf(o)} } }`;

interface GqlAnswer {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function gql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<{ ms: number; status: number; body: GqlAnswer }> {
  const t = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  const ms = performance.now() - t;
  let body: GqlAnswer;
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: `HTTP ${res.status}, not JSON: ${text.slice(0, 80)}` }] };
  }
  return { ms, status: res.status, body };
}

const errorOf = (r: { status: number; body: GqlAnswer }) => {
  const e = r.body.errors?.[0];
  return e ? `${e.extensions?.code ?? `HTTP ${r.status}`}: ${e.message}` : `HTTP ${r.status}`;
};

// ---------------------------------------------------------------- what is recorded

/** An event, by order and status (an order reaches each status once in this flow). */
const keyOf = (orderId: string, status: string) => `${orderId}|${status}`;

interface Push {
  key: string;
  /** The payload lacked order.status or order.payment.status. */
  incomplete: boolean;
  /** Receipt time (epoch ms, this process) minus the event's occurredAt. */
  latency: number;
  at: number;
  subscriber: number;
}

const rec = {
  pushes: [] as Push[],
  /** occurredAt (epoch ms) per event key, from the pushes and the NATS probe. */
  occurredAt: new Map<string, number>(),
  /** When the NATS probe received each event (epoch ms). */
  natsAt: new Map<string, number>(),
  /**
   * When the router had each event (epoch ms): at --router-log-level debug the hub's own log
   * time ('order change'); at info, when the probe subscriber (no `order`: pushed from the
   * event, no read) received it — the hub plus one push's own cost, without the re-read.
   */
  routerAt: new Map<string, number>(),
  pushErrors: new Map<string, number>(),
  /** One incomplete payload, as received, for the report. */
  incompleteExample: '',
  subscriptionErrors: new Map<string, number>(),
  closedUnexpectedly: new Map<string, number>(),
};

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** The events the measured load committed (known from the HTTP answers). */
const measuredEvents = new Set<string>();
/** The warm-up's events: the measurement starts once they have all been pushed. */
const warmupEvents = new Set<string>();

/** How many (subscriber, event) pairs of `events` arrived. */
function deliveredOf(events: Set<string>): number {
  const seen = new Set<string>();
  for (const p of rec.pushes) if (events.has(p.key)) seen.add(`${p.subscriber}|${p.key}`);
  return seen.size;
}

interface LoadStats {
  placeMs: number[];
  acceptMs: number[];
  acceptAttempts: number[];
  ordersPaid: number;
  accepted: number;
  failures: Map<string, number>;
  skipped: number;
  lateStarts: number;
}
const newStats = (): LoadStats => ({ placeMs: [], acceptMs: [], acceptAttempts: [], ordersPaid: 0, accepted: 0, failures: new Map(), skipped: 0, lateStarts: 0 });

// ---------------------------------------------------------------- subscribers

interface Subscriber {
  dispose(): void | Promise<void>;
  connected: Promise<boolean>;
  received: number;
}

let disposing = false;

/** Records one result a subscriber received (either transport). */
function received(sub: Subscriber, index: number, withOrder: boolean, v: { data?: unknown; errors?: ReadonlyArray<{ message: string; extensions?: unknown }> }): void {
  const at = Date.now();
  if (v.errors?.length) {
    for (const e of v.errors) bump(rec.pushErrors, `${(e.extensions as { code?: string } | undefined)?.code ?? 'no code'}: ${e.message}`);
    return;
  }
  const c = (v.data as { storeOrderStatusChanged?: { orderId: string; status: string; occurredAt: string; order?: { status?: string; payment?: { status?: string } | null } | null } } | null)
    ?.storeOrderStatusChanged;
  if (!c) return void bump(rec.pushErrors, `no storeOrderStatusChanged in ${JSON.stringify(v.data).slice(0, 100)}`);
  const occurred = Date.parse(c.occurredAt);
  const key = keyOf(c.orderId, c.status);
  rec.occurredAt.set(key, occurred);
  const incomplete = withOrder && (!c.order?.status || !c.order.payment?.status);
  if (incomplete && !rec.incompleteExample) rec.incompleteExample = JSON.stringify(c).slice(0, 300);
  sub.received++;
  rec.pushes.push({ key, incomplete, latency: at - occurred, at, subscriber: index });
}

const subscriptionError = (e: any) => bump(rec.subscriptionErrors, String((Array.isArray(e) ? e[0]?.message : e?.message ?? e?.reason ?? e) ?? 'error').slice(0, 160));

/**
 * A graphql-ws client of the router with a store staff token, connecting at once (no lazy
 * connect, no retry); `connected` resolves true once acknowledged, false if the socket closed
 * first. `onClosed` hears every close (the subscribers count the unexpected ones).
 */
function connectWs(wsUrl: string, token: string, onClosed: (e: any) => void = () => undefined) {
  let onConnected!: (ok: boolean) => void;
  const connected = new Promise<boolean>((r) => (onConnected = r));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    connectionParams: { authorization: `Bearer ${token}` },
    on: {
      connected: () => onConnected(true),
      closed: (e: any) => {
        onConnected(false);
        onClosed(e);
      },
    },
  });
  return { client, connected };
}

function subscribeOne(wsUrl: string, token: string, index: number, query: string, withOrder: boolean): Subscriber {
  const { client, connected } = connectWs(wsUrl, token, (e) => {
    if (!disposing) bump(rec.closedUnexpectedly, `${e?.code ?? '?'} ${String(e?.reason ?? '')}`.trim());
  });
  const sub: Subscriber = { dispose: () => client.dispose(), connected, received: 0 };
  client.subscribe({ query, variables: { storeId: BAKERY } }, { next: (v) => received(sub, index, withOrder, v), error: subscriptionError, complete: () => undefined });
  return sub;
}

/** The same subscriber over Server-Sent Events: graphql-sse's client (distinct connections mode) on the router's /graphql. */
function subscribeOneSse(httpUrl: string, token: string, index: number, query: string, withOrder: boolean): Subscriber {
  let onConnected!: (ok: boolean) => void;
  const connected = new Promise<boolean>((r) => (onConnected = r));
  const client = createSseClient({ url: httpUrl, fetchFn: fetch, retryAttempts: 0, headers: { authorization: `Bearer ${token}` } });
  const sub: Subscriber = { dispose: () => client.dispose(), connected, received: 0 };
  client.subscribe(
    { query, variables: { storeId: BAKERY } },
    {
      next: (v) => received(sub, index, withOrder, v as never),
      error: (e) => {
        onConnected(false);
        if (!disposing) subscriptionError(e);
      },
      complete: () => {
        if (!disposing) bump(rec.closedUnexpectedly, 'event stream completed');
      },
    },
    { connected: () => onConnected(true) },
  );
  return sub;
}

/** The router's own count of the orders it fetched for pushes, by source (gateway, shared, event); empty (and said) when /metrics does not answer. */
async function orderReads(routerUrl: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const res = await fetch(routerUrl.replace(/\/graphql$/, '/metrics'), { signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    for (const m of text.matchAll(/^ordergraph_subscription_order_reads_total\{[^}]*source="(\w+)"[^}]*\} (\S+)$/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  } catch (e) {
    say(`could not read the router's /metrics: ${(e as Error).message}`);
  }
  return out;
}

// ---------------------------------------------------------------- NATS probe and router log

/** An ordered consumer on ordering's stream in this process: when each event reached a NATS consumer. */
async function startNatsProbe(natsUrl: string): Promise<NatsConnection> {
  const nc = await natsConnect({ servers: natsUrl, name: 'bench-push-probe' });
  const consumer = await jetstream(nc).consumers.get('ORDERING', { deliver_policy: DeliverPolicy.New });
  const messages = await consumer.consume();
  void (async () => {
    for await (const m of messages) {
      const at = Date.now();
      try {
        const env = JSON.parse(m.string()) as { occurredAt?: string; data?: { orderId?: string; status?: string; storeId?: string } };
        if (!env.data?.orderId || !env.data.status || !env.occurredAt) continue;
        const key = keyOf(env.data.orderId, env.data.status);
        rec.natsAt.set(key, at);
        rec.occurredAt.set(key, Date.parse(env.occurredAt));
      } catch {
        // not an envelope
      }
    }
  })().catch(() => undefined);
  return nc;
}

/**
 * The event probe: one more graphql-ws subscriber (not counted among the N) that asks only
 * for the change's own fields, which the router pushes from the event without a read. Its
 * receipt time is when the router had the event, as far as a client can tell, without the
 * router's debug log (at info, as deployed). Used unless the router logs at debug.
 */
function startEventProbe(wsUrl: string, token: string): Subscriber {
  const { client, connected } = connectWs(wsUrl, token);
  const sub: Subscriber = { dispose: () => client.dispose(), connected, received: 0 };
  const query = 'subscription EventProbe($storeId: ID!) { storeOrderStatusChanged(storeId: $storeId) { orderId status occurredAt } }';
  client.subscribe(
    { query, variables: { storeId: BAKERY } },
    {
      next: (v) => {
        const at = Date.now();
        const c = (v.data as { storeOrderStatusChanged?: { orderId: string; status: string } } | null)?.storeOrderStatusChanged;
        if (!c) return;
        sub.received++;
        const key = keyOf(c.orderId, c.status);
        if (!rec.routerAt.has(key)) rec.routerAt.set(key, at);
      },
      error: subscriptionError,
      complete: () => undefined,
    },
  );
  return sub;
}

/** The router's hub logs each event it receives at debug ('order change', with orderId and status). */
function onRouterLine(line: string): void {
  if (!line.includes('"order change"')) return;
  try {
    const e = JSON.parse(line) as { msg?: string; orderId?: string; status?: string; time?: string };
    if (e.msg === 'order change' && e.orderId && e.status && e.time) rec.routerAt.set(keyOf(e.orderId, e.status), Date.parse(e.time));
  } catch {
    // not a JSON line
  }
}

// ---------------------------------------------------------------- load

interface LoadContext {
  routerUrl: string;
  customerTokens: string[];
  staffToken: string;
  o: Options;
}

let inFlight = 0;
let stopLoad = false;
const pendingWork = new Set<Promise<void>>();
const track = (p: Promise<void>) => {
  pendingWork.add(p);
  void p.finally(() => pendingWork.delete(p));
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function placeOne(ctx: LoadContext, n: number, stats: LoadStats, events: Set<string>): Promise<void> {
  inFlight++;
  try {
    const r = await gql(ctx.routerUrl, ctx.customerTokens[n % ctx.customerTokens.length], PLACE, { input: { productId: ctx.o.product, qty: 1 } });
    const order = r.body.data?.placeOrder as { id: string; status: string } | undefined;
    if (order?.status !== 'PAID') return void bump(stats.failures, `placeOrder ${errorOf(r)}`);
    stats.placeMs.push(r.ms);
    stats.ordersPaid++;
    events.add(keyOf(order.id, 'PAID'));
    if (ctx.o.accept) await acceptOne(ctx, order.id, stats, events);
  } catch (e) {
    bump(stats.failures, `placeOrder ${(e as Error).message}`);
  } finally {
    inFlight--;
  }
}

/** Delivery opens the delivery from OrderPlaced, asynchronously: DELIVERY_NOT_FOUND until then, so retried. */
async function acceptOne(ctx: LoadContext, orderId: string, stats: LoadStats, events: Set<string>): Promise<void> {
  for (let attempt = 1; attempt <= 100; attempt++) {
    await sleep(100);
    const r = await gql(ctx.routerUrl, ctx.staffToken, ACCEPT, { orderId });
    if (r.body.data?.acceptOrder) {
      stats.acceptMs.push(r.ms);
      stats.acceptAttempts.push(attempt);
      stats.accepted++;
      // Delivery publishes DeliveryAccepted; ordering confirms the order: OrderStatusChanged CONFIRMED.
      events.add(keyOf(orderId, 'CONFIRMED'));
      return;
    }
    if (r.body.errors?.[0]?.extensions?.code !== 'DELIVERY_NOT_FOUND') return void bump(stats.failures, `acceptOrder ${errorOf(r)}`);
  }
  bump(stats.failures, 'acceptOrder: no delivery after 100 attempts');
}

/** Open loop: one order every 1000 × eventsPerOrder / rate ms, whatever the answers take (at most MAX_IN_FLIGHT pending). */
async function runPhase(ctx: LoadContext, seconds: number, stats: LoadStats, events: Set<string>, onTick?: (elapsedS: number) => void): Promise<void> {
  const eventsPerOrder = ctx.o.accept ? 2 : 1;
  const interval = (1000 * eventsPerOrder) / ctx.o.rate;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let n = 0;
  let lastTick = 0;
  for (let k = 0; !stopLoad; k++) {
    const due = t0 + k * interval;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -interval) stats.lateStarts++;
    if (inFlight >= MAX_IN_FLIGHT) {
      stats.skipped++;
      continue;
    }
    track(placeOne(ctx, n++, stats, events));
    const elapsed = Math.floor((performance.now() - t0) / 1000 / BUCKET_S) * BUCKET_S;
    if (onTick && elapsed > lastTick) (lastTick = elapsed), onTick(elapsed);
  }
  const rest = end - performance.now();
  if (rest > 0 && !stopLoad) await sleep(rest);
}

// ---------------------------------------------------------------- report

const fmt = (v: number) => (Number.isNaN(v) ? '—' : v < 10 ? v.toFixed(1) : String(Math.round(v)));
const pad = (s: string | number, n: number) => String(s).padStart(n);
const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(2)} %` : '—');

function row(label: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `  ${label.padEnd(52)}${pad(s.length, 7)} ${pad(fmt(percentile(s, 50)), 8)} ${pad(fmt(percentile(s, 95)), 8)} ${pad(fmt(percentile(s, 99)), 8)} ${pad(fmt(s[s.length - 1] ?? NaN), 8)}`;
}

interface Measurement {
  startedAt: number;
  loadEndedAt: number;
  drainedAt: number;
  stats: LoadStats;
  cpu: Record<string, number>;
  benchCpuS: number;
  loopDelay: { p99: number; max: number };
  loadAvgEnd: number;
  connected: number;
  /** The router's orders for pushes during the load, by source (gateway read, shared read, from the event). */
  reads: Record<string, number>;
}

function report(o: Options, stack: RunningStack, m: Measurement, command: string, machine: string): string {
  const expectedEvents = [...measuredEvents];
  const expectedPushes = expectedEvents.length * o.subscribers;
  const measuredPushes = rec.pushes.filter((p) => measuredEvents.has(p.key));
  // Each subscriber should see each event once.
  const perSubscriber = new Set<string>();
  let duplicates = 0;
  for (const p of measuredPushes) {
    const k = `${p.subscriber}|${p.key}`;
    if (perSubscriber.has(k)) duplicates++;
    else perSubscriber.add(k);
  }
  const distinctReceived = perSubscriber.size;

  const natsLat: number[] = [];
  const routerLat: number[] = [];
  for (const key of expectedEvents) {
    const occurred = rec.occurredAt.get(key);
    if (occurred === undefined) continue;
    const n = rec.natsAt.get(key);
    const r = rec.routerAt.get(key);
    if (n !== undefined) natsLat.push(n - occurred);
    if (r !== undefined) routerLat.push(r - occurred);
  }
  const routerToClient: number[] = [];
  const firstByEvent = new Map<string, number>();
  const lastByEvent = new Map<string, number>();
  for (const p of measuredPushes) {
    const r = rec.routerAt.get(p.key);
    if (r !== undefined) routerToClient.push(p.at - r);
    firstByEvent.set(p.key, Math.min(firstByEvent.get(p.key) ?? Infinity, p.at));
    lastByEvent.set(p.key, Math.max(lastByEvent.get(p.key) ?? -Infinity, p.at));
  }
  const spread = [...firstByEvent].map(([k, first]) => lastByEvent.get(k)! - first);
  const firstPushLat = [...firstByEvent].map(([k, first]) => first - (rec.occurredAt.get(k) ?? first));

  const loadSeconds = (m.loadEndedAt - m.startedAt) / 1000;
  const eventsPerOrder = o.accept ? 2 : 1;
  const paid = expectedEvents.filter((k) => k.endsWith('|PAID')).length;
  const confirmed = expectedEvents.length - paid;

  const line = '─'.repeat(86);
  const out: string[] = [];
  out.push('', line, 'ordergraph push latency benchmark — result', line);
  out.push(`command       ${command}`);
  out.push(`machine       ${machine}, ${m.loadAvgEnd.toFixed(2)} at the end of the load (1-min average)`);
  out.push(
    `              NOTE: the load generator, the ${o.subscribers} subscribers and the whole stack (router, ${stack.contexts.length} contexts, NATS) share these ${cpus().length} cores:`,
    '              read the ratios and percentiles, not the absolute figures.',
  );
  out.push(`stack         ${stack.contexts.length} contexts + router as processes; ${stack.database}`);
  out.push(
    `load          N = ${o.subscribers} subscribers · M = ${o.rate} events/s · S = ${o.duration} s: ${(o.rate / eventsPerOrder).toFixed(1)} placeOrder(${o.product} ×1)/s` +
      `${o.accept ? ' + acceptOrder each' : ''}, open loop, from ${o.customers} customers; ${o.warmup} s warm-up first (not counted)`,
  );
  out.push(`subscribers   storeOrderStatusChanged(storeId: "${BAKERY}") { ${selectionOf(o)} } as store staff, one socket each (${m.connected} of ${o.subscribers} connected)`);
  out.push(`              ${o.withoutOrder ? 'no `order` selected: the router pushes the event as it is, without reading the order' : 'each push: the order read through the gateway (ordering + payment), one read per event shared by subscribers of one access scope'}`);
  out.push(`              over ${o.transport === 'sse' ? 'Server-Sent Events (graphql-sse, one event stream each)' : 'graphql-ws (one WebSocket each)'}`);
  const readsLine = Object.keys(m.reads).length ? Object.entries(m.reads).map(([k, v]) => `${k} ${v}`).join(' · ') : 'unknown (/metrics did not answer)';
  out.push(`router reads  orders for pushes during the load, by source: ${readsLine}`);
  out.push('');
  out.push(
    `events        ${expectedEvents.length} committed by the measured load (${paid} PAID${o.accept ? `, ${confirmed} CONFIRMED` : ''}) in ${loadSeconds.toFixed(1)} s = ${(expectedEvents.length / loadSeconds).toFixed(1)} events/s`,
  );
  const failures = [...m.stats.failures.values()].reduce((a, b) => a + b, 0);
  out.push(`              failed requests ${failures}, skipped (>${MAX_IN_FLIGHT} in flight) ${m.stats.skipped}, orders started late ${m.stats.lateStarts}`);
  for (const [d, c] of [...m.stats.failures].sort((a, b) => b[1] - a[1]).slice(0, 5)) out.push(`                ${c} × ${d.slice(0, 140)}`);
  out.push(
    `pushes        expected ${expectedPushes} (= ${o.subscribers} × ${expectedEvents.length}) · received ${distinctReceived} (${pct(distinctReceived, expectedPushes)}) · missing ${expectedPushes - distinctReceived} · duplicates ${duplicates}`,
  );
  const pushErrors = [...rec.pushErrors.values()].reduce((a, b) => a + b, 0);
  const subErrors = [...rec.subscriptionErrors.values()].reduce((a, b) => a + b, 0);
  const closed = [...rec.closedUnexpectedly.values()].reduce((a, b) => a + b, 0);
  const incomplete = measuredPushes.filter((p) => p.incomplete).length;
  out.push(`              errors in pushes ${pushErrors} · subscriptions ended with an error ${subErrors} · sockets closed ${closed} · pushes without order.status/payment.status ${incomplete}`);
  if (incomplete) out.push(`                e.g. ${rec.incompleteExample}`);
  for (const [d, c] of [...rec.pushErrors, ...rec.subscriptionErrors, ...rec.closedUnexpectedly].sort((a, b) => b[1] - a[1]).slice(0, 5)) out.push(`                ${c} × ${d.slice(0, 140)}`);
  out.push(`              all pushes due arrived ${((m.drainedAt - m.loadEndedAt) / 1000).toFixed(1)} s after the load ended${distinctReceived < expectedPushes ? ` (gave up: --drain ${o.drain})` : ''}`);
  out.push('');
  out.push(`latency, ms (receipt − occurredAt; one clock)               count      p50      p95      p99      max`);
  out.push(row('event committed → subscriber received (every push)', measuredPushes.map((p) => p.latency)));
  out.push(row('  → first subscriber of each event', firstPushLat));
  out.push(row('  first → last subscriber of each event (fan-out)', spread));
  out.push('  the parts:');
  out.push(row('  committed → NATS delivered it (probe consumer)', natsLat));
  if (o.routerLogLevel === 'debug') {
    out.push(row("  committed → router's hub has it (router log)", routerLat));
    out.push(row("  router's hub → subscriber received (every push)", routerToClient));
  } else {
    out.push(row('  committed → router pushed it from the event (probe)', routerLat));
    out.push(row('  probe received → subscriber received (every push)', routerToClient));
  }
  out.push('HTTP, ms (as this client saw them, through the router)');
  out.push(row('  placeOrder (PAID answers)', m.stats.placeMs));
  if (o.accept) out.push(row(`  acceptOrder (successful call; ${fmt(percentile([...m.stats.acceptAttempts].sort((a, b) => a - b), 50))} attempts at p50)`, m.stats.acceptMs));
  out.push('');
  const wall = loadSeconds;
  const cpuParts = Object.entries(m.cpu)
    .filter(([, s]) => s / wall >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${Math.round((100 * s) / wall)} %`);
  const total = Object.values(m.cpu).reduce((a, b) => a + b, 0) + m.benchCpuS;
  out.push(`CPU           during the load, share of one core: ${cpuParts.join(' · ')} · this client ${Math.round((100 * m.benchCpuS) / wall)} %`);
  out.push(`              all of them ${Math.round((100 * total) / wall)} % of ${cpus().length * 100} % (${cpus().length} cores; other sessions' processes not counted)`);
  const routerCpuS = m.cpu.router;
  if (routerCpuS !== undefined && measuredPushes.length) {
    out.push(
      `router CPU    ${fmt((routerCpuS * 1000) / measuredPushes.length)} ms per push received (${fmt((routerCpuS * 1000) / Math.max(1, expectedEvents.length))} ms per event of ${o.subscribers} pushes) — ` +
        `everything the router did during the load, its placeOrder${o.accept ? '/acceptOrder' : ''} requests included`,
    );
  }
  out.push(`client        event-loop delay of this process (subscribers + load generator): p99 ${fmt(m.loopDelay.p99)} ms, max ${fmt(m.loopDelay.max)} ms`);
  out.push('');
  out.push(`timeline (${BUCKET_S} s buckets by the event's occurredAt)   events   pushes      p50      p95      p99`);
  const byBucket = new Map<number, number[]>();
  const eventsByBucket = new Map<number, number>();
  for (const key of expectedEvents) {
    const t = rec.occurredAt.get(key);
    if (t === undefined) continue;
    const b = Math.max(0, Math.floor((t - m.startedAt) / 1000 / BUCKET_S));
    eventsByBucket.set(b, (eventsByBucket.get(b) ?? 0) + 1);
  }
  for (const p of measuredPushes) {
    const t = rec.occurredAt.get(p.key)!;
    const b = Math.max(0, Math.floor((t - m.startedAt) / 1000 / BUCKET_S));
    (byBucket.get(b) ?? byBucket.set(b, []).get(b)!).push(p.latency);
  }
  for (const b of [...new Set([...eventsByBucket.keys(), ...byBucket.keys()])].sort((a, c) => a - c)) {
    const s = (byBucket.get(b) ?? []).sort((a, c) => a - c);
    out.push(
      `  ${pad(`${b * BUCKET_S}-${(b + 1) * BUCKET_S} s`, 9)}${' '.repeat(38)}${pad(eventsByBucket.get(b) ?? 0, 6)} ${pad(s.length, 8)} ${pad(fmt(percentile(s, 50)), 8)} ${pad(fmt(percentile(s, 95)), 8)} ${pad(fmt(percentile(s, 99)), 8)}`,
    );
  }
  out.push(line);
  return out.join('\n');
}

// ---------------------------------------------------------------- main

let isolated: IsolatedStack | undefined;
let interrupted = false;
let subscribers: Subscriber[] = [];
let probe: NatsConnection | undefined;
let eventProbe: Subscriber | undefined;

async function cleanUp(): Promise<void> {
  stopLoad = true;
  disposing = true;
  await Promise.all([...subscribers, ...(eventProbe ? [eventProbe] : [])].map((s) => s.dispose())).catch(() => undefined);
  await probe?.close().catch(() => undefined);
  await isolated?.stop();
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const command =
    `npm run bench:push -- --subscribers ${o.subscribers} --rate ${o.rate} --duration ${o.duration}${o.accept ? ' --accept' : ''}${o.withoutOrder ? ' --without-order' : ''}${o.transport !== 'graphql-ws' ? ` --transport ${o.transport}` : ''}` +
    ` --customers ${o.customers} --warmup ${o.warmup} --drain ${o.drain}${o.product !== 'cake' ? ` --product ${o.product}` : ''}`;
  const machine = machineLine();

  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      console.error('\n✖ stopping at once');
      process.exit(130);
    }
    interrupted = true;
    console.error(`\n▸ ${signal}: stopping the load, the subscribers and every process, removing the temporary data…`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  console.log(`ordergraph push latency benchmark — ${o.subscribers} subscribers, ${o.rate} events/s, ${o.duration} s${o.accept ? ', orders accepted too' : ''}\n`);
  const started = Date.now();
  isolated = new IsolatedStack({
    label: 'push',
    databaseUrl: o.databaseUrl,
    logDir: o.logDir,
    verbose: o.verbose,
    startTimeoutMs: o.startTimeout * 1000,
    // info, as deployed; at debug the hub's one 'order change' line per event tells when the
    // router had it (else the event probe, startEventProbe, tells).
    routerEnv: { LOG_LEVEL: o.routerLogLevel },
    // Payment answers at once (PAYMENT_LATENCY_MS unset); a generous timeout and bulkhead so that
    // a busy machine does not turn orders into PAYMENT_UNAVAILABLE: payment is not what is measured.
    contextEnv: (name) => (name === 'ordering' ? { PAYMENT_TIMEOUT_MS: '10000', PAYMENT_MAX_CONCURRENT: '200' } : undefined),
    onLine: o.routerLogLevel === 'debug' ? { router: onRouterLine } : undefined,
  });
  const stack = await isolated.start();
  if (interrupted) return;

  let storeOfProduct = '';
  await waitForFirstPaidOrder(stack, o.product, started, async (token) => {
    const r = await gql(stack.routerUrl, token, PLACE, { input: { productId: o.product, qty: 1 } });
    const order = r.body.data?.placeOrder as { status: string; storeId: string } | undefined;
    if (order) storeOfProduct = order.storeId;
    return { paid: order?.status === 'PAID', detail: errorOf(r) };
  });
  if (storeOfProduct !== BAKERY) throw new Error(`--product ${o.product} is sold by ${storeOfProduct}, not ${BAKERY}: pick one of ${BAKERY}'s products (cake, donut, baguette)`);

  const run = randomBytes(2).toString('hex');
  const customerTokens = await Promise.all(Array.from({ length: o.customers }, (_, i) => stack.token({ sub: `bench-${run}-c${i}`, role: 'customer' })));
  const staffToken = await stack.token({ sub: `bench-${run}-baker`, role: 'store-staff', storeId: BAKERY });
  const ctx: LoadContext = { routerUrl: stack.routerUrl, customerTokens, staffToken, o };

  probe = await startNatsProbe(stack.natsUrl);

  const target = o.transport === 'sse' ? `${stack.routerUrl} (SSE)` : stack.wsUrl;
  say(`connecting ${o.subscribers} subscribers to ${target} (storeOrderStatusChanged, staff of ${BAKERY})`);
  const subTokens = await Promise.all(Array.from({ length: o.subscribers }, (_, i) => stack.token({ sub: `bench-${run}-staff${i}`, role: 'store-staff', storeId: BAKERY })));
  for (let i = 0; i < o.subscribers; i += 25) {
    const batch = subTokens.slice(i, i + 25).map((t, j) => o.transport === 'sse' ? subscribeOneSse(stack.routerUrl, t, i + j, subscriptionOf(o), !o.withoutOrder) : subscribeOne(stack.wsUrl, t, i + j, subscriptionOf(o), !o.withoutOrder));
    subscribers.push(...batch);
    await Promise.all(batch.map((s) => s.connected));
  }
  const connected = (await Promise.all(subscribers.map((s) => s.connected))).filter(Boolean).length;
  if (o.routerLogLevel !== 'debug') {
    eventProbe = startEventProbe(stack.wsUrl, await stack.token({ sub: `bench-${run}-probe`, role: 'store-staff', storeId: BAKERY }));
    if (!(await eventProbe.connected)) say('the event probe could not connect: no "committed → router" split');
  }
  say(`${connected} of ${o.subscribers} subscribers connected (${secondsSince(started)} s)`);
  if (connected === 0) throw new Error('no subscriber could connect: see the close reasons above (router log: --verbose)');

  // Warm-up: the same load, not counted; then every subscriber must have had a push (its subscription is live).
  const warm = newStats();
  if (o.warmup > 0) {
    say(`warm-up: ${o.rate} events/s for ${o.warmup} s (not counted)`);
    await runPhase(ctx, o.warmup, warm, warmupEvents);
  }
  const liveBy = Date.now() + 30_000;
  while (subscribers.some((s) => s.received === 0) && Date.now() < liveBy && !interrupted) {
    track(placeOne(ctx, 0, warm, warmupEvents));
    await sleep(500);
  }
  const live = subscribers.filter((s) => s.received > 0).length;
  say(`${live} of ${o.subscribers} subscribers have received a push: their subscriptions are live`);
  if (live < o.subscribers) say(`${o.subscribers - live} subscribers got nothing within 30 s: they count as missing pushes`);
  // The measurement starts on an empty pipeline: every warm-up event pushed to every subscriber.
  const quiet = Date.now();
  while ((pendingWork.size || deliveredOf(warmupEvents) < warmupEvents.size * live) && Date.now() - quiet < 120_000 && !interrupted) await sleep(250);
  say(`warm-up: ${warmupEvents.size} events, ${deliveredOf(warmupEvents)} of ${warmupEvents.size * live} pushes arrived; backlog drained ${secondsSince(quiet)} s after the warm-up`);
  if (interrupted) return;

  // The measurement.
  const stats = newStats();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const pids = stack.pids();
  const reads0 = await orderReads(stack.routerUrl);
  const cpu0 = cpuSeconds(pids);
  const bench0 = process.cpuUsage();
  const startedAt = Date.now();
  say(`load: ${o.rate} events/s for ${o.duration} s (progress every ${BUCKET_S} s)`);
  loop.enable();
  await runPhase(ctx, o.duration, stats, measuredEvents, (s) => {
    const recent = rec.pushes.filter((p) => p.at >= Date.now() - BUCKET_S * 1000).map((p) => p.latency).sort((a, b) => a - b);
    console.log(
      `  ${pad(`${s} s`, 5)}  orders PAID ${pad(stats.ordersPaid, 5)}${o.accept ? `  accepted ${pad(stats.accepted, 5)}` : ''}  in flight ${pad(inFlight, 3)}` +
        `  pushes in the last ${BUCKET_S} s ${pad(recent.length, 6)}, p50 ${pad(fmt(percentile(recent, 50)), 6)} ms, p99 ${pad(fmt(percentile(recent, 99)), 6)} ms`,
    );
  });
  loop.disable();
  const loadEndedAt = Date.now();
  const cpu1 = cpuSeconds(pids);
  const benchUsage = process.cpuUsage(bench0);
  const loadAvgEnd = loadavg()[0];
  const reads1 = await orderReads(stack.routerUrl);
  const reads = Object.fromEntries(Object.keys(reads1).map((k) => [k, reads1[k] - (reads0[k] ?? 0)]));
  if (interrupted) return;

  say(`load done; waiting for the answers and pushes still due (at most ${o.drain} s)…`);
  const drainUntil = Date.now() + o.drain * 1000;
  while (pendingWork.size && Date.now() < drainUntil) await sleep(100);
  const due = () => measuredEvents.size * o.subscribers;
  const got = () => deliveredOf(measuredEvents);
  while (got() < due() && Date.now() < drainUntil && !interrupted) await sleep(250);
  const drainedAt = Date.now();
  // The router's log lines and the probe's last messages.
  await sleep(500);
  if (interrupted) return;

  const cpu = Object.fromEntries(Object.keys(cpu1).map((k) => [k, cpu1[k] - (cpu0[k] ?? 0)]));
  const text = report(
    o,
    stack,
    {
      startedAt,
      loadEndedAt,
      drainedAt,
      stats,
      cpu,
      benchCpuS: (benchUsage.user + benchUsage.system) / 1e6,
      loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      loadAvgEnd,
      connected,
      reads,
    },
    command,
    machine,
  );
  console.log(text);
  say('stopping the subscribers and every process, removing the temporary data…');
  await cleanUp();
  say('done.');
}

main().then(
  // Interrupted: the signal handler stops everything and exits.
  () => void (interrupted || process.exit(process.exitCode ?? 0)),
  async (e) => {
    console.error(`✖ ${(e as Error).message}`);
    if (interrupted) return;
    await cleanUp().catch(() => undefined);
    process.exit(1);
  },
);
