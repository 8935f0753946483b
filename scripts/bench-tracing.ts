// What tracing costs, and one order's trace across real processes, in one command:
//   npm run bench:tracing -- --orders 100        (the default)
// For each mode it starts its own isolated ordergraph (scripts/lib/isolated-stack.ts: own
// nats-server, throwaway databases, every context and the router as processes), places N
// orders one after the other through the router and times each placeOrder, and reads the
// CPU time every process used meanwhile:
//   off   no OTEL_* variable: the default (request ids in the logs, no tracer installed)
//   none  OTEL_TRACES_EXPORTER=none: spans made, ids in the logs, nothing exported
//   otlp  OTEL_EXPORTER_OTLP_ENDPOINT: spans exported over OTLP/HTTP to a collector stand-in
//         in this process, which then shows the last order's trace: which services' spans
//         it holds (one trace from the router to every consumer, across processes).
// The modes run one after the other on a shared machine: compare them within one run.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cpuSeconds, IsolatedStack, machineLine, percentile, say, waitForFirstPaidOrder } from './lib/isolated-stack';

const USAGE = `usage: npm run bench:tracing -- [--orders N] [--modes off,none,otlp] [--database-url URL]`;
const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
const CONSUMERS = ['delivery', 'mypage', 'notification'];

type Mode = 'off' | 'none' | 'otlp';
interface Result {
  mode: Mode;
  orders: number;
  failed: number;
  p50: number;
  p95: number;
  cpuPerOrderMs: number;
}

/** OTLP/HTTP JSON, as much of it as is read here. */
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: Array<{ traceId: string; name: string; attributes?: Array<{ key: string; value: { stringValue?: string } }> }> }>;
  }>;
}
interface SeenSpan {
  service: string;
  traceId: string;
  name: string;
  orderId?: string;
}

/** A collector stand-in: takes OTLP/HTTP JSON on /v1/traces and keeps every span. */
function startCollector(spans: SeenSpan[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              spans.push({ service, traceId: s.traceId, name: s.name, orderId: s.attributes?.find((a) => a.key === 'ordergraph.order_id')?.value.stringValue });
        }
      } catch {
        // not JSON (protobuf): not what the platform sends
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function place(url: string, token: string): Promise<{ ms: number; id?: string; error?: string }> {
  const t = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: PLACE, variables: { input: { productId: 'cake', qty: 1 } } }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { data?: { placeOrder?: { id: string; status: string } }; errors?: Array<{ extensions?: { code?: string } }> };
  const ms = performance.now() - t;
  const order = body.data?.placeOrder;
  return order?.status === 'PAID' ? { ms, id: order.id } : { ms, error: body.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}` };
}

async function runMode(mode: Mode, orders: number, databaseUrl: string | undefined, collectorUrl: string, spans: SeenSpan[]): Promise<Result> {
  const otel: NodeJS.ProcessEnv =
    mode === 'off' ? {} : mode === 'none' ? { OTEL_TRACES_EXPORTER: 'none' } : { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_BSP_SCHEDULE_DELAY: '500' };
  say(`mode ${mode}: starting an isolated stack ${JSON.stringify(otel)}`);
  const started = Date.now();
  const isolated = new IsolatedStack({
    label: `trace-${mode}`,
    databaseUrl,
    // Payment is not what is measured: a busy machine must not turn orders into PAYMENT_UNAVAILABLE.
    contextEnv: (name) => ({ ...otel, ...(name === 'ordering' ? { PAYMENT_TIMEOUT_MS: '10000', PAYMENT_MAX_CONCURRENT: '200' } : {}) }),
    routerEnv: otel,
  });
  try {
    const stack = await isolated.start();
    await waitForFirstPaidOrder(stack, 'cake', started, async (token) => {
      const r = await place(stack.routerUrl, token);
      return { paid: r.id !== undefined, detail: r.error ?? '' };
    });
    const token = await stack.token({ sub: `bench-trace-${mode}`, role: 'customer' });
    const pids = stack.pids();
    const cpu0 = cpuSeconds(pids);
    const times: number[] = [];
    let failed = 0;
    let lastId: string | undefined;
    for (let i = 0; i < orders; i++) {
      const r = await place(stack.routerUrl, token);
      if (r.id) {
        times.push(r.ms);
        lastId = r.id;
      } else failed++;
    }
    const cpu1 = cpuSeconds(pids);
    const cpu = Object.keys(cpu1).reduce((sum, k) => sum + (cpu1[k] - (cpu0[k] ?? cpu1[k])), 0);
    times.sort((a, b) => a - b);
    if (mode === 'otlp' && lastId) await showTrace(lastId, spans);
    return { mode, orders, failed, p50: percentile(times, 50), p95: percentile(times, 95), cpuPerOrderMs: (cpu * 1000) / Math.max(1, times.length) };
  } finally {
    await isolated.stop();
  }
}

/** Waits until the last order's trace holds every consumer's handling, then prints it by service. */
async function showTrace(orderId: string, spans: SeenSpan[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const traceId = spans.find((s) => s.orderId === orderId)?.traceId;
    const mine = traceId ? spans.filter((s) => s.traceId === traceId) : [];
    const consumed = CONSUMERS.every((c) => mine.some((s) => s.service === `ordergraph-${c}` && s.name.startsWith('process ordering.order-placed')));
    if (consumed || Date.now() > deadline) {
      console.log(`\nThe last order (${orderId}): trace ${traceId ?? '(not found)'}${consumed ? '' : ' — INCOMPLETE after 30 s'}`);
      const byService = new Map<string, string[]>();
      for (const s of mine) byService.set(s.service, [...(byService.get(s.service) ?? []), s.name]);
      for (const [service, names] of [...byService].sort()) console.log(`  ${service.padEnd(24)} ${names.length} spans: ${[...new Set(names)].join(', ')}`);
      console.log('');
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { orders: { type: 'string', default: '100' }, modes: { type: 'string', default: 'off,none,otlp' }, 'database-url': { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return void console.log(USAGE);
  const orders = Number(values.orders);
  const modes = values.modes.split(',').map((m) => m.trim()) as Mode[];
  if (!Number.isInteger(orders) || orders < 1 || modes.some((m) => !['off', 'none', 'otlp'].includes(m))) throw new Error(USAGE);
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  const command = `npm run bench:tracing -- --orders ${orders} --modes ${modes.join(',')}${databaseUrl ? ' --database-url …' : ''}`;
  const machine = machineLine();
  const spans: SeenSpan[] = [];
  const collector = await startCollector(spans);
  const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const results: Result[] = [];
  try {
    for (const mode of modes) results.push(await runMode(mode, orders, databaseUrl, collectorUrl, spans));
  } finally {
    collector.close();
  }
  const base = results.find((r) => r.mode === 'off');
  console.log(`command: ${command}\nmachine: ${machine}\n`);
  console.log('| mode | orders PAID | failed | placeOrder p50 ms | p95 ms | CPU ms per order (all processes) | p50 vs off | CPU vs off |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const ratio = (a: number, b?: number) => (b ? `${(a / b).toFixed(2)}×` : '—');
    console.log(
      `| ${r.mode} | ${r.orders - r.failed} | ${r.failed} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.cpuPerOrderMs.toFixed(1)} | ${ratio(r.p50, base?.p50)} | ${ratio(r.cpuPerOrderMs, base?.cpuPerOrderMs)} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:tracing failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
