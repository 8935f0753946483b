// timeline end to end: a customer's paid order, placed through the router, reaches timeline's
// read model through ordering's OrderPlaced event, once. Real nats-server, real PostgreSQL,
// the contexts an order needs (catalog, ordering, payment) and timeline, in-process.
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';

let stack: Stack;
beforeAll(async () => {
  // PAYMENT_TIMEOUT_MS: a busy test machine's first (cold) payment call may exceed 610 ms.
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'timeline'], env: { PAYMENT_TIMEOUT_MS: '5000' } });
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count({ where: { id: 'donut' } })) === 1, 'ordering to learn the catalog', 30_000);
}, 120_000);
afterAll(() => stack?.close());

const MINE = '{ timelineMyOrders { customerId orders amount lastOrderId } }';

test('a paid order counts once in the customer\'s timeline read model', async () => {
  const me = stack.customer('c-timeline');
  expect((await me.gql(MINE)).data.timelineMyOrders).toEqual({ customerId: 'c-timeline', orders: 0, amount: 0, lastOrderId: null });
  const placed = await me.gql('mutation { placeOrder(input: { productId: "donut", qty: 2 }) { id status amount } }');
  expect(placed.errors).toBeUndefined();
  expect(placed.data.placeOrder).toMatchObject({ status: 'PAID', amount: 4000 });
  const seen = await waitFor(async () => {
    const r = (await me.gql(MINE)).data?.timelineMyOrders;
    return r?.orders > 0 ? r : undefined;
  }, 'timeline to count the order', 30_000);
  expect(seen).toEqual({ customerId: 'c-timeline', orders: 1, amount: 4000, lastOrderId: placed.data.placeOrder.id });
  // Another customer sees nothing of it.
  expect((await stack.customer('c-other').gql(MINE)).data.timelineMyOrders).toMatchObject({ orders: 0 });
});

test('only customers read it; only the router may call the subgraph', async () => {
  expect((await stack.admin().gql(MINE)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect((await subgraphGql(stack.services.timeline!.url, MINE, undefined, 'not-the-router-token')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
});
