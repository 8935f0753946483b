// placeOrder's synchronous path (router → ordering → payment), for issue 13: CPU ms per PAID
// order of the router, ordering, payment and PostgreSQL, orders/s, latency and errors at 10 and
// 50 closed-loop clients, on an isolated stack run from this checkout's dist/ (scripts/lib/bench).
//
//   node scripts/build.mjs && node dist/scripts/bench-sync-path.js --database-url postgres://postgres@127.0.0.1:5432/postgres [--seconds 15] [--rounds 2]
//
// For a before/after comparison run it from two checkouts alternately (A B A B) on one
// machine and compare CPU per order, not wall times (a shared machine's load varies).
import { parseArgs } from 'node:util';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect as natsConnect } from '@nats-io/transport-node';
import { CpuMeter } from './lib/bench/cpu';
import { PLACE_ORDER, placeOrders } from './lib/bench/orders';
import { IsolatedStack, machineLine, say, waitForFirstPaidOrder } from './lib/isolated-stack';

const PRODUCT = 'donut';
const SHOWN = ['router', 'ordering', 'payment', 'postgres'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'database-url': { type: 'string' }, seconds: { type: 'string', default: '15' }, rounds: { type: 'string', default: '2' }, label: { type: 'string', default: 'sync' } },
  });
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('--database-url (or DATABASE_URL) is required: a PostgreSQL server for throwaway databases');
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  console.log(`bench-sync-path (${values.label}): ${machineLine()}`);
  const isolated = new IsolatedStack({ label: 'syncpath', databaseUrl, fromBuild: true, startTimeoutMs: 180_000 });
  let nc: NatsConnection | undefined;
  try {
    const stack = await isolated.start();
    const meter = new CpuMeter(() => stack.pids(), { kind: 'backends', adminUrl: databaseUrl, databases: Object.values(stack.databaseUrls).map((u) => new URL(u).pathname.slice(1)) });
    const conn = (nc = await natsConnect({ servers: stack.natsUrl, name: 'bench-sync-path' }));
    await waitForFirstPaidOrder(stack, PRODUCT, Date.now(), async (token) => {
      const a = await fetch(stack.routerUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: PLACE_ORDER, variables: { input: { productId: PRODUCT, qty: 1 } } }),
      }).then((res) => res.json() as Promise<{ data?: { placeOrder?: { status: string } } }>);
      return { paid: a.data?.placeOrder?.status === 'PAID', detail: JSON.stringify(a).slice(0, 160) };
    });
    const run = Date.now().toString(36);
    await placeOrders(stack, conn, meter, { label: 'warm', concurrency: 10, seconds: 3, productId: PRODUCT, drainLimitS: 20, run });
    for (let round = 1; round <= rounds; round++) {
      for (const concurrency of [10, 50]) {
        const p = await placeOrders(stack, conn, meter, { label: `c${concurrency}r${round}`, concurrency, seconds, productId: PRODUCT, drainLimitS: 30, run });
        const perOrder = (name: string) => (p.placed ? ((p.cpu[name] ?? NaN) * 1000) / p.placed : NaN).toFixed(2);
        const errors = [...p.errors].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
        console.log(
          `RESULT ${values.label} round ${round} clients ${concurrency}: ${p.placed} PAID, ${p.ordersPerSecond.toFixed(1)}/s, p50 ${p.p50Ms.toFixed(0)} ms, p99 ${p.p99Ms.toFixed(0)} ms, errors ${errors}; ` +
            `CPU ms/order ${SHOWN.map((n) => `${n} ${perOrder(n)}`).join(', ')}`,
        );
      }
    }
  } finally {
    await nc?.close().catch(() => undefined);
    await isolated.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    say(`failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
