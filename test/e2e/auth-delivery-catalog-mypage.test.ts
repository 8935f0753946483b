// Delivery's, catalog's and mypage's authorization through the router: a delivery is worked by
// its store's staff (accept, produce) and couriers (ship, complete), read by its customer, its
// store's staff, couriers or an admin; a store's queue is for its staff and couriers; mypage's
// lists are the signed-in customer's own (no customer id to ask for), an order's view is for its
// customer, its store's staff or an admin; the catalog and the stock list are for any signed-in
// actor; no token is HTTP 401. Real nats-server, real PostgreSQL; catalog, ordering, payment,
// delivery, mypage.
import { waitFor } from '../support/ports';
import { SAGA_WAIT_MS } from '../support/saga';
import { startStack, type GraphQLResponse, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'delivery', 'mypage'] });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count({ where: { id: 'pepperoniPizza' } })) === 1, 'ordering to learn the pizzas', SAGA_WAIT_MS);
}, 120_000);
afterAll(() => stack?.close());

const PIZZERIA = 'mario-pizzeria';
const ADDRESS = 'Secret Lane 7';
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id customerId storeId status } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id status delivery { id status customerId deliveryAddress } } }`;
const DELIVERY = `query($id: ID!) { delivery(id: $id) { id orderId customerId storeId deliveryAddress status } }`;
const QUEUE = `query($s: ID!) { deliveriesByStore(storeId: $s) { orderId customerId deliveryAddress } }`;
const VIEW = `query($o: ID!) { orderView(orderId: $o) { orderId customerId storeId amount status } }`;
const MY_ORDERS = `{ myOrders { orderId customerId status } }`;
const MY_RESERVATIONS = `{ myReservations { reservationId } }`;
const stepQuery = (name: string) => `mutation($o: ID!) { ${name}(orderId: $o) { orderId status } }`;

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;
/** Refused: the code, and nothing of the customer's order in the answer (the field null, or no data at all). */
function expectForbidden(r: GraphQLResponse, field: string, secrets: string[]) {
  expect(codeOf(r)).toBe('FORBIDDEN');
  expect(r.data?.[field] ?? null).toBeNull();
  for (const s of secrets) expect(JSON.stringify(r)).not.toContain(s);
}

/** A PAID pizza of `customerId` delivered to ADDRESS, placed through the router; waits until delivery and mypage have it. */
async function pizzaOf(customerId: string) {
  const customer = stack.customer(customerId);
  const placed = await customer.gql(PLACE, { input: { productId: 'pepperoniPizza', qty: 1, deliveryAddress: ADDRESS } });
  expect(placed.errors).toBeUndefined();
  const order = placed.data.placeOrder as { id: string; customerId: string; storeId: string; status: string };
  expect(order).toMatchObject({ customerId, storeId: PIZZERIA, status: 'PAID' });
  const delivery = await waitFor(async () => (await customer.gql(ORDER, { id: order.id })).data?.order?.delivery, `delivery of ${order.id} to open`, SAGA_WAIT_MS);
  expect(delivery).toMatchObject({ status: 'WAITING', customerId, deliveryAddress: ADDRESS });
  await waitFor(
    async () => ((await customer.gql(MY_ORDERS)).data?.myOrders ?? []).some((v: { orderId: string }) => v.orderId === order.id),
    `mypage to show ${order.id}`,
    SAGA_WAIT_MS,
  );
  return { ...order, deliveryId: delivery.id as string };
}

/** The delivery's status as the pizzeria sees it. */
const statusOf = async (deliveryId: string) => (await stack.staff(PIZZERIA).gql(DELIVERY, { id: deliveryId })).data.delivery.status;

test('without a token the router answers HTTP 401 UNAUTHENTICATED with no data, for reads and steps alike; nothing moves', async () => {
  const order = await pizzaOf('c-auth-dcm-anon');
  const anonymous = stack.as(null);
  for (const [q, v] of [
    [MY_ORDERS, undefined],
    [VIEW, { o: order.id }],
    [DELIVERY, { id: order.deliveryId }],
    [QUEUE, { s: PIZZERIA }],
    [`{ stores { id } }`, undefined],
    [`{ stockList { productId } }`, undefined],
    [stepQuery('acceptOrder'), { o: order.id }],
  ] as const) {
    const r = await anonymous.post(q, v);
    expect({ q, status: r.status, code: codeOf(r.body), data: r.body.data }).toEqual({ q, status: 401, code: 'UNAUTHENTICATED', data: undefined });
  }
  expect(await statusOf(order.deliveryId)).toBe('WAITING');
});

test('a customer trying another customer’s order, view and delivery ids is FORBIDDEN and gets nothing of them', async () => {
  const alice = await pizzaOf('c-auth-dcm-alice');
  const mallory = stack.customer('c-auth-dcm-mallory');
  const secrets = ['c-auth-dcm-alice', ADDRESS];

  expectForbidden(await mallory.gql(DELIVERY, { id: alice.deliveryId }), 'delivery', secrets);
  expectForbidden(await mallory.gql(VIEW, { o: alice.id }), 'orderView', secrets);
  // Nor can she work it or see the store's queue.
  for (const name of ['acceptOrder', 'startProduction', 'startDelivery', 'completeDelivery']) {
    expectForbidden(await mallory.gql(stepQuery(name), { o: alice.id }), name, secrets);
  }
  expectForbidden(await mallory.gql(QUEUE, { s: PIZZERIA }), 'deliveriesByStore', secrets);

  // Her own lists hold only her own: there is no customer id to ask for another's.
  const asked = await mallory.gql(`{ myOrders(customerId: "c-auth-dcm-alice") { orderId } }`);
  expect(codeOf(asked)).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(asked.data).toBeUndefined();
  expect(await mallory.gql(MY_ORDERS)).toEqual({ data: { myOrders: [] } });

  // Alice's delivery is untouched, and Alice reads all of it.
  const alicesClient = stack.customer('c-auth-dcm-alice');
  expect(await alicesClient.gql(DELIVERY, { id: alice.deliveryId })).toEqual({
    data: { delivery: { id: alice.deliveryId, orderId: alice.id, customerId: 'c-auth-dcm-alice', storeId: PIZZERIA, deliveryAddress: ADDRESS, status: 'WAITING' } },
  });
  expect((await alicesClient.gql(VIEW, { o: alice.id })).data.orderView).toMatchObject({ orderId: alice.id, customerId: 'c-auth-dcm-alice', status: 'PAID' });
  expect((await alicesClient.gql(MY_ORDERS)).data.myOrders).toEqual([{ orderId: alice.id, customerId: 'c-auth-dcm-alice', status: 'PAID' }]);
});

test('staff of another store are refused the pizzeria’s deliveries, queue and views; the pizzeria’s own staff and the courier work it', async () => {
  const order = await pizzaOf('c-auth-dcm-bob');
  const bakery = stack.staff('sunrise-bakery');
  const secrets = ['c-auth-dcm-bob', ADDRESS];

  expectForbidden(await bakery.gql(stepQuery('acceptOrder'), { o: order.id }), 'acceptOrder', secrets);
  expectForbidden(await bakery.gql(QUEUE, { s: PIZZERIA }), 'deliveriesByStore', secrets);
  expectForbidden(await bakery.gql(DELIVERY, { id: order.deliveryId }), 'delivery', secrets);
  expectForbidden(await bakery.gql(VIEW, { o: order.id }), 'orderView', secrets);
  expect(await statusOf(order.deliveryId)).toBe('WAITING');

  // The pizzeria's staff see it in their queue and accept and produce it; a courier may not produce it.
  const pizzeria = stack.staff(PIZZERIA);
  expect((await pizzeria.gql(QUEUE, { s: PIZZERIA })).data.deliveriesByStore).toContainEqual({ orderId: order.id, customerId: 'c-auth-dcm-bob', deliveryAddress: ADDRESS });
  expect((await pizzeria.gql(stepQuery('acceptOrder'), { o: order.id })).data.acceptOrder).toEqual({ orderId: order.id, status: 'ACCEPTED' });
  expectForbidden(await stack.courier().gql(stepQuery('startProduction'), { o: order.id }), 'startProduction', []);
  expect((await pizzeria.gql(stepQuery('startProduction'), { o: order.id })).data.startProduction.status).toBe('IN_PRODUCTION');

  // Once it is in production the other store is refused the courier's steps too; the courier ships and completes it.
  expectForbidden(await bakery.gql(stepQuery('startDelivery'), { o: order.id }), 'startDelivery', secrets);
  expect(await statusOf(order.deliveryId)).toBe('IN_PRODUCTION');
  const courier = stack.courier();
  expect((await courier.gql(QUEUE, { s: PIZZERIA })).data.deliveriesByStore).toContainEqual({ orderId: order.id, customerId: 'c-auth-dcm-bob', deliveryAddress: ADDRESS });
  expect((await courier.gql(stepQuery('startDelivery'), { o: order.id })).data.startDelivery.status).toBe('SHIPPED');
  expectForbidden(await bakery.gql(stepQuery('completeDelivery'), { o: order.id }), 'completeDelivery', secrets);
  expect((await courier.gql(stepQuery('completeDelivery'), { o: order.id })).data.completeDelivery.status).toBe('DELIVERED');

  // The pizzeria's staff read the order's view; its customer follows the delivery through the order.
  expect((await pizzeria.gql(VIEW, { o: order.id })).data.orderView).toMatchObject({ orderId: order.id, storeId: PIZZERIA });
  expect((await stack.customer('c-auth-dcm-bob').gql(ORDER, { id: order.id })).data.order.delivery).toMatchObject({ id: order.deliveryId, status: 'DELIVERED' });
});

test('myOrders and myReservations are a customer’s own: every other role is FORBIDDEN; the catalog and the stock list answer any role', async () => {
  for (const client of [stack.admin(), stack.staff(PIZZERIA), stack.courier(), stack.stockManager()]) {
    for (const [q, field] of [
      [MY_ORDERS, 'myOrders'],
      [MY_RESERVATIONS, 'myReservations'],
    ] as const) {
      const r = await client.gql(q);
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
    }
    const catalog = await client.gql(`{ stores(kind: PIZZERIA) { id } product(id: "pepperoniPizza") { id price } }`);
    expect(catalog).toEqual({ data: { stores: [{ id: PIZZERIA }], product: { id: 'pepperoniPizza', price: 10000 } } });
    const stock = await client.gql(`{ stockList { productId } }`);
    expect(stock.errors).toBeUndefined();
    expect(Array.isArray(stock.data.stockList)).toBe(true);
  }
});
