// Temporal decoupling (seed 004: "orders are accepted 24/7 while delivery is down"), with
// real processes: delivery runs as its own process and is killed; orders are still taken
// and paid, and mypage shows them; delivery restarts and catches up, each order exactly
// once, and every order then moves on.
import pg from 'pg';
import { OrderPlaced } from '../../subgraphs/ordering/contracts';
import { consumerSettled, openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { CONTEXTS, startStack, type SpawnedService, type Stack } from '../support/stack';

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id status payment { status } } }`;
const ORDER_WITH_DELIVERY = `query($id: ID!) { order(id: $id) { id status delivery { orderId status } } }`;
const MYPAGE = `{ myOrders { orderId status } }`;
const ACCEPT = `mutation($o: ID!) { acceptOrder(orderId: $o) { orderId status } }`;
const CUSTOMER = 'c-decoupled';
/** Every product ordered below is the bakery's: its staff accepts them. */
const BAKERY = 'sunrise-bakery';
const WAIT_MS = 30_000;
/** Delivery's durable consumer of OrderPlaced (`<context>--<policy>`). */
const DURABLE = 'delivery--order-placed';

let stack: Stack;
let nats: TestJetStream;
let delivery: SpawnedService | undefined;

beforeAll(async () => {
  stack = await startStack({ contexts: CONTEXTS.filter((c) => c !== 'delivery') });
  delivery = await stack.spawn('delivery');
  nats = await openJetStream(stack.nats.url);
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog', WAIT_MS);
}, 120_000);
afterAll(async () => {
  await nats?.close();
  await stack?.close();
});

/** Delivery's rows per order, read straight from its database: the process may be down. */
async function deliveryRows(orderIds: string[]): Promise<Array<{ orderId: string; status: string }>> {
  const c = new pg.Client({ connectionString: stack.dbs.url('delivery') });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT "orderId", "status"::text AS status FROM "Delivery" WHERE "orderId" = ANY($1)`, [orderIds]);
    return rows.sort((a, b) => (a.orderId < b.orderId ? -1 : 1));
  } finally {
    await c.end();
  }
}

const customer = () => stack.customer(CUSTOMER);
const myOrders = async () => ((await customer().gql(MYPAGE)).data?.myOrders ?? []) as Array<{ orderId: string; status: string }>;

test('delivery down: orders are taken and paid; delivery back: it catches up once per order and every order moves on', async () => {
  await delivery!.stop('SIGKILL');
  delivery = undefined;
  // Really gone: nothing answers on its port.
  await expect(fetch(`http://127.0.0.1:${stack.ports.delivery}/health/live`)).rejects.toThrow();

  const products = ['cake', 'donut', 'baguette', 'cake'];
  const ids: string[] = [];
  for (const productId of products) {
    const r = await customer().gql(PLACE, { input: { productId, qty: 1 } });
    expect(r.errors).toBeUndefined();
    expect(r.data.placeOrder.status).toBe('PAID');
    ids.push(r.data.placeOrder.id);
  }

  // Ordering and payment answer for each order through the router, delivery absent or not.
  for (const id of ids) {
    const r = await customer().gql(ORDER, { id });
    expect(r.errors).toBeUndefined();
    expect(r.data.order).toEqual({ id, status: 'PAID', payment: { status: 'APPROVED' } });
  }
  // mypage hears of them from ordering's events alone.
  const seen = await waitFor(async () => {
    const mine = await myOrders();
    return ids.every((id) => mine.some((v) => v.orderId === id && v.status === 'PAID')) ? mine : null;
  }, 'mypage to show the paid orders', WAIT_MS);
  expect(seen.map((v) => v.orderId).sort()).toEqual([...ids].sort());
  // Delivery has heard of none of them; JetStream keeps their events for its durable consumer.
  expect(await deliveryRows(ids)).toEqual([]);
  await waitFor(async () => (await nats.consumer(OrderPlaced.stream, DURABLE)).num_pending >= ids.length, 'the events to wait for delivery', WAIT_MS);

  delivery = await stack.spawn('delivery');

  // It catches up: one WAITING delivery per order, in its database and through the router.
  await waitFor(async () => (await deliveryRows(ids)).length === ids.length, 'delivery to catch up on the missed orders', WAIT_MS);
  expect(await deliveryRows(ids)).toEqual([...ids].sort().map((orderId) => ({ orderId, status: 'WAITING' })));
  await waitFor(async () => consumerSettled(await nats.consumer(OrderPlaced.stream, DURABLE)), 'delivery to ack everything it missed', WAIT_MS);
  for (const id of ids) {
    const r = await customer().gql(ORDER_WITH_DELIVERY, { id });
    expect(r.errors).toBeUndefined();
    expect(r.data.order).toEqual({ id, status: 'PAID', delivery: { orderId: id, status: 'WAITING' } });
  }

  // Every order moves on: the store accepts it, ordering confirms it, mypage shows it.
  for (const id of ids) {
    const r = await stack.staff(BAKERY).gql(ACCEPT, { o: id });
    expect(r.errors).toBeUndefined();
    expect(r.data.acceptOrder).toEqual({ orderId: id, status: 'ACCEPTED' });
  }
  for (const id of ids) {
    await waitFor(async () => (await customer().gql(ORDER, { id })).data?.order?.status === 'CONFIRMED', `ordering to confirm ${id}`, WAIT_MS);
  }
  await waitFor(async () => {
    const mine = await myOrders();
    return ids.every((id) => mine.some((v) => v.orderId === id && v.status === 'CONFIRMED'));
  }, 'mypage to show every order CONFIRMED', WAIT_MS);
  // Still exactly one delivery per order: the catch-up applied nothing twice.
  expect(await deliveryRows(ids)).toEqual([...ids].sort().map((orderId) => ({ orderId, status: 'ACCEPTED' })));
});
