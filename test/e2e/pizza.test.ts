// Seed 002 (pizza) end to end through the router, on a real nats-server and real PostgreSQL:
// order a pepperoni pizza paid by credit card to an address → PAID → the pizzeria accepts
// and starts production → the courier starts and completes the delivery. Ordering and
// mypage follow every step, and every change is one OrderStatusChanged on the stream.
// Each step is taken by its actor: the customer orders, reads and cancels; the pizzeria's
// staff accept and produce; the courier delivers.
import { parseEvent } from '../../platform/events';
import { OrderCancelled, OrderStatusChanged } from '../../subgraphs/ordering/contracts';
import { openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { followsEverywhere, orderingKnows, SAGA_WAIT_MS } from '../support/saga';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let js: TestJetStream;
beforeAll(async () => {
  stack = await startStack();
  js = await openJetStream(stack.nats.url);
  await orderingKnows(stack, ['pepperoniPizza', 'cheesePizza']);
}, 120_000);
afterAll(async () => {
  await js?.close();
  await stack?.close();
});

const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status customerId item qty unitPrice amount storeId paymentMethod deliveryAddress }
}`;
const ORDER = `query Order($id: ID!) {
  order(id: $id) {
    id status paymentMethod deliveryAddress
    product { id name price store { id kind } }
    payment { id status amount method }
    delivery { id status deliveryAddress acceptedAt productionStartedAt shippedAt deliveredAt }
  }
}`;
const PIZZERIA = 'mario-pizzeria';
/** The pizzeria's staff accept and produce; the courier starts and completes the delivery. */
const step = (name: 'acceptOrder' | 'startProduction' | 'startDelivery' | 'completeDelivery', orderId: string) =>
  (name === 'acceptOrder' || name === 'startProduction' ? stack.staff(PIZZERIA) : stack.courier()).gql(`mutation($o: ID!) { ${name}(orderId: $o) { orderId status } }`, {
    o: orderId,
  });
const CANCEL = `mutation($o: ID!) { cancelOrder(orderId: $o) { id status } }`;
/** The customer orders for themselves: who they are comes from their token. */
const place = (customerId: string, input: Record<string, unknown>) => stack.customer(customerId).gql(PLACE, { input });
/** What the order's customer reads of it (ordering, with payment's, delivery's and notification's parts). */
const readAs = (order: { id: string; customerId: string }, query = ORDER) => stack.customer(order.customerId).gql(query, { id: order.id });
const cancel = (order: { id: string; customerId: string }) => stack.customer(order.customerId).gql(CANCEL, { o: order.id });

/** The order's status changes as ordering published them on its stream: what mypage and notification consume. */
async function publishedChanges(orderId: string): Promise<Array<[string, string, number]>> {
  const msgs = await js.messages('ORDERING', OrderStatusChanged.subject);
  return msgs
    .map((m) => parseEvent(OrderStatusChanged, m.raw))
    .filter((e) => e.correlationId === orderId)
    .map((e) => [e.data.previousStatus, e.data.status, e.data.version]);
}

const MESSAGES = `query($id: ID!) { order(id: $id) { messages { status deliveryStatus message } } }`;
/** What notification tells the customer per order status (its log channel, the default). */
const TOLD: Record<string, string> = {
  PAID: 'Paid. Your order is placed.',
  CONFIRMED: 'Confirmed. The store accepted your order.',
  IN_PRODUCTION: 'In production. The store is preparing your order.',
  SHIPPED: 'Shipped...',
  DELIVERED: 'Delivered. Enjoy!',
  CANCELLING: 'Cancelling. We are cancelling your order and its payment.',
  CANCELLED: 'Cancelled. Your payment was refunded.',
};
/**
 * Seed 002 #8, through the router (Order.messages from notification): waits until every
 * message about the order is SENT and there is one per status it went through, then checks
 * exactly that, in status order (the two ordering subjects may reach notification in any order).
 */
async function expectOneMessagePerStatus(order: { id: string; customerId: string }, statuses: string[]) {
  const messages = await waitFor(
    async () => {
      const m = ((await readAs(order, MESSAGES)).data?.order?.messages ?? []) as Array<{ status: string; deliveryStatus: string; message: string }>;
      return m.length >= statuses.length && m.every((x) => x.deliveryStatus === 'SENT') ? m : null;
    },
    `a sent message about ${order.id} for each of ${statuses.join(', ')}`,
    SAGA_WAIT_MS,
  );
  const rank = (s: string) => statuses.indexOf(s);
  expect([...messages].sort((a, b) => rank(a.status) - rank(b.status))).toEqual(
    statuses.map((status) => ({ status, deliveryStatus: 'SENT', message: `${order.id} ${order.customerId} ${TOLD[status]}` })),
  );
}

const pizzaOrder = { productId: 'pepperoniPizza', qty: 1, paymentMethod: 'CREDIT_CARD', deliveryAddress: 'ThewellI007Ho' };

test('the pizzeria’s menu: pepperoniPizza at 10000 and more options', async () => {
  const r = await stack.customer('10').gql(`{ stores(kind: PIZZERIA) { id name kind products { id price } } }`);
  expect(r.errors).toBeUndefined();
  const [pizzeria] = r.data.stores;
  expect(pizzeria).toMatchObject({ id: 'mario-pizzeria', kind: 'PIZZERIA' });
  expect(pizzeria.products).toContainEqual({ id: 'pepperoniPizza', price: 10000 });
  expect(pizzeria.products.length).toBeGreaterThanOrEqual(3);
});

test('order → pay → accept → production → delivery → completed; ordering and mypage follow every step', async () => {
  const placed = await place('10', pizzaOrder);
  expect(placed.errors).toBeUndefined();
  const order = placed.data.placeOrder;
  expect(order).toMatchObject({
    status: 'PAID',
    customerId: '10',
    item: 'pepperoni pizza',
    qty: 1,
    unitPrice: 10000,
    amount: 10000,
    storeId: 'mario-pizzeria',
    paymentMethod: 'CREDIT_CARD',
    deliveryAddress: 'ThewellI007Ho',
  });

  // The order reaches the order/delivery system: the pizzeria sees it waiting, with the address.
  const read = await waitFor(async () => {
    const o = (await readAs(order)).data?.order;
    return o?.delivery ? o : null;
  }, 'delivery to open', SAGA_WAIT_MS);
  expect(read).toMatchObject({
    product: { id: 'pepperoniPizza', price: 10000, store: { id: 'mario-pizzeria', kind: 'PIZZERIA' } },
    payment: { status: 'APPROVED', amount: 10000, method: 'CREDIT_CARD' },
    delivery: { status: 'WAITING', deliveryAddress: 'ThewellI007Ho' },
  });
  await followsEverywhere(stack, order, 'PAID');
  const queue = await stack.staff(PIZZERIA).gql(`query { deliveriesByStore(storeId: "mario-pizzeria", status: WAITING) { orderId } }`);
  expect(queue.data.deliveriesByStore).toContainEqual({ orderId: order.id });

  const steps: Array<[Parameters<typeof step>[0], string, string]> = [
    ['acceptOrder', 'ACCEPTED', 'CONFIRMED'],
    ['startProduction', 'IN_PRODUCTION', 'IN_PRODUCTION'],
    ['startDelivery', 'SHIPPED', 'SHIPPED'],
    ['completeDelivery', 'DELIVERED', 'DELIVERED'],
  ];
  for (const [mutation, deliveryStatus, orderStatus] of steps) {
    const r = await step(mutation, order.id);
    expect(r.errors).toBeUndefined();
    expect(r.data[mutation]).toEqual({ orderId: order.id, status: deliveryStatus });
    await followsEverywhere(stack, order, orderStatus);
  }

  const done = (await readAs(order)).data.order;
  expect(done).toMatchObject({ status: 'DELIVERED', payment: { status: 'APPROVED' }, delivery: { status: 'DELIVERED' } });
  const times = ['acceptedAt', 'productionStartedAt', 'shippedAt', 'deliveredAt'].map((k) => Date.parse(done.delivery[k]));
  expect([...times].sort((a, b) => a - b)).toEqual(times);

  // Every change of the order's state is one event, in order, with the order's version.
  expect(await publishedChanges(order.id)).toEqual([
    ['PAID', 'CONFIRMED', 3],
    ['CONFIRMED', 'IN_PRODUCTION', 4],
    ['IN_PRODUCTION', 'SHIPPED', 5],
    ['SHIPPED', 'DELIVERED', 6],
  ]);

  // The notification manager recorded every change: one message each, sent (log channel).
  await expectOneMessagePerStatus(order, ['PAID', 'CONFIRMED', 'IN_PRODUCTION', 'SHIPPED', 'DELIVERED']);
});

test('illegal steps are coded errors and change nothing; a delivered pizza cannot be cancelled', async () => {
  const { data } = await place('11', pizzaOrder);
  const order = data.placeOrder;
  await waitFor(async () => (await readAs(order)).data?.order?.delivery, 'delivery to open', SAGA_WAIT_MS);

  const codeOf = async (name: Parameters<typeof step>[0]) => (await step(name, order.id)).errors?.[0].extensions;
  expect(await codeOf('startProduction')).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'WAITING', to: 'IN_PRODUCTION' });
  await step('acceptOrder', order.id);
  expect(await codeOf('completeDelivery')).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'ACCEPTED', to: 'DELIVERED' });
  await step('startDelivery', order.id);
  expect(await codeOf('startDelivery')).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'SHIPPED', to: 'SHIPPED' });
  expect(await codeOf('startProduction')).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'SHIPPED', to: 'IN_PRODUCTION' });
  await followsEverywhere(stack, order, 'SHIPPED');

  const refused = await cancel(order);
  expect(refused.errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', status: 'SHIPPED' });
  await step('completeDelivery', order.id);
  await followsEverywhere(stack, order, 'DELIVERED');
  expect((await cancel(order)).errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', status: 'DELIVERED' });
  expect((await readAs(order)).data.order).toMatchObject({ status: 'DELIVERED', payment: { status: 'APPROVED' }, delivery: { status: 'DELIVERED' } });
  expect((await js.messages('ORDERING', OrderCancelled.subject)).filter((m) => parseEvent(OrderCancelled, m.raw).correlationId === order.id)).toHaveLength(0);
});

test('a pizza in production is cancelled: its payment refunded, its delivery cancelled, the order CANCELLED (seed 002 #7)', async () => {
  const { data } = await place('12', { ...pizzaOrder, productId: 'cheesePizza', paymentMethod: 'KAKAO_PAY' });
  const order = data.placeOrder;
  expect(order).toMatchObject({ status: 'PAID', customerId: '12', amount: 9000, paymentMethod: 'KAKAO_PAY' });
  await waitFor(async () => (await readAs(order)).data?.order?.delivery, 'delivery to open', SAGA_WAIT_MS);
  await step('acceptOrder', order.id);
  await step('startProduction', order.id);
  await followsEverywhere(stack, order, 'IN_PRODUCTION');

  const r = await cancel(order);
  expect(r.errors).toBeUndefined();
  expect(r.data.cancelOrder).toEqual({ id: order.id, status: 'CANCELLING' });
  await followsEverywhere(stack, order, 'CANCELLED');
  expect((await readAs(order)).data.order).toMatchObject({
    payment: { status: 'CANCELLED', method: 'KAKAO_PAY', amount: 9000 },
    delivery: { status: 'CANCELLED' },
  });
  // The courier cannot leave with a cancelled pizza.
  expect((await step('startDelivery', order.id)).errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'CANCELLED' });
  expect(await publishedChanges(order.id)).toEqual([
    ['PAID', 'CONFIRMED', 3],
    ['CONFIRMED', 'IN_PRODUCTION', 4],
    ['IN_PRODUCTION', 'CANCELLING', 5],
    ['CANCELLING', 'CANCELLED', 6],
  ]);
  await expectOneMessagePerStatus(order, ['PAID', 'CONFIRMED', 'IN_PRODUCTION', 'CANCELLING', 'CANCELLED']);
});

describe('bad pizza orders get a coded error and write nothing', () => {
  const cases: Array<[string, Record<string, unknown>, string, Record<string, unknown>]> = [
    ['a blank address', { ...pizzaOrder, deliveryAddress: '   ' }, 'BAD_USER_INPUT', { field: 'deliveryAddress' }],
    ['an address of 201 characters', { ...pizzaOrder, deliveryAddress: 'x'.repeat(201) }, 'BAD_USER_INPUT', { field: 'deliveryAddress' }],
    ['the seed’s "CreditCard" (the schema says CREDIT_CARD)', { ...pizzaOrder, paymentMethod: 'CreditCard' }, 'BAD_USER_INPUT', {}],
    ['a menu option the pizzeria does not have', { ...pizzaOrder, productId: 'pineapplePizza' }, 'PRODUCT_NOT_FOUND', { productId: 'pineapplePizza' }],
  ];
  test.each(cases)('%s', async (_name, input, code, extensions) => {
    const before = await stack.services.ordering!.db.order.count();
    const r = await place('c-bad', input);
    expect(r.data?.placeOrder ?? null).toBeNull();
    expect(r.errors?.[0].extensions).toMatchObject({ code, ...extensions });
    expect(await stack.services.ordering!.db.order.count()).toBe(before);
  });

  test('a client cannot set the price it pays: PlaceOrderInput has no price', async () => {
    const r = await stack.customer('c-bad').gql(`mutation { placeOrder(input: { productId: "pepperoniPizza", qty: 1, price: 1 }) { id } }`);
    expect(r.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await stack.services.ordering!.db.order.count({ where: { customerId: 'c-bad' } })).toBe(0);
  });
});
