// Ordering's and payment's authorization through the router: an order is placed by a
// customer for themselves (no customer id in the input), read by its customer, its store's
// staff or an admin, cancelled by its customer or an admin; a payment is read by its
// customer or an admin (staff read it through the order); listing a customer's orders is
// for admins; no token is HTTP 401. Real nats-server, real PostgreSQL; catalog, ordering, payment.
import { waitFor } from '../support/ports';
import { startStack, type GraphQLResponse, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment'] });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
});
afterAll(() => stack?.close());

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id customerId storeId status amount } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id customerId amount status payment { id status amount } } }`;
const PAYMENT = `query($id: ID!) { payment(id: $id) { id orderId amount status } }`;
const CANCEL = `mutation($o: ID!) { cancelOrder(orderId: $o) { id status } }`;
const BY_CUSTOMER = `query($c: ID!) { ordersByCustomer(customerId: $c) { id customerId } }`;
const BAKERY = 'sunrise-bakery';

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;

/** A PAID cake order of `customerId` (bakery), placed through the router, with its payment's id. */
async function paidOrder(customerId: string) {
  const placed = await stack.customer(customerId).gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  expect(placed.errors).toBeUndefined();
  const order = placed.data.placeOrder as { id: string; customerId: string; storeId: string; status: string; amount: number };
  expect(order).toMatchObject({ customerId, storeId: BAKERY, status: 'PAID', amount: 25000 });
  const read = await stack.customer(customerId).gql(ORDER, { id: order.id });
  return { ...order, paymentId: read.data.order.payment.id as string };
}

test('without a token the router answers HTTP 401 UNAUTHENTICATED, with no data; nothing is ordered', async () => {
  const before = await stack.services.ordering!.db.order.count();
  for (const [q, v] of [
    [ORDER, { id: 'any' }],
    [PLACE, { input: { productId: 'cake', qty: 1 } }],
  ] as const) {
    const r = await stack.as(null).post(q, v);
    expect(r.status).toBe(401);
    expect(codeOf(r.body)).toBe('UNAUTHENTICATED');
    expect(r.body.data).toBeUndefined();
  }
  expect(await stack.services.ordering!.db.order.count()).toBe(before);
});

test("a customer cannot read, cancel, pay for or list another customer's orders and payments", async () => {
  const order = await paidOrder('c-auth-alice');
  const mallory = stack.customer('c-auth-mallory');

  // Alice's ids, tried by Mallory: FORBIDDEN, and nothing of Alice's order or payment in the answer.
  for (const [q, v, field] of [
    [ORDER, { id: order.id }, 'order'],
    [PAYMENT, { id: order.paymentId }, 'payment'],
  ] as const) {
    const r = await mallory.gql(q, v);
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(r.data).toEqual({ [field]: null });
    expect(JSON.stringify(r)).not.toContain('c-auth-alice');
    expect(JSON.stringify(r)).not.toContain('25000');
  }
  const cancelled = await mallory.gql(CANCEL, { o: order.id });
  expect(codeOf(cancelled)).toBe('FORBIDDEN');
  expect(cancelled.data).toBeNull();
  const listed = await mallory.gql(BY_CUSTOMER, { c: 'c-auth-alice' });
  expect(codeOf(listed)).toBe('FORBIDDEN');
  expect(listed.data).toBeNull();

  // Ordering in Alice's name is no longer possible: the customer id left the input.
  const inHerName = await mallory.gql(`mutation { placeOrder(input: { customerId: "c-auth-alice", productId: "cake", qty: 1 }) { id } }`);
  expect(codeOf(inHerName)).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(inHerName.data).toBeUndefined();

  // Alice's order is untouched and still hers alone; she reads it and its payment.
  const alice = stack.customer('c-auth-alice');
  const mine = await alice.gql(ORDER, { id: order.id });
  expect(mine).toEqual({
    data: { order: { id: order.id, customerId: 'c-auth-alice', amount: 25000, status: 'PAID', payment: { id: order.paymentId, status: 'APPROVED', amount: 25000 } } },
  });
  expect(await alice.gql(PAYMENT, { id: order.paymentId })).toEqual({ data: { payment: { id: order.paymentId, orderId: order.id, amount: 25000, status: 'APPROVED' } } });
  const hers = await stack.admin().gql(BY_CUSTOMER, { c: 'c-auth-alice' });
  expect(hers).toEqual({ data: { ordersByCustomer: [{ id: order.id, customerId: 'c-auth-alice' }] } });

  // She (and only she, or an admin) cancels it.
  const own = await alice.gql(CANCEL, { o: order.id });
  expect(own).toEqual({ data: { cancelOrder: { id: order.id, status: 'CANCELLING' } } });
});

test("staff of another store are refused the order and its payment; the order's store reads both, but cannot order or cancel", async () => {
  const order = await paidOrder('c-auth-carol');

  const pizzeria = stack.staff('mario-pizzeria');
  for (const [q, v, field] of [
    [ORDER, { id: order.id }, 'order'],
    [PAYMENT, { id: order.paymentId }, 'payment'],
  ] as const) {
    const r = await pizzeria.gql(q, v);
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(r.data).toEqual({ [field]: null });
    expect(JSON.stringify(r)).not.toContain('c-auth-carol');
  }

  // The bakery's staff read the order, and its payment through it (payment itself does not know stores).
  const bakery = stack.staff(BAKERY);
  const read = await bakery.gql(ORDER, { id: order.id });
  expect(read.errors).toBeUndefined();
  expect(read.data.order).toMatchObject({ id: order.id, customerId: 'c-auth-carol', payment: { id: order.paymentId, status: 'APPROVED' } });
  expect(codeOf(await bakery.gql(PAYMENT, { id: order.paymentId }))).toBe('FORBIDDEN');

  // Ordering and cancelling are the customer's (cancelling also an admin's), not the store's.
  for (const [q, v] of [
    [CANCEL, { o: order.id }],
    [PLACE, { input: { productId: 'cake', qty: 1 } }],
    [BY_CUSTOMER, { c: 'c-auth-carol' }],
  ] as const) {
    const r = await bakery.gql(q, v);
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(r.data).toBeNull();
  }
  expect((await stack.customer('c-auth-carol').gql(ORDER, { id: order.id })).data.order.status).toBe('PAID');
  expect(await stack.services.ordering!.db.order.count({ where: { customerId: 'c-auth-carol' } })).toBe(1);

  // An admin may cancel anyone's order.
  expect((await stack.admin().gql(CANCEL, { o: order.id })).data?.cancelOrder.status).toBe('CANCELLING');
});
