// Scratch driver (perf-events): an isolated stack with the CPU-profile preload in every context,
// N placeOrder calls at C concurrent clients, wait until every durable consumer drained,
// then CPU seconds per process and one .cpuprofile per context covering the load only.
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { IsolatedStack, cpuSeconds, say, waitForFirstPaidOrder, ROOT } from './lib/isolated-stack';

const N = Number(process.env.ORDERS ?? 300);
const C = Number(process.env.CLIENTS ?? 10);
const OUT = process.env.OUT ?? '/tmp/perf-events/prof';
const PRODUCTS = ['cake', 'pepperoniPizza', 'book-10', 'donut'];
const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';

async function main() {
  const stack = new IsolatedStack({
    label: 'profile',
    databaseUrl: process.env.PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    fromBuild: true,
    // A busy machine's payment calls may exceed the production 610 ms: time-outs would leave few paid orders to divide by.
    contextEnv: (name) => ({ NODE_OPTIONS: `--require ${join(ROOT, 'scripts/lib/cpu-profile.cjs')}`, CPU_PROFILE_DIR: OUT, ...(name === 'ordering' ? { PAYMENT_TIMEOUT_MS: process.env.PAYMENT_TIMEOUT_MS ?? '5000' } : {}) }),
  });
  process.on('SIGINT', () => void stack.stop().then(() => process.exit(130)));
  try {
    const s = await stack.start();
    const post = async (token: string, productId: string) => {
      const r = await fetch(s.routerUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: PLACE, variables: { input: { productId, qty: 1 } } }) });
      const j = (await r.json()) as any;
      return j.data?.placeOrder?.status === 'PAID' ? 'PAID' : (j.errors?.[0]?.extensions?.code ?? 'other');
    };
    await waitForFirstPaidOrder(s, 'cake', Date.now(), async (t) => ({ paid: (await post(t, 'cake')) === 'PAID', detail: '' }));
    const nc = await connect({ servers: s.natsUrl });
    const jsm = await jetstreamManager(nc);
    const drained = async () => {
      for await (const st of jsm.streams.list()) for await (const ci of jsm.consumers.list(st.config.name)) if (ci.num_pending + ci.num_ack_pending > 0) return false;
      return true;
    };
    while (!(await drained())) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500));
    const pids = s.pids();
    for (const c of s.contexts) process.kill(pids[c], 'SIGUSR2'); // drop the start-up profile
    const tokens = await Promise.all(Array.from({ length: C }, (_, i) => s.token({ sub: `p-${i}`, role: 'customer' })));
    const cpu0 = cpuSeconds(pids);
    const t0 = Date.now();
    let next = 0;
    const codes: Record<string, number> = {};
    await Promise.all(
      tokens.map(async (t) => {
        while (next < N) {
          const i = next++;
          const code = await post(t, PRODUCTS[i % PRODUCTS.length]).catch(() => 'fetch');
          codes[code] = (codes[code] ?? 0) + 1;
        }
      }),
    );
    const tLoad = Date.now() - t0;
    while (!(await drained())) await new Promise((r) => setTimeout(r, 100));
    const tDrain = Date.now() - t0 - tLoad;
    await new Promise((r) => setTimeout(r, 1500)); // the last commits' relays and timers
    const cpu1 = cpuSeconds(pids);
    for (const c of s.contexts) process.kill(pids[c], 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 1500));
    await nc.close();
    const paid = codes.PAID ?? 0;
    say(`${N} orders at ${C} clients: ${JSON.stringify(codes)}; load ${tLoad} ms, drain after ${tDrain} ms`);
    let total = 0;
    for (const [name, v] of Object.entries(cpu1).sort((a, b) => b[1] - (cpu0[b[0]] ?? 0) - (a[1] - (cpu0[a[0]] ?? 0)))) {
      const ms = ((v - (cpu0[name] ?? 0)) * 1000) / Math.max(1, paid);
      total += ms;
      console.log(`  ${name.padEnd(14)} ${ms.toFixed(1).padStart(6)} ms CPU / paid order`);
    }
    console.log(`  ${'total'.padEnd(14)} ${total.toFixed(1).padStart(6)} ms (without PostgreSQL, shared server)`);
  } finally {
    await stack.stop();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
