// CPU per event of one consuming context's durable consumer, batched transactions vs one
// transaction per event, A/B interleaved in one run (issue 13; platform/consumer.ts).
//
//   nice -n 10 npx tsx scripts/bench-consumer-batch.ts            # defaults below
//   EVENTS=2000 ROUNDS=3 RATE=0 BATCH_MAX=1,64 npx tsx scripts/bench-consumer-batch.ts
//   RATE=100 BATCH_MAX=1,64,64@5 ...   # 64@5: batches of up to 64 with a 5 ms linger
//
// A round: a fresh durable of delivery's real `order-placed` policy (Delivery upsert through
// Prisma) on a real nats-server and PostgreSQL, with the production options (CONSUMER_CONCURRENCY 4,
// one HandlerSlots budget, pull batch 64), handles EVENTS OrderPlaced events of distinct orders:
//  - RATE=0 (backlog): all published first, then the consumer starts and drains them;
//  - RATE>0 (live): a child process publishes RATE events/s while the consumer runs.
// Measured per round, divided by EVENTS: this process's CPU (utime+stime, process.cpuUsage; the
// publisher is another process or done before; includes the 100 ms backend sampling, the same
// for both variants) and the CPU of the PostgreSQL backends serving the benchmark database
// (/proc/<pid>/stat, PostgreSQL on this machine), plus transactions per event. BATCH_MAX=1 is one
// transaction per event: the pre-batching statements (BEGIN, marker, handler, COMMIT).
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { HandlerSlots, PolicyConsumer, type Outcome } from '../platform/consumer';
import { openDatabase } from '../platform/database';
import { createEnvelope } from '../platform/events';
import { createLogger } from '../platform/logger';
import { ensureStream } from '../platform/nats';
import { createDeliveryClient, type DeliveryDb, type DeliveryTx } from '../subgraphs/delivery/db';
import { openDeliveryOnOrderPlaced } from '../subgraphs/delivery/policies';
import { OrderPlaced } from '../subgraphs/ordering/contracts';
import { sampleOrderPlaced } from '../test/support/fixtures';
import { startNatsServer } from '../test/support/nats';
import { createTestDatabases } from '../test/support/postgres';

const EVENTS = Number(process.env.EVENTS ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const RATE = Number(process.env.RATE ?? 0);
// `64@5`: CONSUMER_BATCH_MAX 64 with CONSUMER_BATCH_LINGER_MS 5.
const VARIANTS = (process.env.BATCH_MAX ?? '1,64').split(',');
const CONCURRENCY = 4;
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (Linux x86-64/arm64)

const events = (round: string) =>
  Array.from({ length: EVENTS }, (_, i) => {
    const orderId = `bench-${round}-${i}`;
    return JSON.stringify(createEnvelope(OrderPlaced, sampleOrderPlaced({ orderId, customerId: `c-${i % 50}`, paymentId: `p-${orderId}`, version: 1 }), { correlationId: orderId }));
  });

/** Publisher child: RATE events/s of its round, then exits. */
async function publisher(): Promise<void> {
  const nc = await connect({ servers: process.env.NATS_URL! });
  const js = jetstream(nc);
  const bodies = events(process.env.ROUND!);
  const t0 = performance.now();
  for (let i = 0; i < bodies.length; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await js.publish(OrderPlaced.subject, bodies[i]);
  }
  await nc.drain();
}

/** CPU seconds of a process so far (utime + stime, fields 14 and 15 of /proc/<pid>/stat), undefined once it is gone. */
function processCpu(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return undefined;
  }
}

/**
 * CPU of the PostgreSQL backends of one database over a measure: sampled every 100 ms (the pool
 * closes idle connections and opens new ones), each backend's last sample minus its first (0 for
 * one that started during the measure).
 */
function backendSampler(list: () => Promise<number[]>) {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async (starting: boolean) => {
    // A busy server may refuse a connection now and then: that sample is skipped.
    const pids = await list().catch(() => [] as number[]);
    for (const pid of pids) {
      const cpu = processCpu(pid);
      if (cpu === undefined) continue;
      if (!first.has(pid)) first.set(pid, starting ? cpu : 0);
      last.set(pid, cpu);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    async start() {
      await sample(true);
      timer = setInterval(() => void sample(false), 100);
    },
    async stop(): Promise<number> {
      clearInterval(timer);
      await sample(false);
      let total = 0;
      for (const [pid, cpu] of last) total += cpu - first.get(pid)!;
      return total;
    },
  };
}

async function main(): Promise<void> {
  const nats = await startNatsServer();
  const dbs = await createTestDatabases(['delivery']);
  const dir = mkdtempSync(join(tmpdir(), 'og_bench_consumer_batch-'));
  const log = createLogger('bench-consumer-batch', { LOG_LEVEL: 'warn', LOG_FORMAT: 'json' });
  const opened = await openDatabase<DeliveryDb>({
    context: 'delivery',
    url: dbs.url('delivery'),
    dataDir: dir,
    migrationsDir: resolve(__dirname, '../prisma/delivery/migrations'),
    createClient: createDeliveryClient,
    poolMax: 10,
  });
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, 'ordering');
  let transactions = 0;
  const db = new Proxy(opened.client, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as any;
      if (prop === '$transaction') return (...args: unknown[]) => (transactions++, v.apply(target, args));
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const dbName = new URL(dbs.url('delivery')).pathname.slice(1);
  const backends = async () =>
    (await opened.client.$queryRaw<Array<{ pid: number }>>`SELECT pid FROM pg_stat_activity WHERE datname = ${dbName}`).map((r) => Number(r.pid));

  const results: Record<string, Array<{ app: number; pg: number; tx: number; wall: number }>> = {};
  const round = async (variant: string, label: string, record: boolean) => {
    const [batchMax, batchLingerMs] = variant.split('@').map(Number);
    await jsm.streams.purge(OrderPlaced.stream);
    const bodies = RATE > 0 ? [] : events(label);
    for (let i = 0; i < bodies.length; i += 256) await Promise.all(bodies.slice(i, i + 256).map((b) => js.publish(OrderPlaced.subject, b)));
    const p = { ...openDeliveryOnOrderPlaced, name: `bench-${label}` };
    const consumer = new PolicyConsumer<DeliveryTx>(p, db, js, jsm, log, { context: 'delivery', maxDeliver: 5, batch: 64, concurrency: CONCURRENCY, batchMax, batchLingerMs: batchLingerMs || 0, slots: new HandlerSlots(CONCURRENCY) });
    await consumer.prepare();
    let done = 0;
    const other: Outcome[] = [];
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    consumer.onOutcome = (o) => {
      if (o !== 'processed') other.push(o);
      if (++done === EVENTS) finished();
    };
    // Warm the pool so backend start-up is outside the measure.
    await Promise.all(Array.from({ length: CONCURRENCY }, () => opened.client.$queryRaw`SELECT 1`));
    const pgCpuOf = backendSampler(backends);
    await pgCpuOf.start();
    const cpu0 = process.cpuUsage();
    const tx0 = transactions;
    const t0 = performance.now();
    const child = RATE > 0 ? fork(__filename, [], { env: { ...process.env, ROLE: 'publisher', NATS_URL: nats.url, ROUND: label }, execArgv: process.execArgv }) : undefined;
    await consumer.start();
    await all;
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pgCpu = await pgCpuOf.stop();
    const tx = transactions - tx0;
    await consumer.stop();
    if (child && child.exitCode === null) await new Promise((r) => child.once('exit', r));
    if (other.length > 0) throw new Error(`round ${label}: ${other.length} events not processed (${other.slice(0, 5).join(', ')})`);
    const app = (cpu.user + cpu.system) / 1000 / EVENTS;
    const pg = (pgCpu * 1000) / EVENTS;
    if (record) (results[variant] ??= []).push({ app, pg, tx: tx / EVENTS, wall });
    console.log(
      `${record ? 'round' : 'warm-up'} ${label}: CONSUMER_BATCH_MAX=${variant} consumer ${app.toFixed(3)} ms/event, postgres ${pg.toFixed(3)} ms/event, ${(tx / EVENTS).toFixed(3)} transactions/event, ${wall.toFixed(2)} s`,
    );
  };

  try {
    console.log(`delivery order-placed, ${EVENTS} events per round, ${RATE > 0 ? `published live at ${RATE}/s` : 'backlog drained'}, concurrency ${CONCURRENCY}, variants ${VARIANTS.join(' / ')} interleaved`);
    const tag = (v: string) => v.replace('@', 'l');
    for (const v of VARIANTS) await round(v, `warm-${tag(v)}`, false);
    for (let r = 0; r < ROUNDS; r++) for (const v of VARIANTS) await round(v, `r${r}-${tag(v)}`, true);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log('\nmedian per event over rounds:');
    for (const v of VARIANTS) {
      const rs = results[v];
      const app = median(rs.map((x) => x.app));
      const pg = median(rs.map((x) => x.pg));
      console.log(
        `  CONSUMER_BATCH_MAX=${v.padEnd(5)} consumer ${app.toFixed(3)} ms  postgres ${pg.toFixed(3)} ms  total ${(app + pg).toFixed(3)} ms  transactions ${median(rs.map((x) => x.tx)).toFixed(3)}  wall ${median(rs.map((x) => x.wall)).toFixed(2)} s`,
      );
    }
  } finally {
    await nc.close();
    await opened.close();
    await dbs.drop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.ROLE === 'publisher') void publisher().then(() => process.exit(0), (e) => (console.error(e), process.exit(1)));
else
  void main().then(
    () => process.exit(0),
    (e) => (console.error(e), process.exit(1)),
  );
