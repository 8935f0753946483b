// Temporal decoupling (seed 004: "message sending being down does not affect the system"),
// with real processes: notification runs as its own process, on its own SQLite file, and is
// killed. Orders are still placed, paid and moved on through the router, and delivery and
// mypage follow. Notification restarts, catches up on what it missed, and every missed
// message is sent exactly once (a local webhook receiver counts what arrives).
import { parseEvent } from '../../platform/events';
import { OrderStatusChanged } from '../../subgraphs/ordering/contracts';
import { startFakeHttpServer, type FakeHttpServer } from '../support/fake-http';
import { waitFor } from '../support/ports';
import { CONTEXTS, startStack, type SpawnedService, type Stack } from '../support/stack';

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id status payment { status } delivery { status } } }`;
const MESSAGES = `query($id: ID!) { order(id: $id) { id messages { status channel deliveryStatus attempts message } } }`;
const MYPAGE = `{ myOrders { orderId status } }`;
const ACCEPT = `mutation($o: ID!) { acceptOrder(orderId: $o) { orderId status } }`;
const SHIP = `mutation($o: ID!) { startDelivery(orderId: $o) { orderId status } }`;
const CUSTOMER = 'c-unnotified';
/** The cake's store: its staff accepts the orders. */
const STORE = 'sunrise-bakery';
const WAIT_MS = 30_000;

let stack: Stack;
let webhook: FakeHttpServer;
let notification: SpawnedService | undefined;

beforeAll(async () => {
  webhook = await startFakeHttpServer(() => ({ status: 204 }));
  stack = await startStack({
    contexts: CONTEXTS.filter((c) => c !== 'notification'),
    env: { NOTIFY_CHANNELS: 'log,webhook', NOTIFY_WEBHOOK_URL: `${webhook.url}/messages`, NOTIFY_POLL_MS: '200' },
  });
  notification = await stack.spawn('notification');
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog', WAIT_MS);
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await webhook?.close();
});

/** What the webhook receiver got about an order, as "<status>" per request. */
const received = (orderId: string) => webhook.requests.filter((r) => r.body?.orderId === orderId).map((r) => r.body.status as string);

/** Every status ordering announced for the order: PAID (OrderPlaced), then each OrderStatusChanged. */
async function announcedStatuses(orderId: string): Promise<string[]> {
  const rows = await stack.services.ordering!.db.outboxEvent.findMany({ where: { correlationId: orderId, subject: OrderStatusChanged.subject }, orderBy: { seq: 'asc' } });
  return ['PAID', ...rows.map((r: { payload: unknown }) => parseEvent(OrderStatusChanged, JSON.stringify(r.payload)).data.status)];
}

/** Each step by its actor: the customer orders, the bakery's staff accepts, a courier ships; admin (stack.gql) watches. */
async function placeAndShip(customerId: string): Promise<string> {
  const placed = await stack.customer(customerId).gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  expect(placed.errors).toBeUndefined();
  expect(placed.data.placeOrder.status).toBe('PAID');
  const id = placed.data.placeOrder.id as string;
  await waitFor(async () => (await stack.gql(ORDER, { id })).data?.order?.delivery, `delivery to open ${id}`, WAIT_MS);
  expect((await stack.staff(STORE).gql(ACCEPT, { o: id })).errors).toBeUndefined();
  await waitFor(async () => (await stack.gql(ORDER, { id })).data?.order?.status === 'CONFIRMED', `ordering to confirm ${id}`, WAIT_MS);
  expect((await stack.courier().gql(SHIP, { o: id })).errors).toBeUndefined();
  await waitFor(async () => (await stack.gql(ORDER, { id })).data?.order?.status === 'SHIPPED', `ordering to mark ${id} shipped`, WAIT_MS);
  return id;
}

/** Waits until notification has sent, on both channels, a message for every status ordering announced. */
async function allSent(orderId: string) {
  const statuses = await announcedStatuses(orderId);
  return waitFor(async () => {
    const r = await stack.gql(MESSAGES, { id: orderId });
    const messages = (r.data?.order?.messages ?? []) as Array<{ status: string; channel: string; deliveryStatus: string; attempts: number; message: string }>;
    return messages.length === statuses.length * 2 && messages.every((m) => m.deliveryStatus === 'SENT') ? { statuses, messages } : null;
  }, `every message about ${orderId} to be sent`, WAIT_MS);
}

/** Exactly one SENT message per status and channel, each sent with one attempt, and exactly one webhook call per status. */
function expectExactlyOnce(orderId: string, statuses: string[], messages: Array<{ status: string; channel: string; attempts: number }>) {
  const key = (m: { status: string; channel: string }) => `${m.status}/${m.channel}`;
  expect(messages.map(key).sort()).toEqual(statuses.flatMap((s) => [`${s}/LOG`, `${s}/WEBHOOK`]).sort());
  expect(messages.every((m) => m.attempts === 1)).toBe(true);
  expect(received(orderId).sort()).toEqual([...statuses].sort());
}

test('notification down: orders go on untouched; notification back: every missed message is sent exactly once', async () => {
  // With notification up, an order's changes reach the customer as they happen.
  const before = await placeAndShip(`${CUSTOMER}-before`);
  const early = await allSent(before);
  expect(early.statuses).toEqual(expect.arrayContaining(['PAID', 'CONFIRMED', 'SHIPPED']));
  expectExactlyOnce(before, early.statuses, early.messages);

  await notification!.stop('SIGKILL');
  notification = undefined;
  await expect(fetch(`http://127.0.0.1:${stack.ports.notification}/health/live`)).rejects.toThrow();

  // Nothing else notices: orders are placed, paid, accepted and shipped; delivery and mypage follow.
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await placeAndShip(CUSTOMER));
  for (const id of ids) {
    const r = await stack.gql(ORDER, { id });
    expect(r.errors).toBeUndefined();
    expect(r.data.order).toMatchObject({ id, status: 'SHIPPED', payment: { status: 'APPROVED' } });
    expect(r.data.order.delivery.status).toBeTruthy();
  }
  await waitFor(async () => {
    const mine = ((await stack.customer(CUSTOMER).gql(MYPAGE)).data?.myOrders ?? []) as Array<{ orderId: string; status: string }>;
    return ids.every((id) => mine.some((v) => v.orderId === id && v.status === 'SHIPPED'));
  }, 'mypage to show every order SHIPPED', WAIT_MS);
  // No message left while notification was down.
  for (const id of ids) expect(received(id)).toEqual([]);

  notification = await stack.spawn('notification');

  for (const id of ids) {
    const { statuses, messages } = await allSent(id);
    expect(statuses).toEqual(expect.arrayContaining(['PAID', 'CONFIRMED', 'SHIPPED']));
    expectExactlyOnce(id, statuses, messages);
    // Seed 004's message when the order ships.
    expect(messages.filter((m) => m.status === 'SHIPPED').map((m) => m.message)).toEqual([`${id} ${CUSTOMER} Shipped...`, `${id} ${CUSTOMER} Shipped...`]);
  }
  // What was sent before the crash was not sent again.
  expectExactlyOnce(before, early.statuses, (await allSent(before)).messages);

  // The customer's own history holds them all, every one SENT.
  const history = await stack.customer(CUSTOMER).gql(`{ messagesByCustomer { orderId status deliveryStatus } }`);
  expect(history.errors).toBeUndefined();
  expect(new Set(history.data.messagesByCustomer.map((m: { orderId: string }) => m.orderId))).toEqual(new Set(ids));
  expect(history.data.messagesByCustomer.every((m: { deliveryStatus: string }) => m.deliveryStatus === 'SENT')).toBe(true);
});
