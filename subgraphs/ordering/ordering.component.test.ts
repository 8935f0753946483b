// The ordering subgraph with the two contexts it depends on (catalog's events, payment's
// internal API), called directly as the router calls it. Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import { DEV_INTERNAL_TOKEN } from '../../platform/config';
import { parseEvent } from '../../platform/events';
import { createLogger } from '../../platform/logger';
import { describeRouterOnlyAccess, expectServesSchemaFile, postInternal, publishEvent } from '../../test/support/component';
import { outboxOf, processedBy } from '../../test/support/saga';
import { DeliveryAccepted, DeliveryCancellationRefused, DeliveryCancelled, DeliveryCompleted, DeliveryStarted, ProductionStarted } from '../delivery/contracts';
import { waitFor } from '../../test/support/ports';
import { as } from '../../test/support/auth';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import type { PaymentDb } from '../payment/db';
import { OrderCancelled, OrderPlaced, OrderStatusChanged } from './contracts';
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
    { baseUrl: paymentBase(), token: DEV_INTERNAL_TOKEN, timeoutMs: 2000, resetMs: 1000, errorThresholdPercentage: 50, volumeThreshold: 5, maxConcurrent: 10 },
    createLogger('ordering-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }),
  );
});
afterAll(async () => {
  payments?.shutdown();
  await stack?.close();
});

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status customerId item qty unitPrice amount storeId rejectionCode version product { id } } }`;
/** placeOrder as the customer `customerId` (the token's subject); the input carries no customer. */
const place = ({ customerId, ...input }: { customerId: string } & Record<string, unknown>) => subgraphGql(url(), PLACE, { input }, { actor: as.customer(customerId) });
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
    const r = await place({ customerId: 'c-place', productId: 'donut', qty: 5 });
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
      // PENDING (1) → PAID (2): the version OrderPlaced carries.
      version: 2,
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
      paymentMethod: 'CREDIT_CARD',
      deliveryAddress: null,
    });
  });

  test('the pizza seed’s order: payment method and delivery address are kept, charged with, and carried by OrderPlaced', async () => {
    await waitFor(async () => db.catalogProduct.findUnique({ where: { id: 'pepperoniPizza' } }), 'ordering to learn the pizzeria');
    const r = await subgraphGql(
      url(),
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status amount storeId paymentMethod deliveryAddress } }`,
      { input: { productId: 'pepperoniPizza', qty: 1, paymentMethod: 'KAKAO_PAY', deliveryAddress: ' ThewellI007Ho ' } },
      { actor: as.customer('10') },
    );
    expect(r.errors).toBeUndefined();
    const o = r.data.placeOrder;
    expect(o).toEqual({ id: expect.any(String), status: 'PAID', amount: 10000, storeId: 'mario-pizzeria', paymentMethod: 'KAKAO_PAY', deliveryAddress: 'ThewellI007Ho' });
    expect(await paymentDb().payment.findUniqueOrThrow({ where: { orderId: o.id } })).toMatchObject({ method: 'KAKAO_PAY', amount: 10000 });
    const [event] = await orderPlacedRows(o.id);
    expect(parseEvent(OrderPlaced, JSON.stringify(event.payload)).data).toMatchObject({ paymentMethod: 'KAKAO_PAY', deliveryAddress: 'ThewellI007Ho', storeId: 'mario-pizzeria' });
  });

  test.each([
    ['an unknown product', { customerId: 'c-bad', productId: 'croissant', qty: 1 }, 'PRODUCT_NOT_FOUND', { productId: 'croissant' }],
    ['qty 0', { customerId: 'c-bad', productId: 'cake', qty: 0 }, 'BAD_USER_INPUT', { field: 'qty' }],
    ['qty 101', { customerId: 'c-bad', productId: 'cake', qty: 101 }, 'BAD_USER_INPUT', { field: 'qty' }],
    ['a blank delivery address', { customerId: 'c-bad', productId: 'cake', qty: 1, deliveryAddress: '  ' }, 'BAD_USER_INPUT', { field: 'deliveryAddress' }],
    ['an over-long delivery address', { customerId: 'c-bad', productId: 'cake', qty: 1, deliveryAddress: 'a'.repeat(201) }, 'BAD_USER_INPUT', { field: 'deliveryAddress' }],
    ['the seed’s spelling of the payment method', { customerId: 'c-bad', productId: 'cake', qty: 1, paymentMethod: 'CreditCard' }, 'BAD_USER_INPUT', {}],
  ])('%s is a coded error; no order, no payment, no event', async (_name, input, code, extensions) => {
    const before = { orders: await db.order.count(), outbox: await db.outboxEvent.count(), payments: await paymentDb().payment.count() };
    const r = await place(input);
    // A variable the schema refuses (an unknown enum value) gets no data at all.
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0].extensions).toMatchObject({ code, ...extensions });
    expect({ orders: await db.order.count(), outbox: await db.outboxEvent.count(), payments: await paymentDb().payment.count() }).toEqual(before);
  });

  test('payment down (connection refused): PAYMENT_UNAVAILABLE, reason UNREACHABLE; payment never saw the order, so nothing is left', async () => {
    await stack.stop('payment');
    try {
      const before = { orders: await db.order.count(), outbox: await db.outboxEvent.count() };
      const r = await place({ customerId: 'c-down', productId: 'cake', qty: 1 });
      expect(r.data).toBeNull();
      expect(r.errors).toHaveLength(1);
      const ext = r.errors![0].extensions!;
      expect(ext).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', reason: 'UNREACHABLE' });
      // Connection refused: payment cannot have charged; the order written for the call was taken back.
      expect(ext.orderId).toBeUndefined();
      expect({ orders: await db.order.count(), outbox: await db.outboxEvent.count() }).toEqual(before);
      expect(await db.order.count({ where: { customerId: 'c-down' } })).toBe(0);
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

const CANCEL = `mutation($o: ID!, $reason: String) { cancelOrder(orderId: $o, reason: $reason) { id status cancellationReason cancellationFailure } }`;
const cancel = (orderId: string, reason?: string) => subgraphGql(url(), CANCEL, { o: orderId, reason });
const paidOrder = async (customerId = 'c-saga') => (await place({ customerId, productId: 'cake', qty: 1 })).data.placeOrder as { id: string; customerId: string };
/** The order's status changes in ordering's outbox, in order: [previous, status, version]. */
const statusChanges = async (orderId: string) =>
  (await outboxOf(db, orderId))
    .filter((e) => e.subject === OrderStatusChanged.subject)
    .map((e) => parseEvent(OrderStatusChanged, e.payload).data)
    .map((d) => [d.previousStatus, d.status, d.version]);

/** Delivery's events for an order, as delivery would publish them. */
const deliveryEvents = (orderId: string, customerId: string) => {
  const t = (s: number) => new Date(Date.UTC(2026, 10, 21, 12, 0, s)).toISOString();
  const base = { deliveryId: `d-${orderId}`, orderId, storeId: 'sunrise-bakery', customerId, acceptedAt: t(1) };
  return {
    accepted: () => publishEvent(stack.nats.url, DeliveryAccepted, { deliveryId: base.deliveryId, orderId, storeId: base.storeId, acceptedAt: t(1) }, { correlationId: orderId }),
    production: () => publishEvent(stack.nats.url, ProductionStarted, { ...base, productionStartedAt: t(2) }, { correlationId: orderId }),
    started: (produced = true) =>
      publishEvent(stack.nats.url, DeliveryStarted, { ...base, productionStartedAt: produced ? t(2) : null, deliveryAddress: null, shippedAt: t(3) }, { correlationId: orderId }),
    completed: () =>
      publishEvent(stack.nats.url, DeliveryCompleted, { ...base, productionStartedAt: t(2), shippedAt: t(3), deliveredAt: t(4) }, { correlationId: orderId }),
    cancelled: (previousStatus: 'WAITING' | 'ACCEPTED' | 'IN_PRODUCTION' | null = 'WAITING') =>
      publishEvent(stack.nats.url, DeliveryCancelled, { deliveryId: base.deliveryId, orderId, customerId, previousStatus, cancelledAt: t(5) }, { correlationId: orderId }),
    refused: () =>
      publishEvent(
        stack.nats.url,
        DeliveryCancellationRefused,
        { deliveryId: base.deliveryId, orderId, customerId, status: 'SHIPPED', reason: 'DELIVERY_ALREADY_STARTED', refusedAt: t(5) },
        { correlationId: orderId },
      ),
  };
};
const by = (policy: string) => (env: { id: string }) => processedBy(db, `ordering--${policy}`, env);

describe('the order follows its delivery', () => {
  test('accepted → in production → shipped → delivered: one status change each, with the order’s version, caused by the delivery event', async () => {
    const o = await paidOrder('c-follow');
    const d = deliveryEvents(o.id, o.customerId);
    const accepted = await d.accepted();
    await by('delivery-accepted')(accepted);
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('CONFIRMED');
    await by('production-started')(await d.production());
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('IN_PRODUCTION');
    await by('delivery-started')(await d.started());
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('SHIPPED');
    await by('delivery-completed')(await d.completed());
    expect(await db.order.findUniqueOrThrow({ where: { id: o.id } })).toMatchObject({ status: 'DELIVERED', version: 6 });
    // The version clients see is the one of the last OrderStatusChanged.
    expect((await subgraphGql(url(), `query($id: ID!) { order(id: $id) { status version } }`, { id: o.id })).data.order).toEqual({ status: 'DELIVERED', version: 6 });
    expect(await statusChanges(o.id)).toEqual([
      ['PAID', 'CONFIRMED', 3],
      ['CONFIRMED', 'IN_PRODUCTION', 4],
      ['IN_PRODUCTION', 'SHIPPED', 5],
      ['SHIPPED', 'DELIVERED', 6],
    ]);
    const first = (await outboxOf(db, o.id)).find((e) => e.subject === OrderStatusChanged.subject)!;
    expect(parseEvent(OrderStatusChanged, first.payload)).toMatchObject({ correlationId: o.id, causationId: accepted.id, data: { customerId: 'c-follow' } });
  });

  test('a completion that overtakes every earlier step moves the order through each of them, in order; the late ones change nothing', async () => {
    const o = await paidOrder('c-overtaken');
    const d = deliveryEvents(o.id, o.customerId);
    await by('delivery-completed')(await d.completed());
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('DELIVERED');
    await by('delivery-accepted')(await d.accepted());
    await by('production-started')(await d.production());
    await by('delivery-started')(await d.started());
    expect(await statusChanges(o.id)).toEqual([
      ['PAID', 'CONFIRMED', 3],
      ['CONFIRMED', 'IN_PRODUCTION', 4],
      ['IN_PRODUCTION', 'SHIPPED', 5],
      ['SHIPPED', 'DELIVERED', 6],
    ]);
  });

  test('a bookstore ships what it accepted: CONFIRMED → SHIPPED without production', async () => {
    const o = await paidOrder('c-book');
    const d = deliveryEvents(o.id, o.customerId);
    await by('delivery-accepted')(await d.accepted());
    await by('delivery-started')(await d.started(false));
    expect(await statusChanges(o.id)).toEqual([
      ['PAID', 'CONFIRMED', 3],
      ['CONFIRMED', 'SHIPPED', 4],
    ]);
  });
});

describe('cancelOrder', () => {
  test('a paid order becomes CANCELLING; OrderStatusChanged and OrderCancelled are written with it', async () => {
    const o = await paidOrder('c-cancel');
    const r = await cancel(o.id, ' changed my mind ');
    expect(r.errors).toBeUndefined();
    expect(r.data.cancelOrder).toEqual({ id: o.id, status: 'CANCELLING', cancellationReason: 'changed my mind', cancellationFailure: null });
    const row = await db.order.findUniqueOrThrow({ where: { id: o.id } });
    expect(row).toMatchObject({ status: 'CANCELLING', version: 3 });
    const events = await outboxOf(db, o.id);
    expect(events.map((e) => e.subject)).toEqual([OrderPlaced.subject, OrderStatusChanged.subject, OrderCancelled.subject]);
    expect(parseEvent(OrderStatusChanged, events[1].payload).data).toMatchObject({ status: 'CANCELLING', previousStatus: 'PAID', version: 3 });
    expect(parseEvent(OrderCancelled, events[2].payload).data).toEqual({
      orderId: o.id,
      customerId: 'c-cancel',
      storeId: 'sunrise-bakery',
      paymentId: row.paymentId,
      amount: 25000,
      reason: 'changed my mind',
      previousStatus: 'PAID',
      version: 3,
      requestedAt: row.updatedAt.toISOString(),
    });
    // Payment, running beside it, refunds the order.
    await waitFor(async () => (await paymentDb().payment.findUniqueOrThrow({ where: { orderId: o.id } })).status === 'CANCELLED', 'payment to refund');
  });

  test('cancelling twice is harmless: the order comes back unchanged, no second saga', async () => {
    const o = await paidOrder();
    await cancel(o.id);
    const again = await cancel(o.id, 'again');
    expect(again.errors).toBeUndefined();
    expect(again.data.cancelOrder).toMatchObject({ status: 'CANCELLING', cancellationReason: null });
    expect((await outboxOf(db, o.id)).filter((e) => e.subject === OrderCancelled.subject)).toHaveLength(1);
  });

  test('10 concurrent cancels of one order: all answer CANCELLING, one cancellation is started', async () => {
    const o = await paidOrder();
    const answers = await Promise.all(Array.from({ length: 10 }, () => cancel(o.id)));
    expect(answers.map((a) => a.errors?.[0].message ?? a.data.cancelOrder.status)).toEqual(Array(10).fill('CANCELLING'));
    expect((await outboxOf(db, o.id)).filter((e) => e.subject === OrderCancelled.subject)).toHaveLength(1);
    expect(await statusChanges(o.id)).toEqual([['PAID', 'CANCELLING', 3]]);
  });

  test('a confirmed or in-production order can still be cancelled', async () => {
    const o = await paidOrder();
    const d = deliveryEvents(o.id, o.customerId);
    await by('delivery-accepted')(await d.accepted());
    await by('production-started')(await d.production());
    expect((await cancel(o.id)).data.cancelOrder.status).toBe('CANCELLING');
  });

  test.each([
    ['shipped', ['accepted', 'started'], 'SHIPPED'],
    ['delivered', ['accepted', 'started', 'completed'], 'DELIVERED'],
  ] as const)('a %s order is ORDER_NOT_CANCELLABLE; nothing is written', async (_name, steps, status) => {
    const o = await paidOrder();
    const d = deliveryEvents(o.id, o.customerId);
    const policyOf = { accepted: 'delivery-accepted', started: 'delivery-started', completed: 'delivery-completed' } as const;
    for (const s of steps) await by(policyOf[s])(await d[s]());
    const before = { row: await db.order.findUniqueOrThrow({ where: { id: o.id } }), events: (await outboxOf(db, o.id)).length };
    expect(before.row.status).toBe(status);
    const r = await cancel(o.id);
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', orderId: o.id, status });
    expect({ row: await db.order.findUniqueOrThrow({ where: { id: o.id } }), events: (await outboxOf(db, o.id)).length }).toEqual(before);
  });

  test('a rejected (never paid) or still pending order is ORDER_NOT_CANCELLABLE', async () => {
    const rejected = await stalePendingOrder('c-not-cancellable', { status: 'REJECTED', rejectionCode: 'PAYMENT_DECLINED', createdAt: new Date() });
    const pending = await stalePendingOrder('c-not-cancellable', { createdAt: new Date() });
    try {
      expect((await cancel(rejected.id)).errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', status: 'REJECTED' });
      expect((await cancel(pending.id)).errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', status: 'PENDING' });
      expect(await db.outboxEvent.count({ where: { correlationId: { in: [rejected.id, pending.id] } } })).toBe(0);
    } finally {
      await db.order.deleteMany({ where: { customerId: 'c-not-cancellable' } });
    }
  });

  test('an unknown order is ORDER_NOT_FOUND; a blank id or an over-long reason is BAD_USER_INPUT', async () => {
    expect((await cancel('no-such-order')).errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_FOUND', orderId: 'no-such-order' });
    expect((await cancel('   ')).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
    const o = await paidOrder();
    expect((await cancel(o.id, 'r'.repeat(201))).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('PAID');
  });
});

describe('the end of the cancellation saga', () => {
  test('DeliveryCancelled: CANCELLING → CANCELLED; a repeat changes nothing', async () => {
    const o = await paidOrder();
    await cancel(o.id);
    const d = deliveryEvents(o.id, o.customerId);
    const env = await d.cancelled();
    await by('delivery-cancelled')(env);
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('CANCELLED');
    await by('delivery-cancelled')(await d.cancelled());
    expect(await statusChanges(o.id)).toEqual([
      ['PAID', 'CANCELLING', 3],
      ['CANCELLING', 'CANCELLED', 4],
    ]);
    const last = (await outboxOf(db, o.id)).at(-1)!;
    expect(parseEvent(OrderStatusChanged, last.payload).causationId).toBe(env.id);
    // Cancelling a cancelled order is harmless.
    expect((await cancel(o.id)).data.cancelOrder.status).toBe('CANCELLED');
  });

  test('DeliveryCancellationRefused: CANCELLING → CANCELLATION_FAILED with delivery’s reason; cancelling again is ORDER_NOT_CANCELLABLE', async () => {
    const o = await paidOrder();
    await cancel(o.id);
    const d = deliveryEvents(o.id, o.customerId);
    // The courier left before delivery saw the cancellation: ordering notes the progress, the saga decides.
    await by('delivery-accepted')(await d.accepted());
    await by('delivery-started')(await d.started(false));
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('CANCELLING');
    await by('delivery-cancellation-refused')(await d.refused());
    const r = await subgraphGql(url(), `query($id: ID!) { order(id: $id) { status cancellationFailure } }`, { id: o.id });
    expect(r.data.order).toEqual({ status: 'CANCELLATION_FAILED', cancellationFailure: 'DELIVERY_ALREADY_STARTED' });
    expect(await statusChanges(o.id)).toEqual([
      ['PAID', 'CANCELLING', 3],
      ['CANCELLING', 'CANCELLATION_FAILED', 4],
    ]);
    expect((await cancel(o.id)).errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', status: 'CANCELLATION_FAILED' });
  });

  test('a DeliveryCancelled for an order that is not being cancelled cannot be right: it is dead-lettered, the order unchanged', async () => {
    const o = await paidOrder();
    const env = await deliveryEvents(o.id, o.customerId).cancelled();
    const dead = await waitFor(() => db.deadLetter.findFirst({ where: { eventId: env.id } }), 'the impossible event to be dead-lettered');
    expect(dead).toMatchObject({ consumer: 'ordering--delivery-cancelled', deliveries: 1, error: expect.stringContaining('not CANCELLING') });
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('PAID');
  });
});

describe('authorization: every root field needs an actor; a customer acts only for themselves', () => {
  const ORDER = `query($id: ID!) { order(id: $id) { id customerId amount } }`;
  const BY_CUSTOMER = `query($c: ID!) { ordersByCustomer(customerId: $c) { id } }`;
  const codeOf = (r: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => r.errors?.[0]?.extensions?.code;
  const everyOrderRow = async () => ({ orders: await db.order.count(), outbox: await db.outboxEvent.count(), payments: await paymentDb().payment.count() });

  test('no actor: every root field is UNAUTHENTICATED, with no data and nothing written', async () => {
    const o = await paidOrder('c-auth-none');
    const before = await everyOrderRow();
    const answers = await Promise.all([
      subgraphGql(url(), ORDER, { id: o.id }, { actor: null }),
      subgraphGql(url(), BY_CUSTOMER, { c: 'c-auth-none' }, { actor: null }),
      subgraphGql(url(), PLACE, { input: { productId: 'cake', qty: 1 } }, { actor: null }),
      subgraphGql(url(), CANCEL, { o: o.id }, { actor: null }),
    ]);
    // order is nullable (its field is null); the others are non-null (no data at all).
    expect(answers.map((r) => [r.data ?? null, codeOf(r)])).toEqual([
      [{ order: null }, 'UNAUTHENTICATED'],
      [null, 'UNAUTHENTICATED'],
      [null, 'UNAUTHENTICATED'],
      [null, 'UNAUTHENTICATED'],
    ]);
    expect(await everyOrderRow()).toEqual(before);
    expect((await db.order.findUniqueOrThrow({ where: { id: o.id } })).status).toBe('PAID');
  });

  describe('placeOrder: customers only, the order is the signed-in customer’s', () => {
    test('the customer is the token’s subject', async () => {
      const r = await place({ customerId: 'c-auth-self', productId: 'cake', qty: 1 });
      expect(r.errors).toBeUndefined();
      expect(r.data.placeOrder).toMatchObject({ status: 'PAID', customerId: 'c-auth-self' });
      expect(await paymentDb().payment.findUniqueOrThrow({ where: { orderId: r.data.placeOrder.id } })).toMatchObject({ customerId: 'c-auth-self' });
    });

    test('a customerId in the input is refused by the schema: nothing written', async () => {
      const before = await everyOrderRow();
      const r = await subgraphGql(url(), PLACE, { input: { customerId: 'c-someone-else', productId: 'cake', qty: 1 } }, { actor: as.customer('c-auth-self') });
      expect(r.data ?? null).toBeNull();
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(/customerId/);
      expect(await everyOrderRow()).toEqual(before);
    });

    test.each([
      ['store staff', as.staff('sunrise-bakery')],
      ['a courier', as.courier()],
      ['a stock manager', as.stockManager()],
      ['an admin', as.admin()],
    ])('%s is FORBIDDEN: no order, no payment, no event', async (_name, actor) => {
      const before = await everyOrderRow();
      const r = await subgraphGql(url(), PLACE, { input: { productId: 'cake', qty: 1 } }, { actor });
      expect(r.data ?? null).toBeNull();
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(await everyOrderRow()).toEqual(before);
    });
  });

  describe('order(id): its customer, staff of its store, or an admin', () => {
    test.each([
      ['its customer', as.customer('c-auth-owner')],
      ['staff of its store', as.staff('sunrise-bakery')],
      ['an admin', as.admin()],
    ])('%s reads it', async (_name, actor) => {
      const o = await paidOrder('c-auth-owner');
      const r = await subgraphGql(url(), ORDER, { id: o.id }, { actor });
      expect(r).toEqual({ data: { order: { id: o.id, customerId: 'c-auth-owner', amount: 25000 } } });
    });

    test.each([
      ['another customer', as.customer('c-auth-intruder')],
      ['staff of another store', as.staff('mario-pizzeria')],
      ['a courier', as.courier()],
      ['a stock manager', as.stockManager()],
    ])('%s is FORBIDDEN and gets nothing of it', async (_name, actor) => {
      const o = await paidOrder('c-auth-owner');
      const r = await subgraphGql(url(), ORDER, { id: o.id }, { actor });
      expect(r.data).toEqual({ order: null });
      expect(r.errors).toHaveLength(1);
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(JSON.stringify(r)).not.toContain('c-auth-owner');
    });

    test('an unknown id is null for anyone signed in', async () => {
      expect(await subgraphGql(url(), ORDER, { id: 'no-such-order' }, { actor: as.customer('c-auth-owner') })).toEqual({ data: { order: null } });
    });
  });

  describe('ordersByCustomer: admins only', () => {
    test('an admin lists a customer’s orders', async () => {
      const o = await paidOrder('c-auth-listed');
      const r = await subgraphGql(url(), BY_CUSTOMER, { c: 'c-auth-listed' }, { actor: as.admin() });
      expect(r.errors).toBeUndefined();
      expect(r.data.ordersByCustomer).toContainEqual({ id: o.id });
    });

    test.each([
      ['the customer, even for their own id', as.customer('c-auth-listed')],
      ['another customer', as.customer('c-auth-intruder')],
      ['store staff', as.staff('sunrise-bakery')],
      ['a courier', as.courier()],
    ])('%s is FORBIDDEN, with no data', async (_name, actor) => {
      await paidOrder('c-auth-listed');
      const r = await subgraphGql(url(), BY_CUSTOMER, { c: 'c-auth-listed' }, { actor });
      expect(r.data ?? null).toBeNull();
      expect(codeOf(r)).toBe('FORBIDDEN');
    });
  });

  describe('cancelOrder: the order’s customer or an admin', () => {
    test('its customer cancels it', async () => {
      const o = await paidOrder('c-auth-cancel');
      const r = await subgraphGql(url(), CANCEL, { o: o.id, reason: 'mine' }, { actor: as.customer('c-auth-cancel') });
      expect(r.errors).toBeUndefined();
      expect(r.data.cancelOrder).toMatchObject({ id: o.id, status: 'CANCELLING', cancellationReason: 'mine' });
    });

    test('an admin cancels it', async () => {
      const o = await paidOrder('c-auth-cancel');
      const r = await subgraphGql(url(), CANCEL, { o: o.id }, { actor: as.admin() });
      expect(r.data.cancelOrder.status).toBe('CANCELLING');
    });

    test.each([
      ['another customer', as.customer('c-auth-intruder')],
      ['staff of its store', as.staff('sunrise-bakery')],
      ['a courier', as.courier()],
    ])('%s is FORBIDDEN; the order is unchanged and nothing is written', async (_name, actor) => {
      const o = await paidOrder('c-auth-cancel');
      const before = { row: await db.order.findUniqueOrThrow({ where: { id: o.id } }), events: await outboxOf(db, o.id) };
      const r = await subgraphGql(url(), CANCEL, { o: o.id }, { actor });
      expect(r.data ?? null).toBeNull();
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect({ row: await db.order.findUniqueOrThrow({ where: { id: o.id } }), events: await outboxOf(db, o.id) }).toEqual(before);
    });

    test('a customer cancelling an unknown order still gets ORDER_NOT_FOUND', async () => {
      const r = await subgraphGql(url(), CANCEL, { o: 'no-such-order' }, { actor: as.customer('c-auth-cancel') });
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'ORDER_NOT_FOUND', orderId: 'no-such-order' });
    });
  });

  test('entity references check nothing of their own: the router reaches them only under an authorized root field', async () => {
    const o = await paidOrder('c-auth-entity');
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id customerId version } } }`, { r: [{ __typename: 'Order', id: o.id }] }, {
      actor: as.customer('c-auth-someone-else'),
    });
    expect(r).toEqual({ data: { _entities: [{ id: o.id, customerId: 'c-auth-entity', version: 2 }] } });
  });
});

describeRouterOnlyAccess('ordering', url);
