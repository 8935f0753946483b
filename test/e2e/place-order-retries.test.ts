// placeOrder a client can retry (issue 10, points 1, 2, 5; issue 11's wrong PAYMENT_URL), against
// real nats-server, PostgreSQL, payment and the router. Ordering reaches payment through a
// small HTTP proxy the test controls (forward, forward slowly, or fail), so a charge can be
// kept in flight while the router is SIGKILLed, and the breaker can be driven to half-open.
import { built, spawnChild } from '../support/children';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import pg from 'pg';
import { CONTEXTS as REGISTRY } from '../../subgraphs/registry';
import { as } from '../support/auth';
import { freePort, waitFor } from '../support/ports';
import { startStack, subgraphGql, type Stack } from '../support/stack';

/** How the proxy in front of payment behaves: forward after `delayMs`, or answer 500 at once. */
let proxyMode: { kind: 'forward'; delayMs: number } | { kind: 'fail' } = { kind: 'forward', delayMs: 0 };
/** Approve calls (POST /internal/payments) that reached the proxy. */
let approvesSeen = 0;
let proxy: Server;
let stack: Stack;

beforeAll(async () => {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'POST' && req.url === '/internal/payments') approvesSeen++;
      const mode = proxyMode;
      if (mode.kind === 'fail') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      await new Promise((r) => setTimeout(r, mode.delayMs));
      try {
        const upstream = await fetch(`http://127.0.0.1:${stack.ports.payment}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>,
          body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
        });
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  stack = await startStack({
    contexts: ['catalog', 'payment', 'ordering'],
    env: {
      PAYMENT_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      // Generous: a loaded machine must not turn the slowed (1.5 s) charges into timeouts.
      PAYMENT_TIMEOUT_MS: '10000',
      PAYMENT_BREAKER_RESET_MS: '1500',
      PAYMENT_BREAKER_VOLUME: '3',
      PAYMENT_MAX_CONCURRENT: '20',
      IDEMPOTENCY_WAIT_MS: '6000',
    },
  });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
}, 60_000);
afterAll(async () => {
  await stack?.close();
  proxy?.closeAllConnections();
  await new Promise((r) => proxy?.close(r));
});
beforeEach(() => {
  proxyMode = { kind: 'forward', delayMs: 0 };
});

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const donuts = (qty = 2) => ({ input: { productId: 'donut', qty } });
const ordering = () => stack.services.ordering!.db;

async function paymentsFor(orderIds: string[]): Promise<Array<{ orderId: string; status: string }>> {
  const c = new pg.Client({ connectionString: stack.dbs.url('payment') });
  await c.connect();
  try {
    return (await c.query('SELECT "orderId", "status" FROM "Payment" WHERE "orderId" = ANY($1)', [orderIds])).rows;
  } finally {
    await c.end();
  }
}

/** Every order of a customer, with its payments and OrderPlaced events. */
async function effectsOf(customerId: string) {
  const orders = await ordering().order.findMany({ where: { customerId } });
  const ids = orders.map((o: { id: string }) => o.id);
  const placed = await ordering().outboxEvent.count({ where: { correlationId: { in: ids }, subject: 'ordering.order-placed.v1' } });
  return { orders, payments: await paymentsFor(ids), placed };
}

describe('Idempotency-Key on placeOrder', () => {
  test('a retry with the same key answers the same order, with its status now, and charges nothing more', async () => {
    const c = stack.customer('c-retry');
    const first = await c.gql(PLACE, donuts(), { 'Idempotency-Key': 'retry-1' });
    expect(first.errors).toBeUndefined();
    expect(first.data.placeOrder.status).toBe('PAID');
    const again = await c.gql(PLACE, donuts(), { 'Idempotency-Key': 'retry-1' });
    expect(again).toEqual(first);
    const effects = await effectsOf('c-retry');
    expect(effects.orders).toHaveLength(1);
    expect(effects.payments).toHaveLength(1);
    expect(effects.placed).toBe(1);
    // The same key from another customer is another key.
    const other = await stack.customer('c-retry-other').gql(PLACE, donuts(), { 'Idempotency-Key': 'retry-1' });
    expect(other.data.placeOrder.id).not.toBe(first.data.placeOrder.id);
  });

  test('the same key with another input → IDEMPOTENCY_KEY_REUSED, nothing written', async () => {
    const c = stack.customer('c-reuse');
    const first = await c.gql(PLACE, donuts(2), { 'Idempotency-Key': 'reuse-1' });
    expect(first.data.placeOrder.status).toBe('PAID');
    const other = await c.gql(PLACE, donuts(3), { 'Idempotency-Key': 'reuse-1' });
    expect(other.data?.placeOrder ?? null).toBeNull();
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' });
    expect(await ordering().order.count({ where: { customerId: 'c-reuse' } })).toBe(1);
  });

  test('without a key, two identical requests are two orders (as before)', async () => {
    const c = stack.customer('c-nokey');
    const [a, b] = [await c.gql(PLACE, donuts()), await c.gql(PLACE, donuts())];
    expect(a.data.placeOrder.id).not.toBe(b.data.placeOrder.id);
    expect(await ordering().order.count({ where: { customerId: 'c-nokey' } })).toBe(2);
  });

  test.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['not printable ASCII', 'schlüssel'],
  ])('an invalid key (%s) → BAD_USER_INPUT on field Idempotency-Key, nothing written', async (_, key) => {
    const c = stack.customer('c-badkey');
    // undici refuses to send some header values itself; those never reach us, so send raw bytes where needed.
    const res = await c.gql(PLACE, donuts(), { 'Idempotency-Key': Buffer.from(key, 'utf8').toString('latin1') });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'Idempotency-Key' });
    expect(await ordering().order.count({ where: { customerId: 'c-badkey' } })).toBe(0);
  });

  test('ten concurrent placeOrders with one key → one order, one charge, one event; all ten answer it', async () => {
    proxyMode = { kind: 'forward', delayMs: 300 };
    const c = stack.customer('c-burst');
    const answers = await Promise.all(Array.from({ length: 10 }, () => c.gql(PLACE, donuts(), { 'Idempotency-Key': 'burst-1' })));
    for (const a of answers) expect(a.errors).toBeUndefined();
    const ids = new Set(answers.map((a) => a.data.placeOrder.id));
    expect(ids.size).toBe(1);
    expect(answers.map((a) => a.data.placeOrder.status)).toEqual(Array(10).fill('PAID'));
    const effects = await effectsOf('c-burst');
    expect(effects.orders).toHaveLength(1);
    expect(effects.payments).toEqual([{ orderId: [...ids][0], status: 'APPROVED' }]);
    expect(effects.placed).toBe(1);
  });

  test('the router SIGKILLed while placeOrder is charging; a new router, a retry with the same key → one order, one charge', async () => {
    const port = await freePort();
    const startRouterProcess = async () => {
      const child = spawnChild(process.execPath, [built('router/main.ts')], {
        env: stack.routerEnv(port),
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      // Ready, not only live: a live router may still be loading the supergraph or connecting to NATS.
      await waitFor(() => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok), 'router process to be ready', 60_000, 200);
      return child;
    };
    const token = await stack.keys.token(as.customer('c-crash'));
    const send = () =>
      fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'Idempotency-Key': 'crash-1' },
        body: JSON.stringify({ query: PLACE, variables: donuts() }),
      }).then((r) => r.json() as Promise<{ data?: any; errors?: any[] }>);

    const routerA = await startRouterProcess();
    proxyMode = { kind: 'forward', delayMs: 1500 };
    const seen = approvesSeen;
    let early: unknown;
    const lost = send()
      .then((answer) => (early = answer))
      .catch((e: Error) => e);
    await waitFor(() => {
      // An answer before the charge reached payment would make the rest meaningless: say what it was.
      if (early) throw new Error(`placeOrder answered before its charge reached payment: ${JSON.stringify(early)}`);
      return approvesSeen > seen;
    }, 'the charge to be in flight');
    const exited = new Promise((r) => routerA.once('exit', r));
    routerA.kill('SIGKILL');
    await exited;
    // The client saw its request die with the router: no answer, no order id.
    expect(String(await lost)).toMatch(/fetch failed/);

    const routerB = await startRouterProcess();
    try {
      const retry = await send();
      expect(retry.errors).toBeUndefined();
      expect(retry.data.placeOrder.status).toBe('PAID');
      const effects = await effectsOf('c-crash');
      expect(effects.orders.map((o: { id: string }) => o.id)).toEqual([retry.data.placeOrder.id]);
      expect(effects.payments).toEqual([{ orderId: retry.data.placeOrder.id, status: 'APPROVED' }]);
      expect(effects.placed).toBe(1);
    } finally {
      const gone = new Promise((r) => routerB.once('exit', r));
      routerB.kill('SIGKILL');
      await gone;
    }
  }, 180_000);
});

describe('no error without a handle', () => {
  test('the database fails after payment approved → ORDER_OUTCOME_PENDING with orderId; recovery makes the order PAID', async () => {
    // A real fault in the real database: marking this customer's orders PAID fails.
    const c = new pg.Client({ connectionString: stack.dbs.url('ordering') });
    await c.connect();
    try {
      await c.query(`CREATE FUNCTION og_test_refuse_paid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
      await c.query(`CREATE TRIGGER og_test_refuse_paid BEFORE UPDATE ON "Order" FOR EACH ROW
        WHEN (NEW."customerId" = 'c-dbfail' AND NEW."status" = 'PAID') EXECUTE FUNCTION og_test_refuse_paid()`);
      const res = await stack.customer('c-dbfail').gql(PLACE, donuts(), { 'Idempotency-Key': 'dbfail-1' });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'ORDER_OUTCOME_PENDING', orderId: expect.any(String), status: 'PENDING' });
      expect(JSON.stringify(res.errors)).not.toMatch(/injected fault|prisma|\.ts:/i);
      const orderId = res.errors![0].extensions!.orderId as string;
      expect(await paymentsFor([orderId])).toEqual([{ orderId, status: 'APPROVED' }]);

      await c.query('DROP TRIGGER og_test_refuse_paid ON "Order"');
      // Recovery settles it from payment's record: age this order past the stale limit and run one round now.
      await c.query(`UPDATE "Order" SET "createdAt" = now() - interval '1 hour' WHERE id = $1`, [orderId]);
      const { recoverOrders } = await import('../../subgraphs/ordering/orders');
      const running = stack.services.ordering!;
      await recoverOrders({ db: running.db, payments: paymentClientOf(), relay: running.relay, log: silentLog() } as never, 30 * 60_000);
      expect(await ordering().order.findUnique({ where: { id: orderId } })).toMatchObject({ status: 'PAID' });
      // And the key now answers the paid order.
      const retry = await stack.customer('c-dbfail').gql(PLACE, donuts(), { 'Idempotency-Key': 'dbfail-1' });
      expect(retry.data.placeOrder).toEqual({ id: orderId, status: 'PAID' });
    } finally {
      await c.query('DROP TRIGGER IF EXISTS og_test_refuse_paid ON "Order"');
      await c.end();
    }
  });
});

/** A payment client straight to payment (not through the proxy), for a recovery round run by the test. */
function paymentClientOf() {
  const { PaymentClient } = require('../../subgraphs/ordering/payment-client') as typeof import('../../subgraphs/ordering/payment-client');
  const { DEV_INTERNAL_TOKEN } = require('../../platform/config') as typeof import('../../platform/config');
  return new PaymentClient(
    { baseUrl: `http://127.0.0.1:${stack.ports.payment}`, token: DEV_INTERNAL_TOKEN, timeoutMs: 2000, resetMs: 1000, errorThresholdPercentage: 50, volumeThreshold: 5, maxConcurrent: 5 },
    silentLog(),
  );
}
const silentLog = () => (require('../../platform/logger') as typeof import('../../platform/logger')).createLogger('test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });

describe('a wrong PAYMENT_URL', () => {
  test.each([
    ['connection refused', async () => `http://127.0.0.1:${await freePort()}`],
    ['unresolvable host', async () => 'http://payment.invalid:4003'],
  ])('%s → PAYMENT_UNAVAILABLE (reason UNREACHABLE) at once, no order row', async (_, paymentUrl) => {
    const port = await freePort();
    // A second ordering replica configured with the wrong URL, long timeouts: only "unreachable" answers fast.
    const wrong = await REGISTRY.ordering.start({ ...stack.envFor('ordering'), PORT: String(port), PAYMENT_URL: await paymentUrl(), PAYMENT_TIMEOUT_MS: '20000' });
    try {
      const before = await ordering().order.count();
      const res = await subgraphGql(wrong.url, PLACE, donuts(), { actor: as.customer('c-wrong-url') });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', reason: 'UNREACHABLE' });
      expect(res.errors?.[0].extensions?.orderId).toBeUndefined();
      expect(await ordering().order.count()).toBe(before);
    } finally {
      await wrong.stop();
    }
  }, 30_000);
});

describe('the breaker refuses before writing, in every state', () => {
  test('half-open: of ten concurrent orders one is the trial call; the nine refused are not written (CIRCUIT_OPEN)', async () => {
    // Open the breaker: payment fails (500) until it opens. At least three calls (the volume
    // threshold); more when earlier tests left successes in the breaker's rolling window.
    proxyMode = { kind: 'fail' };
    let open: Awaited<ReturnType<ReturnType<Stack['customer']>['gql']>> | undefined;
    for (let i = 0; i < 30 && open?.errors?.[0].extensions?.reason !== 'CIRCUIT_OPEN'; i++) open = await stack.customer(`c-open-${i}`).gql(PLACE, donuts());
    expect(open!.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', reason: 'CIRCUIT_OPEN' });

    // Half-open after the reset time; the trial call is slow, so the other nine arrive while it is in flight.
    proxyMode = { kind: 'forward', delayMs: 800 };
    await new Promise((r) => setTimeout(r, 1700));
    const before = await ordering().order.count();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.customer(`c-half-${i}`).gql(PLACE, donuts())));
    const paid = answers.filter((a) => a.data?.placeOrder?.status === 'PAID');
    const refused = answers.filter((a) => a.errors?.[0].extensions?.reason === 'CIRCUIT_OPEN');
    expect(paid).toHaveLength(1);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(r.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_UNAVAILABLE' });
    for (const r of refused) expect(r.errors?.[0].extensions?.orderId).toBeUndefined();
    expect(await ordering().order.count()).toBe(before + 1);
  }, 30_000);
});
