// Payment stopped (a real process, killed): placeOrder answers PAYMENT_UNAVAILABLE, nothing
// is left PAID, no payment exists without its order, no event is published; when payment
// is back, orders succeed again.
import { CONTEXTS, startStack, type SpawnedService, type Stack } from '../support/stack';
import { waitFor } from '../support/ports';

let stack: Stack;
let payment: SpawnedService;

beforeAll(async () => {
  stack = await startStack({
    contexts: CONTEXTS.filter((c) => c !== 'payment'),
    // A short reset so the test sees the breaker half-open and close again.
    // Recovery settles uncertain charges within seconds (the last test waits for it).
    // A generous payment timeout: a loaded machine must not turn a slow charge into a failure here.
    env: { PAYMENT_BREAKER_RESET_MS: '1000', PAYMENT_BREAKER_VOLUME: '3', PAYMENT_TIMEOUT_MS: '5000', RECOVERY_INTERVAL_MS: '1000', RECOVERY_STALE_MS: '10000' },
  });
  payment = await stack.spawn('payment');
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
});
afterAll(() => stack?.close());

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
/** placeOrder as the customer `customerId` (signed in: the order is theirs). */
const place = (customerId: string) => stack.customer(customerId).gql(PLACE, { input: { productId: 'donut', qty: 5 } });

async function paymentRows(): Promise<Array<{ orderId: string; status: string }>> {
  const pg = await import('pg');
  const c = new pg.default.Client({ connectionString: stack.dbs.url('payment') });
  await c.connect();
  try {
    return (await c.query('SELECT "orderId", "status" FROM "Payment"')).rows;
  } finally {
    await c.end();
  }
}

test('payment down → PAYMENT_UNAVAILABLE, nothing left behind; payment back → orders succeed', async () => {
  const ok = await place('c-before');
  expect(ok.data?.placeOrder.status).toBe('PAID');

  await payment.stop('SIGKILL');

  const ordering = stack.services.ordering!.db;
  const outboxBefore = await ordering.outboxEvent.count();
  const refused = await place('c-down');
  expect(refused.data?.placeOrder ?? null).toBeNull();
  // Connection refused: payment never saw the order, so none is left (no orderId to give), and no event.
  expect(refused.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', reason: 'UNREACHABLE' });
  expect(refused.errors?.[0].extensions?.orderId).toBeUndefined();
  expect(await ordering.order.count({ where: { customerId: 'c-down' } })).toBe(0);
  expect(await ordering.outboxEvent.count()).toBe(outboxBefore);

  payment = await stack.spawn('payment');
  const back = await waitFor(async () => {
    const r = await place('c-after');
    return r.data?.placeOrder?.status === 'PAID' ? r.data.placeOrder : null;
  }, 'orders to succeed again once payment is back');
  expect(back.status).toBe('PAID');

  // Downstream only ever heard of paid orders.
  await waitFor(async () => (await stack.services.mypage!.db.orderView.count()) === 2, 'mypage to see the two paid orders');

  // No payment exists without its (paid) order. On a loaded machine a retry above may have timed
  // out at ordering after payment approved it: that charge is voided by recovery, so this holds
  // once recovery has settled (RECOVERY_STALE_MS is short here), not necessarily at once.
  const settled = async () => {
    const paid = (await ordering.order.findMany({ where: { status: 'PAID' }, select: { id: true } })).map((o: { id: string }) => o.id).sort();
    const approved = (await paymentRows()).filter((p) => p.status === 'APPROVED').map((p) => p.orderId).sort();
    return { paid, approved };
  };
  const final = await waitFor(async () => {
    const s = await settled();
    return JSON.stringify(s.paid) === JSON.stringify(s.approved) ? s : null;
  }, 'every approved payment to belong to a PAID order', 60_000);
  expect(final.paid).toHaveLength(2);
  expect(final.approved).toEqual(final.paid);
});

test('the breaker opens after repeated failures, fails fast, then half-opens and closes when payment is back', async () => {
  await payment.stop('SIGKILL');
  // Failures until the breaker opens (its volume is 3; fewer new ones when the earlier test's
  // failures are still in its rolling window). Every answer is PAYMENT_UNAVAILABLE; payment is
  // down (connection refused), so none writes an order, and the open breaker refuses before
  // anything is written.
  const ordersBefore = await stack.services.ordering!.db.order.count();
  const answers: Array<Awaited<ReturnType<typeof place>>> = [];
  do answers.push(await place(`c-breaker-${answers.length}`));
  while (answers.length < 30 && answers.at(-1)!.errors?.[0].extensions?.reason !== 'CIRCUIT_OPEN');
  expect(new Set(answers.map((a) => a.errors?.[0].extensions?.code))).toEqual(new Set(['PAYMENT_UNAVAILABLE']));
  const open = answers.at(-1)!;
  expect(open.errors?.[0].message).toMatch(/circuit open/);
  expect(open.errors?.[0].extensions).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', reason: 'CIRCUIT_OPEN' });
  expect(await stack.services.ordering!.db.order.count()).toBe(ordersBefore);

  payment = await stack.spawn('payment');
  const recovered = await waitFor(async () => {
    const r = await place('c-closed');
    return r.data?.placeOrder?.status === 'PAID' ? r.data.placeOrder : null;
  }, 'the breaker to close again');
  expect(recovered.status).toBe('PAID');
});
