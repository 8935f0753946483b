// The ordering subgraph with the two contexts it depends on (catalog's events, payment's
// internal API), called directly as the router calls it. Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import { DEV_INTERNAL_TOKEN } from '../../platform/config';
import { parseEvent } from '../../platform/events';
import { createLogger } from '../../platform/logger';
import { describeRouterOnlyAccess, expectServesSchemaFile, postInternal } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import type { PaymentDb } from '../payment/db';
import { OrderPlaced } from './contracts';
import type { OrderingDb } from './db';
import { recoverOrders, type OrderingDeps } from './orders';
import { PaymentClient } from './payment-client';

let stack: Stack;
let db: OrderingDb;
let payments: PaymentClient;
const url = () => stack.services.ordering!.url;
const paymentBase = () => `http://127.0.0.1:${stack.ports.payment}`;
const paymentDb = () => stack.services.payment!.db as PaymentDb;

beforeAll(async () => {
  // The service's own recovery timer stays out of the way: the tests call recoverOrders themselves.
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment'], router: false, env: { RECOVERY_INTERVAL_MS: '3600000' } });
  db = stack.services.ordering!.db;
  // Ordering prices orders from its copy of the catalog, learnt from catalog events.
  await waitFor(async () => (await db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
  payments = new PaymentClient(
    { baseUrl: paymentBase(), token: DEV_INTERNAL_TOKEN, timeoutMs: 2000, resetMs: 1000, errorThresholdPercentage: 50, volumeThreshold: 5 },
    createLogger('ordering-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }),
  );
});
afterAll(async () => {
  payments?.shutdown();
  await stack?.close();
});

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status customerId item qty unitPrice amount storeId rejectionCode product { id } } }`;
const place = (input: Record<string, unknown>) => subgraphGql(url(), PLACE, { input });
const orderPlacedRows = (orderId: string) => db.outboxEvent.findMany({ where: { correlationId: orderId, subject: OrderPlaced.subject } });
const deps = (): OrderingDeps => ({ db, payments, relay: stack.services.ordering!.relay, log: createLogger('ordering-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }) });

/** A PENDING order as a crash between "charged" and "paid" leaves it: created a minute ago. */
function stalePendingOrder(customerId: string, overrides: Partial<Parameters<OrderingDb['order']['create']>[0]['data']> = {}) {
  return db.order.create({
    data: {
      id: randomUUID(),
      customerId,
      productId: 'cake',
      productName: 'cake',
      storeId: 'sunrise-bakery',
      qty: 1,
      unitPrice: 25000,
      amount: 25000,
      status: 'PENDING',
      createdAt: new Date(Date.now() - 60_000),
      ...overrides,
    },
  });
}

describe('placeOrder', () => {
  test('prices from the catalog, charges payment, answers PAID and writes OrderPlaced with the order', async () => {
    const r = await place({ customerId: ' c-place ', productId: 'donut', qty: 5 });
    expect(r.errors).toBeUndefined();
    const o = r.data.placeOrder;
    expect(o).toEqual({
      id: expect.any(String),
      status: 'PAID',
      customerId: 'c-place',
      item: 'donut',
      qty: 5,
      unitPrice: 2000,
      amount: 10000,
      storeId: 'sunrise-bakery',
      rejectionCode: null,
      product: { id: 'donut' },
    });

    const row = await db.order.findUniqueOrThrow({ where: { id: o.id } });
    const payment = await paymentDb().payment.findUniqueOrThrow({ where: { orderId: o.id } });
    expect(row).toMatchObject({ status: 'PAID', paymentId: payment.id, version: 2, voidPending: false });
    expect(payment).toMatchObject({ status: 'APPROVED', amount: 10000, customerId: 'c-place' });

    const [event, ...more] = await orderPlacedRows(o.id);
    expect(more).toHaveLength(0);
    const env = parseEvent(OrderPlaced, JSON.stringify(event.payload));
    expect(env.correlationId).toBe(o.id);
    expect(env.data).toEqual({
      orderId: o.id,
      customerId: 'c-place',
      productId: 'donut',
      productName: 'donut',
      storeId: 'sunrise-bakery',
      qty: 5,
      unitPrice: 2000,
      amount: 10000,
      paymentId: payment.id,
      status: 'PAID',
      version: 2,
      placedAt: row.updatedAt.toISOString(),
    });
  });

  test.each([
    ['an unknown product', { customerId: 'c-bad', productId: 'croissant', qty: 1 }, 'PRODUCT_NOT_FOUND', { productId: 'croissant' }],
    ['qty 0', { customerId: 'c-bad', productId: 'cake', qty: 0 }, 'BAD_USER_INPUT', { field: 'qty' }],
    ['qty 101', { customerId: 'c-bad', productId: 'cake', qty: 101 }, 'BAD_USER_INPUT', { field: 'qty' }],
    ['a blank customer', { customerId: ' ', productId: 'cake', qty: 1 }, 'BAD_USER_INPUT', { field: 'customerId' }],
  ])('%s is a coded error; no order, no payment, no event', async (_name, input, code, extensions) => {
    const before = { orders: await db.order.count(), outbox: await db.outboxEvent.count(), payments: await paymentDb().payment.count() };
    const r = await place(input);
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions).toMatchObject({ code, ...extensions });
    expect({ orders: await db.order.count(), outbox: await db.outboxEvent.count(), payments: await paymentDb().payment.count() }).toEqual(before);
  });

  test('payment down: PAYMENT_UNAVAILABLE naming the order, which is REJECTED, and no OrderPlaced', async () => {
    await stack.stop('payment');
    try {
      const r = await place({ customerId: 'c-down', productId: 'cake', qty: 1 });
      expect(r.data).toBeNull();
      expect(r.errors).toHaveLength(1);
      const ext = r.errors![0].extensions!;
      expect(ext.code).toBe('PAYMENT_UNAVAILABLE');
      expect(ext.orderId).toEqual(expect.any(String));

      const row = await db.order.findUniqueOrThrow({ where: { id: ext.orderId as string } });
      // Connection refused: payment cannot have charged, so nothing is left to void.
      expect(row).toMatchObject({ status: 'REJECTED', rejectionCode: 'PAYMENT_UNAVAILABLE', paymentId: null, voidPending: false, customerId: 'c-down' });
      expect(await orderPlacedRows(row.id)).toHaveLength(0);
      expect(await db.outboxEvent.count({ where: { correlationId: row.id } })).toBe(0);

      const read = await subgraphGql(url(), `query($id: ID!) { order(id: $id) { status rejectionCode } }`, { id: row.id });
      expect(read).toEqual({ data: { order: { status: 'REJECTED', rejectionCode: 'PAYMENT_UNAVAILABLE' } } });
    } finally {
      await stack.start('payment');
    }
    // Payment is back: orders go through again.
    expect((await place({ customerId: 'c-down', productId: 'cake', qty: 1 })).data?.placeOrder.status).toBe('PAID');
  });
});

describe('queries', () => {
  test('order(id) answers the order; an unknown id is null', async () => {
    const { data } = await place({ customerId: 'c-read', productId: 'cake', qty: 2 });
    const r = await subgraphGql(url(), `query($id: ID!) { order(id: $id) { id status amount item } }`, { id: data.placeOrder.id });
    expect(r).toEqual({ data: { order: { id: data.placeOrder.id, status: 'PAID', amount: 50000, item: 'cake' } } });
    const none = await subgraphGql(url(), `{ order(id: "no-such-order") { id } }`);
    expect(none).toEqual({ data: { order: null } });
  });

  test('ordersByCustomer lists only that customer’s orders, newest first', async () => {
    const customer = `c-list-${randomUUID()}`;
    const ids: string[] = [];
    for (const productId of ['cake', 'donut', 'baguette']) ids.push((await place({ customerId: customer, productId, qty: 1 })).data.placeOrder.id);
    await place({ customerId: `${customer}-other`, productId: 'cake', qty: 1 });
    const r = await subgraphGql(url(), `query($c: ID!) { ordersByCustomer(customerId: $c) { id item customerId } }`, { c: customer });
    expect(r.errors).toBeUndefined();
    expect(r.data.ordersByCustomer).toEqual([
      { id: ids[2], item: 'baguette', customerId: customer },
      { id: ids[1], item: 'donut', customerId: customer },
      { id: ids[0], item: 'cake', customerId: customer },
    ]);
    expect((await subgraphGql(url(), `{ ordersByCustomer(customerId: "nobody") { id } }`)).data.ordersByCustomer).toEqual([]);
  });
});

describe('federation', () => {
  test('Order._entities resolves orders by id, with the product reference', async () => {
    const a = (await place({ customerId: 'c-ent', productId: 'cake', qty: 1 })).data.placeOrder;
    const b = (await place({ customerId: 'c-ent', productId: 'baguette', qty: 3 })).data.placeOrder;
    const r = await subgraphGql(
      url(),
      `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Order { id status item qty amount customerId product { id } } } }`,
      { r: [b.id, a.id].map((id) => ({ __typename: 'Order', id })) },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([
      { __typename: 'Order', id: b.id, status: 'PAID', item: 'baguette', qty: 3, amount: 13500, customerId: 'c-ent', product: { id: 'baguette' } },
      { __typename: 'Order', id: a.id, status: 'PAID', item: 'cake', qty: 1, amount: 25000, customerId: 'c-ent', product: { id: 'cake' } },
    ]);
  });

  test('Order._entities for an unknown id is ORDER_NOT_FOUND naming it', async () => {
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }`, {
      r: [{ __typename: 'Order', id: 'no-such-order' }],
    });
    expect(r.data?._entities).toEqual([null]);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_FOUND', orderId: 'no-such-order' });
  });

  test('_service { sdl } is subgraphs/ordering/schema.graphql', async () => {
    await expectServesSchemaFile(url(), 'ordering');
  });
});

describe('recoverOrders', () => {
  test('a stale PENDING order that payment did charge becomes PAID with its OrderPlaced', async () => {
    const order = await stalePendingOrder('c-recover-paid');
    const charged = await postInternal(paymentBase(), '/internal/payments', { orderId: order.id, customerId: order.customerId, amount: order.amount });
    expect(charged.status).toBe(200);

    const result = await recoverOrders(deps(), 30_000);
    expect(result.settled).toBeGreaterThanOrEqual(1);

    const row = await db.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(row).toMatchObject({ status: 'PAID', paymentId: charged.body.paymentId, version: 2 });
    const events = await orderPlacedRows(order.id);
    expect(events).toHaveLength(1);
    expect(parseEvent(OrderPlaced, JSON.stringify(events[0].payload)).data).toMatchObject({ orderId: order.id, paymentId: charged.body.paymentId, status: 'PAID' });
    // The payment is untouched.
    expect((await paymentDb().payment.findUniqueOrThrow({ where: { orderId: order.id } })).status).toBe('APPROVED');

    // Running recovery again changes nothing for it.
    await recoverOrders(deps(), 30_000);
    expect(await orderPlacedRows(order.id)).toHaveLength(1);
  });

  test('a stale PENDING order without a payment is REJECTED and payment keeps a VOIDED tombstone', async () => {
    const order = await stalePendingOrder('c-recover-none');
    const result = await recoverOrders(deps(), 30_000);
    expect(result.settled).toBeGreaterThanOrEqual(1);

    const row = await db.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(row).toMatchObject({ status: 'REJECTED', rejectionCode: 'PAYMENT_UNAVAILABLE', paymentId: null });
    expect(await orderPlacedRows(order.id)).toHaveLength(0);
    const tomb = await paymentDb().payment.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(tomb).toMatchObject({ status: 'VOIDED', amount: 0 });
    // A late approval can no longer charge it.
    const late = await postInternal(paymentBase(), '/internal/payments', { orderId: order.id, customerId: order.customerId, amount: order.amount });
    expect(late).toMatchObject({ status: 422, body: { code: 'PAYMENT_DECLINED' } });
  });

  test('a PENDING order younger than the stale age is left alone', async () => {
    const fresh = await stalePendingOrder('c-recover-young', { createdAt: new Date() });
    await recoverOrders(deps(), 30_000);
    expect((await db.order.findUniqueOrThrow({ where: { id: fresh.id } })).status).toBe('PENDING');
    expect(await paymentDb().payment.count({ where: { orderId: fresh.id } })).toBe(0);
    await db.order.deleteMany({ where: { customerId: 'c-recover-young' } });
  });

  test('a REJECTED order whose charge was uncertain is voided at payment once it answers', async () => {
    const order = await stalePendingOrder('c-recover-void', { status: 'REJECTED', rejectionCode: 'PAYMENT_UNAVAILABLE', voidPending: true });
    // Payment did charge it (the answer came too late for ordering).
    await postInternal(paymentBase(), '/internal/payments', { orderId: order.id, customerId: order.customerId, amount: order.amount });

    const result = await recoverOrders(deps(), 30_000);
    expect(result.voided).toBeGreaterThanOrEqual(1);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).voidPending).toBe(false);
    expect((await paymentDb().payment.findUniqueOrThrow({ where: { orderId: order.id } })).status).toBe('VOIDED');
  });
});

describeRouterOnlyAccess('ordering', url);
