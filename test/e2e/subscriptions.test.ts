// Live order status through the router's graphql-ws endpoint: pushes carry fields of several
// subgraphs consistent with the event, every router replica delivers, clients resume after a
// reconnect, and nobody follows what is not theirs. Real nats-server, PostgreSQL, subgraphs.
import { startRouter, type RunningRouter } from '../../router/gateway';
import { as, createTestKeys } from '../support/auth';
import { freePort, waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';
import { subscribe, type TestSubscription } from '../support/subscriptions';

const BAKERY = 'sunrise-bakery';
const PLACE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const ACCEPT = `mutation Accept($o: ID!) { acceptOrder(orderId: $o) { status } }`;
const START = `mutation Start($o: ID!) { startDelivery(orderId: $o) { status } }`;

const MINE = `subscription Mine($after: String) {
  myOrderStatusChanged(after: $after) {
    cursor orderId status previousStatus version occurredAt
    order { id status version amount payment { status amount } delivery { status } }
  }
}`;
const ONE = `subscription One($id: ID!, $after: String) {
  orderStatusChanged(orderId: $id, after: $after) { cursor orderId status order { status } }
}`;
const STORE = `subscription Store($s: ID!) { storeOrderStatusChanged(storeId: $s) { orderId status order { customerId storeId } } }`;

let stack: Stack;
const open: TestSubscription[] = [];
const track = (s: TestSubscription) => (open.push(s), s);

beforeAll(async () => {
  // Payment's 610 ms timeout is the seeds' value; on a busy test machine it rejects orders this file needs PAID.
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'delivery'], env: { PAYMENT_TIMEOUT_MS: '10000' } });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(() => stack?.close());

async function placeCake(customer: string): Promise<string> {
  const r = await stack.customer(customer).gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  expect(r.errors).toBeUndefined();
  return r.data.placeOrder.id;
}

/** Delivery opens the order from the OrderPlaced event, concurrently with the push: accept once it knows it. */
async function accept(orderId: string): Promise<void> {
  await waitFor(async () => {
    const r = await stack.staff(BAKERY).gql(ACCEPT, { o: orderId });
    if (r.errors?.[0]?.extensions?.code === 'DELIVERY_NOT_FOUND') return null;
    expect(r.errors).toBeUndefined();
    return true;
  }, 'delivery to accept the order');
}

const tokenOf = (actor: Parameters<Stack['as']>[0]) => stack.as(actor).token() as Promise<string>;

test('a customer follows their order live; each push carries ordering, payment and delivery fields as of that change', async () => {
  const sub = track(subscribe(stack.router!.url, await tokenOf(as.customer('c-live')), MINE));
  await sub.connected;
  const orderId = await placeCake('c-live');

  const paid = await sub.waitFor((v) => v.myOrderStatusChanged.status === 'PAID', 'the PAID push');
  expect(paid.myOrderStatusChanged).toMatchObject({ orderId, status: 'PAID', previousStatus: 'PENDING', version: 2, cursor: expect.stringMatching(/^\d+$/) });
  expect(paid.myOrderStatusChanged.order).toMatchObject({ id: orderId, status: 'PAID', version: 2, amount: 25000, payment: { status: 'APPROVED', amount: 25000 } });

  await accept(orderId);
  const confirmed = await sub.waitFor((v) => v.myOrderStatusChanged.status === 'CONFIRMED', 'the CONFIRMED push');
  // Ordering confirms because delivery accepted: the push shows delivery's side of that same change.
  expect(confirmed.myOrderStatusChanged).toMatchObject({ orderId, previousStatus: 'PAID', version: 3 });
  expect(confirmed.myOrderStatusChanged.order).toMatchObject({ status: 'CONFIRMED', version: 3, payment: { status: 'APPROVED' }, delivery: { status: 'ACCEPTED' } });
  expect(Number(confirmed.myOrderStatusChanged.cursor)).toBeGreaterThan(Number(paid.myOrderStatusChanged.cursor));
  expect(new Date(confirmed.myOrderStatusChanged.occurredAt).getTime()).toBeGreaterThanOrEqual(new Date(paid.myOrderStatusChanged.occurredAt).getTime());
  expect(sub.errors).toEqual([]);
});

test("another customer's subscription gets nothing of it, and following its id is FORBIDDEN", async () => {
  const other = track(subscribe(stack.router!.url, await tokenOf(as.customer('c-other')), MINE));
  const owner = track(subscribe(stack.router!.url, await tokenOf(as.customer('c-owner')), MINE));
  await Promise.all([other.connected, owner.connected]);
  const orderId = await placeCake('c-owner');
  await owner.waitFor((v) => v.myOrderStatusChanged.orderId === orderId, "the owner's push");

  const spy = track(subscribe(stack.router!.url, await tokenOf(as.customer('c-other')), ONE, { id: orderId }));
  await waitFor(() => (spy.errors.length ? spy.errors : null), 'the refusal');
  expect(spy.errors[0].extensions?.code).toBe('FORBIDDEN');
  expect(spy.received).toEqual([]);

  // A later change of the owner's order: still nothing for the other customer.
  await accept(orderId);
  await owner.waitFor((v) => v.myOrderStatusChanged.orderId === orderId && v.myOrderStatusChanged.status === 'CONFIRMED', "the owner's second push");
  expect(other.received.filter((v) => v.myOrderStatusChanged.orderId === orderId)).toEqual([]);
});

test('store staff follow their store; staff of another store and customers are refused', async () => {
  const staff = track(subscribe(stack.router!.url, await tokenOf(as.staff(BAKERY)), STORE, { s: BAKERY }));
  await staff.connected;
  const orderId = await placeCake('c-store');
  const push = await staff.waitFor((v) => v.storeOrderStatusChanged.orderId === orderId, 'the store push');
  expect(push.storeOrderStatusChanged.order).toEqual({ customerId: 'c-store', storeId: BAKERY });

  for (const who of [as.staff('mario-pizzeria'), as.customer('c-store')]) {
    const s = track(subscribe(stack.router!.url, await tokenOf(who), STORE, { s: BAKERY }));
    await waitFor(() => (s.errors.length ? s.errors : null), `the refusal of ${who.role}`);
    expect(s.errors[0].extensions?.code).toBe('FORBIDDEN');
  }
  const mine = track(subscribe(stack.router!.url, await tokenOf(as.staff(BAKERY)), MINE));
  await waitFor(() => (mine.errors.length ? mine.errors : null), 'the refusal of myOrderStatusChanged for staff');
  expect(mine.errors[0].extensions?.code).toBe('FORBIDDEN');
});

test('two router replicas: one event reaches the subscribers of both', async () => {
  const port = await freePort();
  const second: RunningRouter = await startRouter(stack.routerEnv(port));
  try {
    const token = await tokenOf(as.customer('c-replicas'));
    const a = track(subscribe(stack.router!.url, token, MINE));
    const b = track(subscribe(second.url, token, MINE));
    await Promise.all([a.connected, b.connected]);
    const orderId = await placeCake('c-replicas');
    const [pa, pb] = await Promise.all([
      a.waitFor((v) => v.myOrderStatusChanged.orderId === orderId, 'router 1 push'),
      b.waitFor((v) => v.myOrderStatusChanged.orderId === orderId, 'router 2 push'),
    ]);
    expect(pa.myOrderStatusChanged.cursor).toBe(pb.myOrderStatusChanged.cursor);
    expect(pb.myOrderStatusChanged.order.payment).toEqual({ status: 'APPROVED', amount: 25000 });
  } finally {
    for (const s of open.splice(0)) await s.close();
    await second.stop();
  }
});

test('a client that reconnects with `after` gets the changes it missed, then live ones, each once', async () => {
  const token = await tokenOf(as.customer('c-resume'));
  // Follow the customer's orders, see PAID, then drop the connection.
  const mine = subscribe(stack.router!.url, token, MINE);
  await mine.connected;
  const orderId = await placeCake('c-resume');
  const paid = await mine.waitFor((v) => v.myOrderStatusChanged.orderId === orderId, 'PAID');
  await mine.close();

  // While disconnected: the store accepts and ships it.
  await accept(orderId);
  expect((await stack.staff(BAKERY).gql(START, { o: orderId })).errors).toBeUndefined();
  await waitFor(async () => (await stack.customer('c-resume').gql(`query($id: ID!) { order(id: $id) { status } }`, { id: orderId })).data?.order?.status === 'SHIPPED' || null, 'SHIPPED');

  const resumed = track(subscribe(stack.router!.url, token, ONE, { id: orderId, after: paid.myOrderStatusChanged.cursor }));
  const missed = await resumed.waitForCount(2, 'the two missed changes');
  expect(missed.map((v) => v.orderStatusChanged.status)).toEqual(['CONFIRMED', 'SHIPPED']);
  // `order { status }` asks only what the event carries: each push shows the order as of its own change.
  expect(missed.map((v) => v.orderStatusChanged.order.status)).toEqual(['CONFIRMED', 'SHIPPED']);

  // Then live, no duplicates.
  expect((await stack.courier().gql(`mutation($o: ID!) { completeDelivery(orderId: $o) { status } }`, { o: orderId })).errors).toBeUndefined();
  const all = await resumed.waitForCount(3, 'the live DELIVERED push');
  expect(all.map((v) => v.orderStatusChanged.status)).toEqual(['CONFIRMED', 'SHIPPED', 'DELIVERED']);
  expect(new Set(all.map((v) => v.orderStatusChanged.cursor)).size).toBe(3);
});

test('a subscriber that falls behind more than SUBSCRIPTION_BUFFER changes gets SLOW_SUBSCRIBER and the subscription ends', async () => {
  const orderId = await placeCake('c-slow');
  await accept(orderId);
  await stack.staff(BAKERY).gql(START, { o: orderId });
  await waitFor(async () => (await stack.customer('c-slow').gql(`query($id: ID!) { order(id: $id) { status } }`, { id: orderId })).data?.order?.status === 'SHIPPED' || null, 'SHIPPED');
  const port = await freePort();
  const small: RunningRouter = await startRouter({ ...stack.routerEnv(port), SUBSCRIPTION_BUFFER: '1' });
  try {
    // Replaying the whole stream arrives at once: far more than one change waits.
    const s = subscribe(small.url, await tokenOf(as.admin()), ONE, { id: orderId, after: '0' });
    await waitFor(() => (s.errors.length ? s.errors : null), 'the SLOW_SUBSCRIBER error');
    expect(s.errors[0].extensions?.code).toBe('SLOW_SUBSCRIBER');
    expect(s.received.length).toBeLessThan(3);
    await s.close();
  } finally {
    await small.stop();
  }
});

describe('authentication on the socket', () => {
  test('no token: the connection closes with 4401', async () => {
    const s = track(subscribe(stack.router!.url, null, MINE));
    expect((await s.closed).code).toBe(4401);
    expect(s.received).toEqual([]);
  });

  test('a token signed by another key: 4401', async () => {
    const foreign = await (await createTestKeys()).token(as.customer('c-1'));
    const s = track(subscribe(stack.router!.url, foreign, MINE));
    expect(await s.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/signature/) });
  });

  test('an expired token: 4401 at connect; a token that expires while connected closes the socket', async () => {
    const expired = await stack.keys.token(as.customer('c-exp'), { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const s1 = track(subscribe(stack.router!.url, expired, MINE));
    expect(await s1.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/expired/) });

    const shortLived = await stack.keys.token(as.customer('c-exp'), { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const s2 = track(subscribe(stack.router!.url, shortLived, MINE));
    await s2.connected;
    expect(await s2.closed).toMatchObject({ code: 4401, reason: 'Token expired' });
  });

  test('a bad cursor is BAD_USER_INPUT', async () => {
    const s = track(subscribe(stack.router!.url, await tokenOf(as.customer('c-1')), MINE, { after: 'yesterday' }));
    await waitFor(() => (s.errors.length ? s.errors : null), 'the refusal');
    expect(s.errors[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('an operation breaking a guard rail is refused with its code', async () => {
    const deep = `subscription { myOrderStatusChanged { order { product { store { products { store { products { store { products { store { products { id } } } } } } } } } } } }`;
    const s = track(subscribe(stack.router!.url, await tokenOf(as.customer('c-1')), deep));
    await waitFor(() => (s.errors.length ? s.errors : null), 'the refusal');
    expect(s.errors[0].extensions?.code).toBe('QUERY_TOO_DEEP');
  });
});
