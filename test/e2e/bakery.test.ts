// Seed 000 (bakery) end to end through the router, on a real nats-server and real PostgreSQL.
// Each step by its actor: the customer orders and reads, the bakery's staff accepts.
import { startStack, type Stack } from '../support/stack';
import { waitFor } from '../support/ports';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  // Ordering learns the catalog from catalog events; wait until it knows the cake.
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
});
afterAll(() => stack?.close());

const PLACE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status item qty unitPrice amount storeId customerId } }`;
const ORDER = `query Order($id: ID!) {
  order(id: $id) { id status amount product { id name price store { id name kind } } payment { id status amount } delivery { id status storeId } }
}`;
const MYPAGE = `query My { myOrders { orderId item qty price amount storeId paymentId status } }`;
const ACCEPT = `mutation($o: ID!) { acceptOrder(orderId: $o) { status orderId } }`;
const BAKERY = 'sunrise-bakery';

test('the catalog holds the bakery with cake at 25000 and donut', async () => {
  const r = await stack.customer('c-1').gql(`{ stores(kind: BAKERY) { id name products { id name price } } }`);
  expect(r.errors).toBeUndefined();
  const products = r.data.stores.flatMap((s: any) => s.products);
  expect(products).toEqual(expect.arrayContaining([{ id: 'cake', name: 'cake', price: 25000 }, expect.objectContaining({ id: 'donut' })]));
});

test('order → paid → delivery waits → bakery accepts → CONFIRMED in ordering and mypage', async () => {
  const customer = stack.customer('c-1');
  const placed = await customer.gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  expect(placed.errors).toBeUndefined();
  const order = placed.data.placeOrder;
  expect(order).toMatchObject({ status: 'PAID', item: 'cake', qty: 1, unitPrice: 25000, amount: 25000, storeId: 'sunrise-bakery', customerId: 'c-1' });

  // One entity, three subgraphs: ordering's order, payment's payment, delivery's delivery.
  const read = await waitFor(async () => {
    const r = await customer.gql(ORDER, { id: order.id });
    return r.data?.order?.delivery ? r.data.order : null;
  }, 'delivery to open the fulfilment');
  expect(read).toMatchObject({
    status: 'PAID',
    product: { id: 'cake', name: 'cake', price: 25000, store: { id: 'sunrise-bakery', kind: 'BAKERY' } },
    payment: { status: 'APPROVED', amount: 25000 },
    delivery: { status: 'WAITING', storeId: 'sunrise-bakery' },
  });

  const accepted = await stack.staff(BAKERY).gql(ACCEPT, { o: order.id });
  expect(accepted.errors).toBeUndefined();
  expect(accepted.data.acceptOrder).toEqual({ status: 'ACCEPTED', orderId: order.id });

  await waitFor(async () => (await customer.gql(ORDER, { id: order.id })).data?.order?.status === 'CONFIRMED', 'ordering to confirm the order');
  const view = await waitFor(async () => {
    const mine = (await customer.gql(MYPAGE)).data?.myOrders ?? [];
    return mine.find((v: any) => v.orderId === order.id && v.status === 'CONFIRMED');
  }, 'mypage to show the confirmed order');
  expect(view).toEqual({
    orderId: order.id,
    item: 'cake',
    qty: 1,
    price: 25000,
    amount: 25000,
    storeId: 'sunrise-bakery',
    paymentId: read.payment.id,
    status: 'CONFIRMED',
  });
});

test('donut qty 5 is priced from the catalog', async () => {
  const r = await stack.customer('c-2').gql(PLACE, { input: { productId: 'donut', qty: 5 } });
  expect(r.errors).toBeUndefined();
  expect(r.data.placeOrder).toMatchObject({ status: 'PAID', qty: 5, unitPrice: 2000, amount: 10000, customerId: 'c-2' });
});

test('accepting twice is a coded error and changes nothing', async () => {
  const { data } = await stack.customer('c-3').gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  const id = data.placeOrder.id;
  await waitFor(async () => (await stack.customer('c-3').gql(ORDER, { id })).data?.order?.delivery, 'delivery');
  const staff = stack.staff(BAKERY);
  expect((await staff.gql(ACCEPT, { o: id })).data?.acceptOrder.status).toBe('ACCEPTED');
  const again = await staff.gql(ACCEPT, { o: id });
  expect(again.errors?.[0].extensions?.code).toBe('INVALID_STATE_TRANSITION');
  const unknown = await staff.gql(`mutation { acceptOrder(orderId: "no-such-order") { status } }`);
  expect(unknown.errors?.[0].extensions?.code).toBe('DELIVERY_NOT_FOUND');
});

describe('bad input gets a coded error and writes nothing', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown product', { productId: 'croissant', qty: 1 }, 'PRODUCT_NOT_FOUND'],
    ['qty 0', { productId: 'cake', qty: 0 }, 'BAD_USER_INPUT'],
    ['negative qty', { productId: 'cake', qty: -2 }, 'BAD_USER_INPUT'],
    ['qty beyond the maximum', { productId: 'cake', qty: 101 }, 'BAD_USER_INPUT'],
    ['missing product', { qty: 1 }, 'BAD_USER_INPUT'],
    // The customer is the signed-in one: the input has no customerId to send (not even one's own).
    ['a customerId in the input', { customerId: 'c-9', productId: 'cake', qty: 1 }, 'BAD_USER_INPUT'],
  ];
  test.each(cases)('%s', async (_name, input, code) => {
    const before = await stack.services.ordering!.db.order.count();
    const r = await stack.customer('c-9').gql(PLACE, { input });
    expect(r.data?.placeOrder ?? null).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe(code);
    expect(await stack.services.ordering!.db.order.count()).toBe(before);
    expect(await stack.services.payment!.db.payment.count({ where: { customerId: 'c-9' } })).toBe(0);
  });
});
