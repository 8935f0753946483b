// The circuit-breaker experiment of seeds 000/001/004, in one command:
//   npm run experiment:breaker -- --users 100 --duration 60 --latency 400-620 --timeout 610
// It starts its own isolated ordergraph (own nats-server, own throwaway databases, free
// ports; nothing of `npm start` is touched), makes payment slow, lets N users place orders
// through the router for T seconds with autocannon, and reports availability, throughput,
// latency and how often ordering's breaker opened, half-opened and closed.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IsolatedStack, machineLine, percentile, say, waitForFirstPaidOrder, type RunningStack as IsolatedRunning } from './lib/isolated-stack';

// autocannon ships no type declarations (and @types/autocannon is not installed): the part used here.
interface AutocannonClient {
  setHeadersAndBody(headers: Record<string, string>, body: string): void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: AutocannonClient, statusCode: number, resBytes: number, responseTime: number) => void): void;
  stop(): void;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  connectionRate?: number;
  setupClient(client: AutocannonClient): void;
  requests: Array<{ method: string; path: string; onResponse(status: number, body: string): void }>;
}
const autocannon = require('autocannon') as (opts: AutocannonOptions, done: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

const USAGE = `usage: npm run experiment:breaker -- [options]

  --users N          concurrent users (connections)                   default 100
  --duration S       seconds of measured load                         default 60
  --warmup S         seconds of warm-up with 5 users first, not counted default 10
  --latency A-B      payment's artificial latency per call, ms        default 400-620
  --timeout MS       ordering's payment call timeout, ms              default 610
  --error-percent P  failure % in the 10 s window that opens it       default 50
  --volume N         calls in the window before it may open           default 5
  --reset MS         open → half-open after this long, ms             default 5000
  --rate R           at most R orders per second per user             default: next order as soon as answered
  --products LIST    products to order, one per user in turn          default cake
  --database-url U   PostgreSQL server for throwaway databases        default $DATABASE_URL, else embedded
  --log-dir DIR      also write every service's output to DIR/<service>.log
  --verbose          echo every service's log lines
  --help`;

interface Options {
  users: number;
  duration: number;
  warmup: number;
  latency: string;
  timeout: number;
  errorPercent: number;
  volume: number;
  reset: number;
  /** Orders per second per user at most; undefined: closed loop, as fast as answers come. */
  rate?: number;
  products: string[];
  databaseUrl?: string;
  logDir?: string;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options {
  try {
    return checkOptions(argv);
  } catch (e) {
    console.error(`✖ ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

function checkOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string', default: '100' },
      duration: { type: 'string', default: '60' },
      warmup: { type: 'string', default: '10' },
      latency: { type: 'string', default: '400-620' },
      timeout: { type: 'string', default: '610' },
      'error-percent': { type: 'string', default: '50' },
      volume: { type: 'string', default: '5' },
      reset: { type: 'string', default: '5000' },
      rate: { type: 'string' },
      products: { type: 'string', default: 'cake' },
      'database-url': { type: 'string' },
      'log-dir': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const problems: string[] = [];
  const int = (name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`--${name} must be a whole number in ${min}..${max}, got "${raw}"`);
    return n;
  };
  const opts: Options = {
    users: int('users', values.users, 1, 10_000),
    duration: int('duration', values.duration, 1, 3600),
    warmup: int('warmup', values.warmup, 0, 600),
    latency: values.latency.trim(),
    timeout: int('timeout', values.timeout, 1),
    errorPercent: int('error-percent', values['error-percent'], 1, 100),
    volume: int('volume', values.volume, 1),
    reset: int('reset', values.reset, 1),
    rate: values.rate === undefined ? undefined : int('rate', values.rate, 1),
    products: values.products.split(',').map((p) => p.trim()).filter(Boolean),
    databaseUrl: values['database-url'] ?? process.env.DATABASE_URL,
    logDir: values['log-dir'] ? resolve(values['log-dir']) : undefined,
    verbose: values.verbose,
  };
  const lat = /^(\d+)(?:-(\d+))?$/.exec(opts.latency);
  if (!lat || (lat[2] !== undefined && Number(lat[2]) < Number(lat[1]))) problems.push(`--latency must look like "0" or "400-620", got "${opts.latency}"`);
  if (opts.products.length === 0) problems.push('--products must name at least one product');
  if (problems.length) {
    console.error(`${problems.map((p) => `✖ ${p}`).join('\n')}\n\n${USAGE}`);
    process.exit(2);
  }
  return opts;
}

// ---------------------------------------------------------------- the stack

interface BreakerEvent {
  at: number;
  state: 'open' | 'half-open' | 'closed';
}

interface RunningStack {
  routerUrl: string;
  breaker: BreakerEvent[];
  contexts: string[];
  database: string;
  /** A bearer JWT for the actor, signed with the isolated router's development key pair. */
  token: IsolatedRunning['token'];
}

/**
 * How late ordering's breaker lines came (on a saturated machine its asynchronous log
 * writes lag by seconds), and a marker that, once seen, proves every earlier line arrived.
 */
const orderingLog = { maxLagMs: 0, marker: '', markerSeen: false };

const BREAKER_LOGS: Record<string, BreakerEvent['state']> = {
  'circuit opened: payment calls fail fast': 'open',
  'circuit half-open: trying payment again': 'half-open',
  'circuit closed: payment is back': 'closed',
};

let isolated: IsolatedStack | undefined;
const stopEverything = () => isolated?.stop() ?? Promise.resolve();

async function startIsolatedStack(o: Options): Promise<RunningStack> {
  const started = Date.now();
  const breaker: BreakerEvent[] = [];
  const onOrderingLine = (line: string) => {
    if (orderingLog.marker && line.includes(orderingLog.marker)) orderingLog.markerSeen = true;
    if (!line.includes('"breaker"')) return; // cheap filter: ordering logs a line or two per order
    try {
      const entry = JSON.parse(line) as { msg?: string; breaker?: string; time?: string };
      const state = entry.breaker === 'payment.approve' && entry.msg ? BREAKER_LOGS[entry.msg] : undefined;
      if (state) {
        const at = entry.time ? Date.parse(entry.time) : Date.now();
        orderingLog.maxLagMs = Math.max(orderingLog.maxLagMs, Date.now() - at);
        breaker.push({ at, state });
      }
    } catch {
      // not a JSON log line
    }
  };

  isolated = new IsolatedStack({
    label: 'breaker',
    databaseUrl: o.databaseUrl,
    logDir: o.logDir,
    verbose: o.verbose,
    contextEnv: (name) => {
      if (name === 'ordering') {
        return {
          // info: the breaker's half-open and closed lines are info, its open line a warning.
          LOG_LEVEL: 'info',
          PAYMENT_TIMEOUT_MS: String(o.timeout),
          PAYMENT_BREAKER_ERROR_PERCENT: String(o.errorPercent),
          PAYMENT_BREAKER_VOLUME: String(o.volume),
          PAYMENT_BREAKER_RESET_MS: String(o.reset),
        };
      }
      if (name === 'payment') return { PAYMENT_LATENCY_MS: o.latency };
      return undefined;
    },
    onLine: { ordering: onOrderingLine },
  });
  const stack = await isolated.start();

  await waitForFirstPaidOrder(stack, o.products[0], started, async (token) => {
    const r = await postPlaceOrder(stack.routerUrl, token, o.products[0]);
    return { paid: r.outcome === 'success', detail: r.detail };
  });
  return { routerUrl: stack.routerUrl, breaker, contexts: stack.contexts, database: stack.database, token: stack.token };
}

// ---------------------------------------------------------------- load

const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
// The customer is the token's subject: placeOrder takes no customerId.
const placeBody = (productId: string) => JSON.stringify({ query: PLACE, variables: { input: { productId, qty: 1 } } });
const headersFor = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
/** One customer token per user: `<prefix>-0` … `<prefix>-(n-1)` (autocannon's setupClient is synchronous, so signed up front). */
const customerTokens = (stack: Pick<RunningStack, 'token'>, prefix: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => stack.token({ sub: `${prefix}-${i}`, role: 'customer' })));

type Outcome = 'success' | 'failFast' | 'busy' | 'timedOut' | 'unavailable' | 'error';
const OUTCOME_LABEL: Record<Outcome, string> = {
  success: 'PAID (success)',
  failFast: 'PAYMENT_UNAVAILABLE · breaker open, no call made',
  busy: 'PAYMENT_UNAVAILABLE · bulkhead full, no call made',
  timedOut: 'PAYMENT_UNAVAILABLE · payment call timed out',
  unavailable: 'PAYMENT_UNAVAILABLE · other (payment refused)',
  error: 'other error',
};

/** One answer of the router, sorted by what the user experienced. */
function classify(status: number, body: string): { outcome: Outcome; detail: string } {
  if (status !== 200) return { outcome: 'error', detail: `HTTP ${status}` };
  let json: { data?: { placeOrder?: { status?: string } | null }; errors?: Array<{ message: string; extensions?: { code?: string; reason?: string } }> };
  try {
    json = JSON.parse(body);
  } catch {
    return { outcome: 'error', detail: 'not JSON' };
  }
  if (json.data?.placeOrder?.status === 'PAID') return { outcome: 'success', detail: 'PAID' };
  const err = json.errors?.[0];
  if (err?.extensions?.code === 'PAYMENT_UNAVAILABLE') {
    if (/circuit open/.test(err.message)) return { outcome: 'failFast', detail: err.message };
    if (err.extensions?.reason === 'BUSY') return { outcome: 'busy', detail: err.message };
    if (/did not answer in time/.test(err.message)) return { outcome: 'timedOut', detail: err.message };
    return { outcome: 'unavailable', detail: err.message };
  }
  return { outcome: 'error', detail: err ? `${err.extensions?.code ?? 'no code'}: ${err.message}` : `status ${json.data?.placeOrder?.status ?? 'none'}` };
}

async function postPlaceOrder(url: string, token: string, productId: string) {
  const res = await fetch(url, { method: 'POST', headers: headersFor(token), body: placeBody(productId) });
  return classify(res.status, await res.text());
}

interface LoadResult {
  latencies: Record<Outcome, number[]>;
  errorDetails: Map<string, number>;
  /** Requests that got no answer at all (connection errors, autocannon's 10 s timeout). */
  noAnswer: number;
  noAnswerTimeouts: number;
  seconds: number;
  startedAt: number;
  buckets: Array<Record<Outcome, number>>;
}

const BUCKET_S = 5;
const emptyCounts = (): Record<Outcome, number> => ({ success: 0, failFast: 0, busy: 0, timedOut: 0, unavailable: 0, error: 0 });

let runningLoad: AutocannonInstance | undefined;

const WARMUP_USERS = 5;

/**
 * A few users for a few seconds before the measurement, so that it sees warm processes
 * (JIT, query plans, connection pools) rather than their first seconds. Not counted.
 */
async function warmUp(o: Options, stack: Pick<RunningStack, 'routerUrl' | 'token'>): Promise<void> {
  let user = 0;
  const connections = Math.min(WARMUP_USERS, o.users);
  const tokens = await customerTokens(stack, 'warm-up', connections);
  return new Promise((done, fail) => {
    runningLoad = autocannon(
      {
        url: stack.routerUrl,
        connections,
        duration: o.warmup,
        setupClient: (client) => client.setHeadersAndBody(headersFor(tokens[user++ % tokens.length]), placeBody(o.products[0])),
        requests: [{ method: 'POST', path: '/graphql', onResponse: () => undefined }],
      },
      (err) => {
        runningLoad = undefined;
        return err ? fail(err) : done();
      },
    );
  });
}

async function runLoad(o: Options, stack: Pick<RunningStack, 'routerUrl' | 'token'>): Promise<LoadResult> {
  const tokens = await customerTokens(stack, 'load', o.users);
  const latencies: LoadResult['latencies'] = { success: [], failFast: [], busy: [], timedOut: [], unavailable: [], error: [] };
  const errorDetails = new Map<string, number>();
  const buckets: LoadResult['buckets'] = [];
  let pending: Outcome | undefined;
  let user = 0;
  const startedAt = Date.now();

  return new Promise((resolveLoad, rejectLoad) => {
    const instance = autocannon(
      {
        url: stack.routerUrl,
        connections: o.users,
        duration: o.duration,
        ...(o.rate ? { connectionRate: o.rate } : {}),
        // One customer per user, products in turn.
        setupClient: (client) => {
          const n = user++;
          client.setHeadersAndBody(headersFor(tokens[n % tokens.length]), placeBody(o.products[n % o.products.length]));
        },
        requests: [
          {
            method: 'POST',
            path: '/graphql',
            onResponse: (status, body) => {
              const { outcome, detail } = classify(status, body);
              if (outcome === 'error') errorDetails.set(detail, (errorDetails.get(detail) ?? 0) + 1);
              pending = outcome;
            },
          },
        ],
      },
      (err, result) => {
        runningLoad = undefined;
        clearInterval(progress);
        if (err) return rejectLoad(err);
        resolveLoad({
          latencies,
          errorDetails,
          noAnswer: result.errors,
          noAnswerTimeouts: result.timeouts,
          seconds: result.duration,
          startedAt,
          buckets,
        });
      },
    );
    runningLoad = instance;
    // autocannon calls the request's onResponse and then, synchronously, emits 'response'
    // with the response time: `pending` pairs the two.
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      const outcome = pending ?? 'error';
      pending = undefined;
      latencies[outcome].push(responseTime);
      // Answers that arrive just after the end belong to the last bucket.
      const b = Math.min(Math.floor((Date.now() - startedAt) / (BUCKET_S * 1000)), Math.ceil(o.duration / BUCKET_S) - 1);
      while (buckets.length <= b) buckets.push(emptyCounts());
      buckets[b][outcome]++;
    });

    let shown = 0;
    const progress = setInterval(() => {
      const done = buckets.length - 1;
      // Counts only: ordering's breaker lines may still be on their way.
      for (; shown < done; shown++) console.log(`  ${bucketLine(shown, buckets[shown], startedAt)}`);
    }, 1000);
  });
}

// ---------------------------------------------------------------- report

const ms = (v: number) => (Number.isNaN(v) ? '—' : `${Math.round(v)} ms`);
const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(2)} %` : '—');
const pad = (s: string | number, n: number) => String(s).padStart(n);

/** The breaker's state at time t, from its logged transitions. */
function stateAt(events: BreakerEvent[], t: number): BreakerEvent['state'] {
  let state: BreakerEvent['state'] = 'closed';
  for (const e of events) if (e.at <= t) state = e.state;
  return state;
}

/** One bucket of the timeline; with `events`, the breaker's state at its start and its transitions inside it. */
function bucketLine(i: number, b: Record<Outcome, number>, startedAt: number, events?: BreakerEvent[]): string {
  const all = b.success + b.failFast + b.busy + b.timedOut + b.unavailable + b.error;
  const counts =
    `${pad(`${i * BUCKET_S}-${(i + 1) * BUCKET_S} s`, 9)}  PAID ${pad(b.success, 5)}  fail-fast ${pad(b.failFast, 6)}  busy ${pad(b.busy, 6)}  timed out ${pad(b.timedOut, 5)}` +
    `  other ${pad(b.unavailable + b.error, 4)}  availability ${pad(pct(b.success, all), 8)}`;
  if (!events) return counts;
  const from = startedAt + i * BUCKET_S * 1000;
  const inside = events.filter((e) => e.at >= from && e.at < from + BUCKET_S * 1000);
  const opened = inside.filter((e) => e.state === 'open').length;
  const closed = inside.filter((e) => e.state === 'closed').length;
  return `${counts}  breaker: ${stateAt(events, from)}${opened ? `, opened ×${opened}` : ''}${closed ? `, closed ×${closed}` : ''}`;
}

function report(o: Options, stack: RunningStack, r: LoadResult, command: string, machine: string): void {
  const counts = Object.fromEntries(Object.entries(r.latencies).map(([k, v]) => [k, v.length])) as Record<Outcome, number>;
  const answered = Object.values(counts).reduce((a, b) => a + b, 0);
  const all = answered + r.noAnswer;
  const allLatencies = Object.values(r.latencies).flat().sort((a, b) => a - b);
  const during = stack.breaker.filter((e) => e.at >= r.startedAt && e.at <= r.startedAt + r.seconds * 1000 + 1000);
  const n = (s: BreakerEvent['state']) => during.filter((e) => e.state === s).length;
  // Time open (or half-open: still failing fast for all but one call) within the run.
  let openMs = 0;
  let since: number | undefined = stateAt(stack.breaker, r.startedAt) === 'closed' ? undefined : r.startedAt;
  for (const e of during) {
    if (e.state === 'open' && since === undefined) since = e.at;
    if (e.state === 'closed' && since !== undefined) (openMs += e.at - since), (since = undefined);
  }
  if (since !== undefined) openMs += r.startedAt + r.seconds * 1000 - since;

  const line = '─'.repeat(78);
  const out: string[] = [];
  out.push('', line, 'ordergraph breaker experiment — result', line);
  out.push(`command       ${command}`);
  const pace = o.rate ? `at most ${o.rate} order(s)/s each` : 'each ordering again as soon as answered';
  out.push(`load          ${o.users} users (connections) for ${o.duration} s, ${pace}: placeOrder(${o.products.join('/')} ×1)`);
  if (o.warmup > 0) out.push(`              after ${o.warmup} s of warm-up with ${Math.min(WARMUP_USERS, o.users)} users (not counted)`);
  out.push(`payment       latency ${o.latency} ms per approval (PAYMENT_LATENCY_MS)`);
  out.push(
    `breaker       ordering → payment: timeout ${o.timeout} ms, opens at >${o.errorPercent} % failures of ≥${o.volume} calls in 10 s, half-opens after ${o.reset} ms (opossum)`,
  );
  out.push(`stack         ${stack.contexts.length} contexts (${stack.contexts.join(', ')}) + router as processes; ${stack.database}`);
  out.push(`machine       ${machine}`);
  out.push('');
  out.push(`availability  ${pct(counts.success, all)}   (${counts.success} PAID of ${all} requests)`);
  out.push(`throughput    ${(counts.success / r.seconds).toFixed(2)} successful transactions/s · ${(all / r.seconds).toFixed(2)} requests/s in all (${r.seconds.toFixed(1)} s)`);
  out.push('');
  out.push('outcomes      count       share     p50      p90      p99      max');
  const row = (label: string, values: number[], count = values.length) => {
    const s = [...values].sort((a, b) => a - b);
    out.push(
      `  ${label.padEnd(48)}${pad(count, 7)} ${pad(pct(count, all), 9)} ${pad(ms(percentile(s, 50)), 8)} ${pad(ms(percentile(s, 90)), 8)} ${pad(ms(percentile(s, 99)), 8)} ${pad(ms(s[s.length - 1] ?? NaN), 8)}`,
    );
  };
  for (const k of Object.keys(OUTCOME_LABEL) as Outcome[]) row(OUTCOME_LABEL[k], r.latencies[k]);
  out.push(`  ${'no answer (connection error or 10 s timeout)'.padEnd(48)}${pad(r.noAnswer, 7)} ${pad(pct(r.noAnswer, all), 9)}   (${r.noAnswerTimeouts} timeouts)`);
  row('all answers', allLatencies);
  if (r.errorDetails.size) {
    out.push('  other errors:');
    for (const [d, c] of [...r.errorDetails].sort((a, b) => b[1] - a[1]).slice(0, 5)) out.push(`    ${c} × ${d.slice(0, 120)}`);
  }
  out.push('');
  out.push(
    `breaker       opened ${n('open')} ×, half-opened ${n('half-open')} ×, closed ${n('closed')} × · open or half-open for ${(openMs / 1000).toFixed(1)} s of ${r.seconds.toFixed(0)} s (${pct(openMs, r.seconds * 1000)})`,
  );
  // A half-open breaker lets one trial call through: it closes when that call succeeds, else opens again.
  if (n('half-open')) out.push(`  trial calls ${n('closed')} of ${n('half-open')} half-open trials succeeded and closed the breaker; the others failed and re-opened it`);
  if (during.length) {
    const shown = during.slice(0, 24).map((e) => `${((e.at - r.startedAt) / 1000).toFixed(1)}s ${e.state}`);
    out.push(`  transitions ${shown.join(' → ')}${during.length > 24 ? ` → … (${during.length - 24} more)` : ''}`);
  }
  out.push('');
  out.push(`timeline (${BUCKET_S} s buckets)`);
  r.buckets.forEach((b, i) => out.push(`  ${bucketLine(i, b, r.startedAt, stack.breaker)}`));
  out.push(line);
  console.log(out.join('\n'));
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseOptions(argv);
  const command = `npm run experiment:breaker -- --users ${o.users} --duration ${o.duration} --warmup ${o.warmup} --latency ${o.latency} --timeout ${o.timeout} --error-percent ${o.errorPercent} --volume ${o.volume} --reset ${o.reset}${o.rate ? ` --rate ${o.rate}` : ''}${o.products.join(',') !== 'cake' ? ` --products ${o.products.join(',')}` : ''}`;
  const machine = `${machineLine()}; load generator on the same machine`;

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      console.error('\n✖ stopping at once');
      process.exit(130);
    }
    interrupted = true;
    console.error(`\n▸ ${signal}: stopping the load and every process, removing the temporary data…`);
    runningLoad?.stop();
    void stopEverything().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  console.log(`ordergraph breaker experiment — ${o.users} users × ${o.duration} s, payment latency ${o.latency} ms, timeout ${o.timeout} ms\n`);
  try {
    const stack = await startIsolatedStack(o);
    if (interrupted) return;
    if (o.warmup > 0) {
      say(`warm-up: ${Math.min(WARMUP_USERS, o.users)} users for ${o.warmup} s (not counted)`);
      await warmUp(o, stack);
      if (interrupted) return;
    }
    say(`load: ${o.users} users for ${o.duration} s → ${stack.routerUrl} (progress every ${BUCKET_S} s)`);
    const result = await runLoad(o, stack);
    if (interrupted) return;
    // One more order with a marked customer: ordering logs it, and its log is written in
    // order, so once the marker arrives every breaker line of the run has arrived too.
    // An order refused before it is recorded (breaker open, bulkhead still full of the load's
    // last calls) logs nothing: such a refusal is retried until the order is recorded.
    orderingLog.marker = `drain-${randomBytes(4).toString('hex')}`;
    const markerToken = await stack.token({ sub: orderingLog.marker, role: 'customer' });
    const drainUntil = Date.now() + 60_000;
    let recorded = false;
    while (!orderingLog.markerSeen && Date.now() < drainUntil) {
      if (!recorded) {
        const r = await postPlaceOrder(stack.routerUrl, markerToken, o.products[0]).catch(() => undefined);
        recorded = r !== undefined && r.outcome !== 'failFast' && r.outcome !== 'busy';
      }
      await new Promise((r) => setTimeout(r, recorded ? 200 : 500));
    }
    if (!orderingLog.markerSeen) say("ordering's log did not catch up within 60 s: the breaker counts below may miss its last transitions");
    if (o.verbose) say(`ordering's breaker lines arrived up to ${orderingLog.maxLagMs} ms after they were written`);
    report(o, stack, result, command, machine);
    say('stopping every process and removing the temporary data…');
    await stopEverything();
    say('done.');
  } catch (e) {
    if (interrupted) return;
    console.error(`✖ ${(e as Error).message}`);
    await stopEverything();
    process.exitCode = 1;
  }
}

void main();
