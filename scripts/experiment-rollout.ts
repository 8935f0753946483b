// The zero-downtime redeploy of seed 000 (§9: 73.50 % availability without a readiness probe,
// 100 % with one, 698 tps), reproduced with real processes in one command:
//   npm run experiment:rollout              60 s of load per run
//   npm run experiment:rollout -- --quick   a smoke run (15 s per run)
// Two replicas each of the router, ordering and payment run behind HAProxy (Debian's
// `haproxy`), which routes only to replicas whose `GET /health/ready` answers 200, the way a
// Service routes only to ready pods. Users place orders through it while every replica is
// restarted one at a time (SIGTERM, wait for exit, start the new one, wait until ready). Then
// the same with the readiness check off (HAProxy sends to every replica, as a Service without a
// readinessProbe does). Finally the databases are checked: no order without its payment, no
// effect twice. Everything runs in an isolated stack (own nats-server, throwaway databases on
// the PostgreSQL server given, free ports); nothing of `npm start` is touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { entryArgs, IsolatedStack, machineLine, ROOT, say, secondsSince, waitForFirstPaidOrder, type RunningStack } from './lib/isolated-stack';
import { freePort } from './lib/ports';

// autocannon ships no type declarations: the part used here.
interface AutocannonClient {
  setHeadersAndBody(headers: Record<string, string>, body: string): void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonInstance {
  stop(): void;
}
const autocannon = require('autocannon') as (
  opts: {
    url: string;
    connections: number;
    duration: number;
    timeout?: number;
    setupClient(client: AutocannonClient): void;
    requests: Array<{ method: string; path: string; onResponse(status: number, body: string): void }>;
  },
  done: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

/** Seed 000, §9 (siege through the Kubernetes Service during `kubectl set image`). */
const SEED = { withoutReadiness: '73.50 %', withReadiness: '100.00 %', tps: '698.46' };
const REPLICATED = ['payment', 'ordering', 'router'] as const;
type Replicated = (typeof REPLICATED)[number];

const USAGE = `usage: npm run experiment:rollout -- [options]

  --duration S       seconds of load per run (at least until the restart ends)  default 60 (--quick: 15)
  --users N          concurrent users (connections)                             default 30 (--quick: 10)
  --quick            a smoke run: shorter load, fewer users
  --database-url U   PostgreSQL server for the throwaway databases (replicas share them)
                                                                                default $DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres
  --log-dir DIR      also write every service's output to DIR/<service>.log
  --verbose          echo every service's log lines
  --help`;

interface Options {
  duration: number;
  users: number;
  quick: boolean;
  databaseUrl: string;
  logDir?: string;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        users: { type: 'string' },
        quick: { type: 'boolean', default: false },
        'database-url': { type: 'string' },
        'log-dir': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    const int = (v: string | undefined, d: number, what: string) => {
      if (v === undefined) return d;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be a positive whole number, not "${v}"`);
      return n;
    };
    return {
      quick: values.quick,
      duration: int(values.duration, values.quick ? 15 : 60, 'duration'),
      users: int(values.users, values.quick ? 10 : 30, 'users'),
      databaseUrl: values['database-url'] ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
      logDir: values['log-dir'],
      verbose: values.verbose,
    };
  } catch (e) {
    console.error(`✖ ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ready = (port: number) =>
  fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );

// ---------------------------------------------------------------- HAProxy

function requireHaproxy(): void {
  if (spawnSync('haproxy', ['-v']).error) {
    console.error('✖ haproxy is not on PATH. Debian/Ubuntu: sudo apt-get install haproxy · macOS: brew install haproxy');
    process.exit(2);
  }
}

/** Ordering's approve timeout in the experiment (ms): generous, so that a slow machine is not what is measured. */
const PAYMENT_TIMEOUT_MS = 10_000;

/** HAProxy's readiness check, as the manifests' readinessProbe (periodSeconds 1, failureThreshold 2, timeoutSeconds 3). */
const CHECK = { interMs: 1000, fall: 2, timeoutMs: 3000 };

/**
 * How long a process keeps serving after SIGTERM while its /health/ready already answers 503
 * (platform/main.ts), as the manifests' preStop sleep: HAProxy takes the replica out after
 * `fall` failed checks `inter` apart, each answered within the check timeout at worst, so
 * fall × inter + timeout (5 s). Without it the listener closes at once and HAProxy keeps
 * sending new connections to a closed port for up to that long. Every process gets it
 * (a preStop hook does not depend on a readinessProbe); without the check HAProxy never learns.
 */
const SHUTDOWN_DELAY_MS = CHECK.fall * CHECK.interMs + CHECK.timeoutMs;

/**
 * HAProxy as the three Services: one frontend per replicated process, each balancing over
 * its two replicas. With `readiness`, a replica gets requests only while its
 * `/health/ready` answers 200 (checked every second, out after 2 failures, in after 1
 * success), like a readinessProbe; without it, always. No retries and no redispatch:
 * a Service does not retry a request either.
 */
function haproxyConfig(lb: Record<Replicated, number>, replicas: Record<Replicated, [number, number]>, readiness: boolean): string {
  const check = readiness ? ` check inter ${CHECK.interMs}ms fall ${CHECK.fall} rise 1` : '';
  const sections = REPLICATED.map(
    (name) => `
frontend ${name}
  bind 127.0.0.1:${lb[name]}
  default_backend ${name}_pods

backend ${name}_pods
  balance roundrobin
${readiness ? '  option httpchk GET /health/ready\n  http-check expect status 200\n' : ''}  server ${name}-a 127.0.0.1:${replicas[name][0]}${check}
  server ${name}-b 127.0.0.1:${replicas[name][1]}${check}`,
  );
  return `global
  maxconn 4096

defaults
  mode http
  retries 0
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # As the manifests' readinessProbe (timeoutSeconds: 3): the router's readiness asks every subgraph.
  timeout check ${CHECK.timeoutMs}ms
${sections.join('\n')}
`;
}

class Haproxy {
  private proc?: ChildProcess;
  constructor(private readonly dir: string) {}

  async start(config: string, lbPorts: number[]): Promise<void> {
    const file = join(this.dir, 'haproxy.cfg');
    writeFileSync(file, config);
    const check = spawnSync('haproxy', ['-c', '-q', '-f', file], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`haproxy rejected its configuration:\n${check.stderr}${check.stdout}`);
    this.proc = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    const deadline = Date.now() + 10_000;
    for (const port of lbPorts) {
      while (!(await fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false))) {
        if (this.proc.exitCode !== null) throw new Error('haproxy exited at start');
        if (Date.now() > deadline) throw new Error(`haproxy did not listen on ${port}`);
        await sleep(100);
      }
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- replicas

interface Replica {
  name: Replicated;
  slot: 'a' | 'b';
  port: number;
  proc?: ChildProcess;
  /** The first replica of each is the stack's own child, known by pid. */
  pid: number;
}

const ENTRY: Record<Replicated, string> = {
  router: 'router/main',
  ordering: 'subgraphs/ordering/main',
  payment: 'subgraphs/payment/main',
};

let logDir: string | undefined;
let launches = 0;

function launch(r: Replica, env: NodeJS.ProcessEnv): void {
  const log = logDir ? openSync(join(logDir, `${r.name}-${r.slot}-${++launches}.log`), 'a') : 'ignore';
  const proc = spawn(process.execPath, entryArgs(ENTRY[r.name], true), { cwd: ROOT, env: { ...env, PORT: String(r.port) }, stdio: ['ignore', log, log] });
  r.proc = proc;
  r.pid = proc.pid!;
  launched.push(proc);
}

/** Every replica this script started: killed if the script exits without stopping them (one listener, not one per launch). */
const launched: ChildProcess[] = [];
process.on('exit', () => {
  for (const proc of launched) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM, then wait for the process to exit (SIGKILL after 30 s, reported). Returns ms to exit. */
async function terminate(r: Replica): Promise<{ ms: number; killed: boolean }> {
  const t = Date.now();
  process.kill(r.pid, 'SIGTERM');
  while (alive(r.pid)) {
    if (Date.now() - t > 30_000) {
      process.kill(r.pid, 'SIGKILL');
      return { ms: Date.now() - t, killed: true };
    }
    await sleep(50);
  }
  return { ms: Date.now() - t, killed: false };
}

async function untilReady(r: Replica, timeoutMs = 300_000): Promise<number> {
  const t = Date.now();
  while (!(await ready(r.port))) {
    if (r.proc && r.proc.exitCode !== null) throw new Error(`${r.name}-${r.slot} exited during start-up (code ${r.proc.exitCode})`);
    if (Date.now() - t > timeoutMs) throw new Error(`${r.name}-${r.slot} was not ready after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  return Date.now() - t;
}

/** Every replica in turn: SIGTERM, wait for exit, start the new one on the same port, wait until ready. */
async function rollingRestart(replicas: Replica[], envs: Record<Replicated, NodeJS.ProcessEnv>, log: string[]): Promise<void> {
  for (const r of replicas) {
    const stopped = await terminate(r);
    launch(r, envs[r.name]);
    const readyMs = await untilReady(r);
    const line = `${r.name}-${r.slot}: exited ${stopped.ms} ms after SIGTERM${stopped.killed ? ' (KILLED: did not stop in 30 s)' : ''}, new one ready after ${readyMs} ms`;
    log.push(line);
    say(line);
  }
}

// ---------------------------------------------------------------- load

const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
const body = JSON.stringify({ query: PLACE, variables: { input: { productId: 'cake', qty: 1 } } });

interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  failures: Map<string, number>;
  /** Order ids the users were told are PAID. */
  paid: string[];
}

/** Users placing orders through the load balancer until `until()` resolves and at least `minSeconds` passed. */
async function runLoad(url: string, tokens: string[], minSeconds: number, until: Promise<unknown>): Promise<LoadResult> {
  const r: LoadResult = { ok: 0, failed: 0, seconds: 0, failures: new Map(), paid: [] };
  const fail = (why: string) => {
    r.failed++;
    r.failures.set(why, (r.failures.get(why) ?? 0) + 1);
  };
  let user = 0;
  const started = Date.now();
  let instance: AutocannonInstance;
  const finished = new Promise<AutocannonResult>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: tokens.length,
        // Long enough for any restart; stopped below.
        duration: 3600,
        timeout: 10,
        setupClient: (c) => c.setHeadersAndBody({ 'content-type': 'application/json', authorization: `Bearer ${tokens[user++ % tokens.length]}` }, body),
        requests: [
          {
            method: 'POST',
            path: '/graphql',
            onResponse: (status, text) => {
              if (status !== 200) return fail(`HTTP ${status}`);
              try {
                const j = JSON.parse(text) as { data?: { placeOrder?: { id: string; status: string } }; errors?: Array<{ extensions?: { code?: string } }> };
                if (j.data?.placeOrder?.status === 'PAID') {
                  r.ok++;
                  r.paid.push(j.data.placeOrder.id);
                } else fail(j.errors?.[0]?.extensions?.code ?? `status ${j.data?.placeOrder?.status}`);
              } catch {
                fail('not JSON');
              }
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  await Promise.all([until, sleep(minSeconds * 1000)]);
  instance!.stop();
  const result = await finished;
  // Requests that got no answer at all (connection reset or refused by the load balancer, timeouts).
  const noAnswer = result.errors + result.timeouts;
  if (noAnswer) {
    r.failed += noAnswer;
    r.failures.set('no answer (connection error or timeout)', noAnswer);
  }
  r.seconds = (Date.now() - started) / 1000;
  return r;
}

// ---------------------------------------------------------------- checks

interface Integrity {
  orders: number;
  paidOrders: number;
  rejected: number;
  problems: string[];
}

/** Waits until no order is PENDING and no void is pending, then checks orders against payments and deliveries. */
async function checkIntegrity(stack: RunningStack, toldPaid: string[]): Promise<Integrity> {
  const connect = async (context: string) => {
    const c = new pg.Client({ connectionString: stack.envOf(context)[`DATABASE_URL_${context.toUpperCase()}`] });
    await c.connect();
    return c;
  };
  const [ordering, payment, delivery] = await Promise.all([connect('ordering'), connect('payment'), connect('delivery')]);
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { rows } = await ordering.query<{ n: string }>(`SELECT count(*) AS n FROM "Order" WHERE status = 'PENDING' OR "voidPending"`);
      if (Number(rows[0].n) === 0) break;
      if (Date.now() > deadline) break;
      await sleep(1000);
    }
    const orders = (await ordering.query<{ id: string; status: string; amount: number; voidPending: boolean }>(`SELECT id, status::text, amount, "voidPending" FROM "Order"`)).rows;
    const payments = (await payment.query<{ orderId: string; status: string; amount: number }>(`SELECT "orderId", status::text, amount FROM "Payment"`)).rows;
    const paymentsPerOrder = new Map<string, typeof payments>();
    for (const p of payments) paymentsPerOrder.set(p.orderId, [...(paymentsPerOrder.get(p.orderId) ?? []), p]);
    const problems: string[] = [];
    const stood = new Set(['PAID', 'CONFIRMED', 'IN_PRODUCTION', 'SHIPPED', 'DELIVERED']);
    const byId = new Map(orders.map((o) => [o.id, o]));
    for (const o of orders) {
      const ps = paymentsPerOrder.get(o.id) ?? [];
      if (ps.length > 1) problems.push(`order ${o.id}: ${ps.length} payments`);
      if (o.status === 'PENDING' || o.voidPending) problems.push(`order ${o.id}: still ${o.status}${o.voidPending ? ' (void pending)' : ''} after 90 s`);
      if (stood.has(o.status) && !(ps[0]?.status === 'APPROVED' && ps[0].amount === o.amount)) problems.push(`order ${o.id} is ${o.status} without its approved payment (${ps[0]?.status ?? 'none'})`);
      if (o.status === 'REJECTED' && ps.some((p) => p.status === 'APPROVED')) problems.push(`order ${o.id} was rejected but its payment stands APPROVED`);
    }
    for (const [orderId] of paymentsPerOrder) if (!byId.has(orderId)) problems.push(`payment for unknown order ${orderId}`);
    for (const id of toldPaid) if (!stood.has(byId.get(id)?.status ?? '')) problems.push(`order ${id}: a user was told PAID, the database says ${byId.get(id)?.status ?? 'no such order'}`);
    // No effect twice: one OrderPlaced per order in ordering's outbox, one delivery per order.
    const twicePlaced = (await ordering.query(`SELECT "correlationId" FROM "OutboxEvent" WHERE subject = 'ordering.order-placed.v1' GROUP BY 1 HAVING count(*) > 1`)).rowCount ?? 0;
    if (twicePlaced) problems.push(`${twicePlaced} order(s) announced twice (OrderPlaced)`);
    const twiceDelivered = (await delivery.query(`SELECT "orderId" FROM "Delivery" GROUP BY 1 HAVING count(*) > 1`)).rowCount ?? 0;
    if (twiceDelivered) problems.push(`${twiceDelivered} order(s) with two deliveries`);
    return { orders: orders.length, paidOrders: orders.filter((o) => stood.has(o.status)).length, rejected: orders.filter((o) => o.status === 'REJECTED').length, problems };
  } finally {
    await Promise.all([ordering.end(), payment.end(), delivery.end()]);
  }
}

// ---------------------------------------------------------------- main

/**
 * The migrations Job's step, as Kubernetes runs it: `node dist/scripts/migrate.js` for catalog
 * (its seed; catalog relays the ProductAdded events). Retried like the Job's backoffLimit.
 */
async function seedCatalog(stack: RunningStack): Promise<void> {
  const env = { ...stack.envOf('catalog'), MIGRATE_CONTEXTS: 'catalog', CATALOG_SEED: 'true' };
  for (let attempt = 1; ; attempt++) {
    const r = spawnSync(process.execPath, ['dist/scripts/migrate.js'], { cwd: ROOT, env, encoding: 'utf8' });
    if (r.status === 0) return say(`catalog seeded by the migrations step (${(r.stdout || '').trim()})`);
    if (attempt === 6) throw new Error(`the migrations step failed 6 times:\n${r.stderr}`);
    say(`migrations step failed (attempt ${attempt}), retrying: ${(r.stderr || '').trim().split('\n')[0]}`);
    await sleep(2000 * attempt);
  }
}

interface RunReport {
  label: string;
  load: LoadResult;
  restarts: string[];
}

const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(2)} %` : '—');

async function main() {
  const o = parseOptions(process.argv.slice(2));
  logDir = o.logDir;
  requireHaproxy();
  const started = Date.now();
  say('npm run build (incremental)…');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) {
    console.error(`✖ npm run build failed:\n${build.stdout}${build.stderr}`);
    process.exit(1);
  }
  const machine = machineLine();
  const work = mkdtempSync(join(tmpdir(), 'og-rollout-'));
  const haproxy = new Haproxy(work);
  const lb = { router: await freePort(), ordering: await freePort(), payment: await freePort() } satisfies Record<Replicated, number>;
  const second = { router: await freePort(), ordering: await freePort(), payment: await freePort() } satisfies Record<Replicated, number>;

  const stack = new IsolatedStack({
    label: 'rollout',
    // What the image runs: node on the build (`npm run build` first, below).
    fromBuild: true,
    startTimeoutMs: 300_000,
    databaseUrl: o.databaseUrl,
    logDir: o.logDir,
    verbose: o.verbose,
    // Ordering calls payment through its "Service". Recovery takes a PENDING order only once no
    // request can still be waiting on its charge (stale > payment timeout, with margin): at 5 s
    // against a 10 s timeout it voided and rejected orders whose approve was still in flight.
    contextEnv: (name) => {
      // As the seed did before its readiness test ("CB 제거"): no breaker, no tight timeout, no
      // bulkhead to speak of, so that what is measured is the rollout, not a slow machine's
      // payment calls tripping the breaker (that is experiment:breaker's subject).
      if (name === 'ordering')
        return {
          SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
          PAYMENT_URL: `http://127.0.0.1:${lb.payment}`,
          PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS),
          PAYMENT_BREAKER_VOLUME: '1000000',
          PAYMENT_MAX_CONCURRENT: '1000',
          RECOVERY_STALE_MS: String(3 * PAYMENT_TIMEOUT_MS),
          RECOVERY_INTERVAL_MS: '1000',
        };
      // As in Kubernetes: the migrations Job seeds the catalog (below), catalog's replicas do not.
      if (name === 'catalog') return { CATALOG_SEED: 'false' };
      if (name === 'payment') return { SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS) };
      return undefined;
    },
    // The router reaches ordering and payment through theirs.
    routerEnv: { SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS), SUBGRAPH_URL_ORDERING: `http://127.0.0.1:${lb.ordering}/graphql`, SUBGRAPH_URL_PAYMENT: `http://127.0.0.1:${lb.payment}/graphql` },
  });
  const stopAll = async (replicas: Replica[]) => {
    await haproxy.stop();
    // Replicas this script started (the stack stops its own).
    await Promise.all(replicas.filter((r) => r.proc).map((r) => alive(r.pid) && terminate(r)));
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  };
  const replicas: Replica[] = [];
  process.on('SIGINT', () => void stopAll(replicas).then(() => process.exit(130)));

  try {
    // HAProxy starts after the stack: until then nothing calls through it (the router only waits to be live).
    const running = await stack.start();
    await seedCatalog(running);
    for (const name of REPLICATED) {
      replicas.push({ name, slot: 'a', port: running.ports[name], pid: running.pids()[name] });
      replicas.push({ name, slot: 'b', port: second[name], pid: 0 });
    }
    const envs = Object.fromEntries(REPLICATED.map((n) => [n, running.envOf(n)])) as Record<Replicated, NodeJS.ProcessEnv>;
    const ports = Object.fromEntries(REPLICATED.map((n) => [n, [running.ports[n], second[n]]])) as Record<Replicated, [number, number]>;
    await haproxy.start(haproxyConfig(lb, ports, true), Object.values(lb));
    say(`HAProxy: router :${lb.router}, ordering :${lb.ordering}, payment :${lb.payment}, each over two replicas`);
    for (const r of replicas.filter((x) => x.slot === 'b')) launch(r, envs[r.name]);
    for (const r of replicas.filter((x) => x.slot === 'b')) await untilReady(r);
    say(`second replicas ready (${secondsSince(started)} s)`);

    const url = `http://127.0.0.1:${lb.router}/graphql`;
    await waitForFirstPaidOrder(running, 'cake', started, async (token) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
      const text = await res.text();
      return { paid: /"status":"PAID"/.test(text), detail: text.slice(0, 200) };
    }, 300_000);
    const tokens = await Promise.all(Array.from({ length: o.users }, (_, i) => running.token({ sub: `rollout-${i}`, role: 'customer' })));

    const runs: RunReport[] = [];
    // The baseline: the same load without a restart, so that what the machine itself fails
    // (an overloaded payment call that times out) is not blamed on the rollout.
    for (const mode of ['baseline', 'readiness', 'no-readiness'] as const) {
      const readiness = mode !== 'no-readiness';
      const label = {
        baseline: 'no restart (baseline, readiness on)',
        readiness: 'with readiness (HAProxy checks /health/ready)',
        'no-readiness': 'without readiness (HAProxy sends to every replica)',
      }[mode];
      await haproxy.stop();
      await haproxy.start(haproxyConfig(lb, ports, readiness), Object.values(lb));
      await sleep(2000); // first health checks
      say(`run ${label}: ${o.users} users${mode === 'baseline' ? '' : `, rolling restart of ${replicas.length} replicas after 3 s`}`);
      const restarts: string[] = [];
      const restart = mode === 'baseline' ? Promise.resolve() : sleep(3000).then(() => rollingRestart(replicas, envs, restarts));
      const load = await runLoad(url, tokens, o.duration, restart);
      runs.push({ label, load, restarts });
      say(`  ${load.ok} PAID, ${load.failed} failed in ${load.seconds.toFixed(1)} s → availability ${pct(load.ok, load.ok + load.failed)}`);
    }

    say('checking the databases (waits until no order is PENDING)…');
    const integrity = await checkIntegrity(running, runs.flatMap((r) => r.load.paid));
    print(o, machine, running, runs, integrity);
    await stopAll(replicas);
    process.exit(integrity.problems.length ? 1 : 0);
  } catch (e) {
    console.error(`✖ ${(e as Error).message}`);
    await stopAll(replicas);
    process.exit(1);
  }
}

function print(o: Options, machine: string, stack: RunningStack, runs: RunReport[], integrity: Integrity): void {
  const out: string[] = [];
  out.push('');
  out.push('══ Rolling restart under load (seed 000 §9, zero-downtime redeploy) ══');
  out.push(`machine       ${machine}`);
  out.push(`databases     ${stack.database}`);
  out.push(`topology      HAProxy → 2 × router → HAProxy → 2 × ordering → HAProxy → 2 × payment; other contexts 1 each; nats-server 1 node`);
  out.push(`load          ${o.users} users placing orders (placeOrder cake ×1) for at least ${o.duration} s per run and until the restart ends, next order as soon as answered`);
  out.push(`restart       every replica in turn: SIGTERM → exit → start → ready (router, ordering, payment; 6 processes); SHUTDOWN_DELAY_MS=${SHUTDOWN_DELAY_MS} (preStop), check inter ${CHECK.interMs} ms fall ${CHECK.fall} timeout ${CHECK.timeoutMs} ms`);
  out.push('');
  out.push(`${'run'.padEnd(52)} ${'availability'.padStart(12)} ${'tps'.padStart(8)} ${'PAID'.padStart(7)} ${'failed'.padStart(7)} ${'seconds'.padStart(8)}`);
  for (const r of runs) {
    const l = r.load;
    out.push(`${r.label.padEnd(52)} ${pct(l.ok, l.ok + l.failed).padStart(12)} ${(l.ok / l.seconds).toFixed(1).padStart(8)} ${String(l.ok).padStart(7)} ${String(l.failed).padStart(7)} ${l.seconds.toFixed(0).padStart(8)}`);
  }
  out.push(`${'seed 000, without readiness probe (siege, k8s)'.padEnd(52)} ${SEED.withoutReadiness.padStart(12)} ${'321.34'.padStart(8)}`);
  out.push(`${'seed 000, with readiness probe (siege, k8s)'.padEnd(52)} ${SEED.withReadiness.padStart(12)} ${SEED.tps.padStart(8)}`);
  for (const r of runs) {
    out.push('');
    out.push(`${r.label}:`);
    for (const line of r.restarts) out.push(`  ${line}`);
    for (const [why, n] of [...r.load.failures].sort((a, b) => b[1] - a[1])) out.push(`  failed: ${n} × ${why}`);
  }
  out.push('');
  out.push(`integrity     ${integrity.orders} orders: ${integrity.paidOrders} paid, ${integrity.rejected} rejected`);
  if (integrity.problems.length === 0) out.push('              ✔ every paid order has exactly one approved payment of its amount; every order a user was told PAID is paid; no order announced twice; no order delivered twice; nothing left PENDING');
  else for (const p of integrity.problems.slice(0, 20)) out.push(`              ✖ ${p}`);
  out.push('');
  out.push('tps is orders per second on this machine, load generator included: compare the runs with each other, not with the seed.');
  console.log(out.join('\n'));
}

void main();
