// The delivery subgraph alone: OrderPlaced arrives on ordering's stream as ordering's relay
// would publish it; the store works its queue through the subgraph. Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import { parseEvent } from '../../platform/events';
import type { Actor } from '../../platform/auth';
import { as } from '../../test/support/auth';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type GraphQLResponse, type Stack } from '../../test/support/stack';
import { OrderCancelled, OrderPlaced } from '../ordering/contracts';
import { PaymentCancelled } from '../payment/contracts';
import type { EventData } from '../../platform/events';
import { DeliveryAccepted, DeliveryCancellationRefused, DeliveryCancelled, DeliveryCompleted, DeliveryStarted, ProductionStarted } from './contracts';
import type { DeliveryDb } from './db';
import { sampleOrderPlaced } from '../../test/support/fixtures';
import { outboxOf, processedBy } from '../../test/support/saga';

let stack: Stack;
let db: DeliveryDb;
const url = () => stack.services.delivery!.url;

beforeAll(async () => {
  stack = await startStack({ contexts: ['delivery'], router: false });
  db = stack.services.delivery!.db;
});
afterAll(() => stack?.close());

const orderPlaced = sampleOrderPlaced;

/** Publishes OrderPlaced and waits until delivery has opened the order's delivery. */
async function placed(overrides: Partial<EventData<typeof OrderPlaced>> = {}) {
  const data = orderPlaced(overrides);
  await publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId });
  const delivery = await waitFor(() => db.delivery.findUnique({ where: { orderId: data.orderId } }), `delivery for order ${data.orderId}`);
  return { data, delivery };
}

const ACCEPT = `mutation($o: ID!) { acceptOrder(orderId: $o) { id orderId storeId customerId item qty status } }`;
/** The bakery's staff accept (sampleOrderPlaced orders are the bakery's). */
const bakery = as.staff('sunrise-bakery');
const accept = (orderId: string, actor: Actor | null = bakery) => subgraphGql(url(), ACCEPT, { o: orderId }, { actor });
const ORDER_ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id delivery { id orderId storeId item qty status } } } }`;

describe('OrderPlaced → a WAITING delivery', () => {
  test('a paid order published on ORDERING opens a WAITING delivery for its store', async () => {
    const { data, delivery } = await placed({ customerId: 'c-open', productName: 'donut', productId: 'donut', qty: 4 });
    expect(delivery).toMatchObject({ orderId: data.orderId, storeId: 'sunrise-bakery', customerId: 'c-open', item: 'donut', qty: 4, status: 'WAITING' });
    // Opening a delivery is not an event of its own.
    expect(await db.outboxEvent.count({ where: { correlationId: data.orderId } })).toBe(0);
  });

  test('the same event delivered twice (a new message id, as after a relay restart) opens one delivery', async () => {
    const data = orderPlaced();
    const first = await publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId });
    // Same order, a second envelope: the upsert keeps the first delivery.
    const second = await publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId });
    await waitFor(
      async () => (await db.processedEvent.count({ where: { consumer: 'delivery--order-placed', eventId: { in: [first.id, second.id] } } })) === 2,
      'both envelopes to be processed',
    );
    expect(await db.delivery.count({ where: { orderId: data.orderId } })).toBe(1);
  });
});

describe('acceptOrder', () => {
  test('WAITING → ACCEPTED, with DeliveryAccepted in the outbox in the same commit', async () => {
    const { data, delivery } = await placed({ customerId: 'c-accept' });
    const r = await accept(data.orderId);
    expect(r.errors).toBeUndefined();
    expect(r.data.acceptOrder).toEqual({ id: delivery.id, orderId: data.orderId, storeId: 'sunrise-bakery', customerId: 'c-accept', item: 'cake', qty: 1, status: 'ACCEPTED' });

    const row = await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(row.status).toBe('ACCEPTED');
    const events = await db.outboxEvent.findMany({ where: { correlationId: data.orderId } });
    expect(events.map((e) => [e.subject, e.stream])).toEqual([[DeliveryAccepted.subject, 'DELIVERY']]);
    expect(parseEvent(DeliveryAccepted, JSON.stringify(events[0].payload)).data).toEqual({
      deliveryId: delivery.id,
      orderId: data.orderId,
      storeId: 'sunrise-bakery',
      acceptedAt: row.updatedAt.toISOString(),
    });
    // The relay publishes it.
    await waitFor(async () => (await db.outboxEvent.findUniqueOrThrow({ where: { id: events[0].id } })).sentAt, 'DeliveryAccepted to be published');
  });

  test('accepting again is INVALID_STATE_TRANSITION and writes no second event', async () => {
    const { data } = await placed();
    expect((await accept(data.orderId)).errors).toBeUndefined();
    const again = await accept(data.orderId);
    expect(again.data).toBeNull();
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'ACCEPTED', to: 'ACCEPTED' });
    expect(await db.outboxEvent.count({ where: { correlationId: data.orderId } })).toBe(1);
  });

  test('10 concurrent accepts of one order: one succeeds, the rest are INVALID_STATE_TRANSITION, one event', async () => {
    const { data } = await placed();
    const answers = await Promise.all(Array.from({ length: 10 }, () => accept(data.orderId)));
    const codes = answers.map((a) => (a.errors ? a.errors[0].extensions?.code : a.data.acceptOrder.status)).sort();
    expect(codes).toEqual(['ACCEPTED', ...Array(9).fill('INVALID_STATE_TRANSITION')]);
    expect(await db.outboxEvent.count({ where: { correlationId: data.orderId } })).toBe(1);
  });

  test('an order delivery has not heard of is DELIVERY_NOT_FOUND; a blank id is BAD_USER_INPUT', async () => {
    const unknown = await accept('no-such-order');
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'DELIVERY_NOT_FOUND', orderId: 'no-such-order' });
    const blank = await accept('   ');
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
    expect(await db.outboxEvent.count({ where: { correlationId: 'no-such-order' } })).toBe(0);
  });
});

describe('queries', () => {
  test('deliveriesByStore is the store’s queue, oldest first, filtered by status', async () => {
    const storeId = `store-${randomUUID()}`;
    const a = await placed({ storeId });
    const b = await placed({ storeId });
    const c = await placed({ storeId });
    await placed({ storeId: `${storeId}-other` });
    const staff = as.staff(storeId);
    await accept(b.data.orderId, staff);

    const q = `query($s: ID!, $st: DeliveryStatus) { deliveriesByStore(storeId: $s, status: $st) { orderId status storeId } }`;
    const all = await subgraphGql(url(), q, { s: storeId }, { actor: staff });
    expect(all.errors).toBeUndefined();
    expect(all.data.deliveriesByStore).toEqual([
      { orderId: a.data.orderId, status: 'WAITING', storeId },
      { orderId: b.data.orderId, status: 'ACCEPTED', storeId },
      { orderId: c.data.orderId, status: 'WAITING', storeId },
    ]);
    expect((await subgraphGql(url(), q, { s: storeId, st: 'WAITING' }, { actor: staff })).data.deliveriesByStore.map((d: any) => d.orderId)).toEqual([a.data.orderId, c.data.orderId]);
    expect((await subgraphGql(url(), q, { s: storeId, st: 'ACCEPTED' }, { actor: staff })).data.deliveriesByStore.map((d: any) => d.orderId)).toEqual([b.data.orderId]);
    expect((await subgraphGql(url(), q, { s: 'no-such-store' }, { actor: as.courier() })).data.deliveriesByStore).toEqual([]);
  });

  test('delivery(id) answers a delivery with ISO timestamps; null when unknown', async () => {
    const { delivery } = await placed({ customerId: 'c-reads' });
    const r = await subgraphGql(url(), `query($id: ID!) { delivery(id: $id) { id status createdAt updatedAt } }`, { id: delivery.id }, { actor: as.customer('c-reads') });
    expect(r.data.delivery).toEqual({ id: delivery.id, status: 'WAITING', createdAt: delivery.createdAt.toISOString(), updatedAt: delivery.updatedAt.toISOString() });
    expect(await subgraphGql(url(), `{ delivery(id: "nope") { id } }`, undefined, { actor: as.customer('c-reads') })).toEqual({ data: { delivery: null } });
  });
});

describe('federation', () => {
  test('Order._entities adds the delivery of each order; null before delivery heard of it', async () => {
    const { data, delivery } = await placed({ qty: 2 });
    const r = await subgraphGql(url(), ORDER_ENTITIES, {
      r: [
        { __typename: 'Order', id: 'not-yet-heard-of' },
        { __typename: 'Order', id: data.orderId },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([
      { id: 'not-yet-heard-of', delivery: null },
      { id: data.orderId, delivery: { id: delivery.id, orderId: data.orderId, storeId: 'sunrise-bakery', item: 'cake', qty: 2, status: 'WAITING' } },
    ]);
  });

  test('Delivery._entities resolves a delivery by id; null when unknown', async () => {
    const { data, delivery } = await placed();
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Delivery { id orderId status } } }`, {
      r: [
        { __typename: 'Delivery', id: delivery.id },
        { __typename: 'Delivery', id: 'nope' },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([{ id: delivery.id, orderId: data.orderId, status: 'WAITING' }, null]);
  });

  test('_service { sdl } is subgraphs/delivery/schema.graphql', async () => {
    await expectServesSchemaFile(url(), 'delivery');
  });
});

const STEP_FIELDS = `id orderId storeId customerId item qty deliveryAddress status acceptedAt productionStartedAt shippedAt deliveredAt cancelRequestedAt cancelledAt`;
const mutation = (name: string) => `mutation($o: ID!) { ${name}(orderId: $o) { ${STEP_FIELDS} } }`;
type StepName = 'acceptOrder' | 'startProduction' | 'startDelivery' | 'completeDelivery';
/** Who takes a step in the scenarios: the staff of the delivery's store accept and produce, the courier delivers. */
const takerOf = async (name: StepName, orderId: string): Promise<Actor> =>
  name === 'acceptOrder' || name === 'startProduction' ? as.staff((await db.delivery.findUnique({ where: { orderId } }))?.storeId ?? 'sunrise-bakery') : as.courier();
const step = async (name: StepName, orderId: string, actor?: Actor | null) =>
  subgraphGql(url(), mutation(name), { o: orderId }, { actor: actor === undefined ? await takerOf(name, orderId) : actor });
const subjects = async (orderId: string) => (await outboxOf(db, orderId)).map((e) => e.subject);
const eventOf = async <C extends typeof ProductionStarted | typeof DeliveryStarted | typeof DeliveryCompleted | typeof DeliveryCancelled | typeof DeliveryCancellationRefused>(
  contract: C,
  orderId: string,
) => {
  const rows = (await outboxOf(db, orderId)).filter((e) => e.subject === contract.subject);
  expect(rows).toHaveLength(1);
  return parseEvent(contract, rows[0].payload);
};

describe('the delivery lifecycle: store accepts → starts production → courier starts → completes', () => {
  test('a pizza: every step a mutation, an event in the same commit, the step times kept', async () => {
    const { data, delivery } = await placed({ customerId: 'c-pizza', productId: 'pepperoniPizza', productName: 'pepperoni pizza', storeId: 'mario-pizzeria', deliveryAddress: 'ThewellI007Ho', paymentMethod: 'CREDIT_CARD' });
    expect(delivery).toMatchObject({ status: 'WAITING', deliveryAddress: 'ThewellI007Ho' });

    expect((await step('acceptOrder', data.orderId)).data.acceptOrder.status).toBe('ACCEPTED');
    const produced = await step('startProduction', data.orderId);
    expect(produced.errors).toBeUndefined();
    expect(produced.data.startProduction).toMatchObject({ status: 'IN_PRODUCTION', productionStartedAt: expect.any(String), shippedAt: null });
    const shipped = await step('startDelivery', data.orderId);
    expect(shipped.data.startDelivery).toMatchObject({ status: 'SHIPPED', deliveryAddress: 'ThewellI007Ho', shippedAt: expect.any(String), deliveredAt: null });
    const done = await step('completeDelivery', data.orderId);
    expect(done.errors).toBeUndefined();
    const answered = done.data.completeDelivery;
    expect(answered).toMatchObject({ status: 'DELIVERED', customerId: 'c-pizza', item: 'pepperoni pizza', storeId: 'mario-pizzeria', cancelRequestedAt: null, cancelledAt: null });

    const row = await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(row.status).toBe('DELIVERED');
    expect([row.acceptedAt, row.productionStartedAt, row.shippedAt, row.deliveredAt].map((d) => d!.toISOString())).toEqual([
      answered.acceptedAt,
      answered.productionStartedAt,
      answered.shippedAt,
      answered.deliveredAt,
    ]);
    expect(await subjects(data.orderId)).toEqual([DeliveryAccepted.subject, ProductionStarted.subject, DeliveryStarted.subject, DeliveryCompleted.subject]);
    const base = { deliveryId: delivery.id, orderId: data.orderId, storeId: 'mario-pizzeria', customerId: 'c-pizza', acceptedAt: answered.acceptedAt };
    expect((await eventOf(ProductionStarted, data.orderId)).data).toEqual({ ...base, productionStartedAt: answered.productionStartedAt });
    expect((await eventOf(DeliveryStarted, data.orderId)).data).toEqual({
      ...base,
      productionStartedAt: answered.productionStartedAt,
      deliveryAddress: 'ThewellI007Ho',
      shippedAt: answered.shippedAt,
    });
    const completed = await eventOf(DeliveryCompleted, data.orderId);
    expect(completed).toMatchObject({ correlationId: data.orderId, causationId: null });
    expect(completed.data).toEqual({ ...base, productionStartedAt: answered.productionStartedAt, shippedAt: answered.shippedAt, deliveredAt: answered.deliveredAt });
  });

  test('a book: the bookstore hands the accepted order to the courier without a production step', async () => {
    const { data } = await placed({ productId: 'book-10', productName: 'Domain-Driven Design', storeId: 'book-market', customerId: '33' });
    await step('acceptOrder', data.orderId);
    const shipped = await step('startDelivery', data.orderId);
    expect(shipped.errors).toBeUndefined();
    expect(shipped.data.startDelivery).toMatchObject({ status: 'SHIPPED', productionStartedAt: null });
    expect((await eventOf(DeliveryStarted, data.orderId)).data).toMatchObject({ customerId: '33', productionStartedAt: null, deliveryAddress: null });
  });

  test.each<[string, Array<'acceptOrder' | 'startProduction' | 'startDelivery' | 'completeDelivery'>, 'acceptOrder' | 'startProduction' | 'startDelivery' | 'completeDelivery', string, string]>([
    ['complete before the delivery started', ['acceptOrder'], 'completeDelivery', 'ACCEPTED', 'DELIVERED'],
    ['start the delivery twice', ['acceptOrder', 'startDelivery'], 'startDelivery', 'SHIPPED', 'SHIPPED'],
    ['start production before accepting', [], 'startProduction', 'WAITING', 'IN_PRODUCTION'],
    ['start the delivery before accepting', [], 'startDelivery', 'WAITING', 'SHIPPED'],
    ['start production after the courier left', ['acceptOrder', 'startDelivery'], 'startProduction', 'SHIPPED', 'IN_PRODUCTION'],
    ['complete twice', ['acceptOrder', 'startDelivery', 'completeDelivery'], 'completeDelivery', 'DELIVERED', 'DELIVERED'],
  ])('%s: INVALID_STATE_TRANSITION, nothing changes', async (_name, before, illegal, from, to) => {
    const { data, delivery } = await placed();
    for (const s of before) expect((await step(s, data.orderId)).errors).toBeUndefined();
    const rowBefore = await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } });
    const events = await subjects(data.orderId);
    const r = await step(illegal, data.orderId);
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from, to });
    expect(await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } })).toEqual(rowBefore);
    expect(await subjects(data.orderId)).toEqual(events);
  });

  test('10 concurrent startDelivery of one order: one ships it, the rest are INVALID_STATE_TRANSITION, one event', async () => {
    const { data } = await placed();
    await step('acceptOrder', data.orderId);
    const answers = await Promise.all(Array.from({ length: 10 }, () => step('startDelivery', data.orderId)));
    const outcomes = answers.map((a) => (a.errors ? a.errors[0].extensions?.code : a.data.startDelivery.status)).sort();
    expect(outcomes).toEqual([...Array(9).fill('INVALID_STATE_TRANSITION'), 'SHIPPED']);
    expect((await subjects(data.orderId)).filter((s) => s === DeliveryStarted.subject)).toHaveLength(1);
  });

  test.each(['startProduction', 'startDelivery', 'completeDelivery'] as const)('%s: an unknown order is DELIVERY_NOT_FOUND, a blank or over-long id BAD_USER_INPUT', async (name) => {
    expect((await step(name, 'no-such-order')).errors?.[0].extensions).toMatchObject({ code: 'DELIVERY_NOT_FOUND', orderId: 'no-such-order' });
    expect((await step(name, '  ')).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
    expect((await step(name, 'o'.repeat(65))).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'orderId' });
    expect(await db.outboxEvent.count({ where: { correlationId: { in: ['no-such-order', '  '] } } })).toBe(0);
  });
});

describe('the cancellation saga at delivery', () => {
  const cancelled = (o: EventData<typeof OrderPlaced>, previousStatus: 'PAID' | 'CONFIRMED' | 'IN_PRODUCTION' = 'PAID'): EventData<typeof OrderCancelled> => ({
    orderId: o.orderId,
    customerId: o.customerId,
    storeId: o.storeId,
    paymentId: o.paymentId,
    amount: o.amount,
    reason: null,
    previousStatus,
    version: 3,
    requestedAt: new Date().toISOString(),
  });
  const refunded = (o: { orderId: string; customerId: string; paymentId: string; amount: number }): EventData<typeof PaymentCancelled> => ({
    paymentId: o.paymentId,
    orderId: o.orderId,
    customerId: o.customerId,
    refundedAmount: o.amount,
    refundedAt: new Date().toISOString(),
  });
  const publishCancelled = async (d: EventData<typeof OrderCancelled>) =>
    processedBy(db, 'delivery--order-cancelled', await publishEvent(stack.nats.url, OrderCancelled, d, { correlationId: d.orderId }));
  const publishRefunded = async (d: EventData<typeof PaymentCancelled>) =>
    processedBy(db, 'delivery--payment-cancelled', await publishEvent(stack.nats.url, PaymentCancelled, d, { correlationId: d.orderId }));

  test('OrderCancelled: no further step may start (CANCELLATION_REQUESTED), nothing is written; PaymentCancelled then cancels it', async () => {
    const { data, delivery } = await placed();
    await step('acceptOrder', data.orderId);
    await publishCancelled(cancelled(data, 'CONFIRMED'));
    const requested = await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(requested).toMatchObject({ status: 'ACCEPTED', cancelRequestedAt: expect.any(Date), cancelledAt: null });

    for (const s of ['startProduction', 'startDelivery'] as const) {
      const r = await step(s, data.orderId);
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'ACCEPTED', reason: 'CANCELLATION_REQUESTED' });
    }
    expect(await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } })).toEqual(requested);
    expect(await subjects(data.orderId)).toEqual([DeliveryAccepted.subject]);

    const refund = refunded(data);
    const env = await publishEvent(stack.nats.url, PaymentCancelled, refund, { correlationId: data.orderId });
    await processedBy(db, 'delivery--payment-cancelled', env);
    const row = await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(row).toMatchObject({ status: 'CANCELLED', cancelledAt: expect.any(Date), cancelRequestedAt: requested.cancelRequestedAt });
    const event = await eventOf(DeliveryCancelled, data.orderId);
    expect(event).toMatchObject({ correlationId: data.orderId, causationId: env.id });
    expect(event.data).toEqual({ deliveryId: delivery.id, orderId: data.orderId, customerId: data.customerId, previousStatus: 'ACCEPTED', cancelledAt: row.cancelledAt!.toISOString() });

    // Acting on a cancelled delivery changes nothing.
    const late = await step('startDelivery', data.orderId);
    expect(late.errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'CANCELLED', to: 'SHIPPED' });
    expect(await subjects(data.orderId)).toEqual([DeliveryAccepted.subject, DeliveryCancelled.subject]);
  });

  test('a delivery the courier already started is not cancelled: DeliveryCancellationRefused, and the courier still completes it', async () => {
    const { data, delivery } = await placed();
    await step('acceptOrder', data.orderId);
    await step('startDelivery', data.orderId);
    await publishCancelled(cancelled(data, 'CONFIRMED'));
    await publishRefunded(refunded(data));
    expect(await db.delivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ status: 'SHIPPED', cancelledAt: null, cancelRequestedAt: expect.any(Date) });
    expect((await eventOf(DeliveryCancellationRefused, data.orderId)).data).toMatchObject({
      deliveryId: delivery.id,
      orderId: data.orderId,
      status: 'SHIPPED',
      reason: 'DELIVERY_ALREADY_STARTED',
    });
    expect((await step('completeDelivery', data.orderId)).data.completeDelivery.status).toBe('DELIVERED');
  });

  test('PaymentCancelled before OrderPlaced: a CANCELLED tombstone is announced, and the late OrderPlaced never reopens it', async () => {
    const data = orderPlaced({ customerId: 'c-tomb', deliveryAddress: 'Main St 1' });
    await publishRefunded(refunded(data));
    const tomb = await db.delivery.findUniqueOrThrow({ where: { orderId: data.orderId } });
    expect(tomb).toMatchObject({ status: 'CANCELLED', storeId: null, item: null, qty: null, customerId: 'c-tomb' });
    expect((await eventOf(DeliveryCancelled, data.orderId)).data).toMatchObject({ deliveryId: tomb.id, previousStatus: null });
    // Not a delivery anyone can see or act on yet.
    const seen = await subgraphGql(url(), ORDER_ENTITIES, { r: [{ __typename: 'Order', id: data.orderId }] });
    expect(seen.data._entities).toEqual([{ id: data.orderId, delivery: null }]);
    expect((await step('acceptOrder', data.orderId)).errors?.[0].extensions?.code).toBe('DELIVERY_NOT_FOUND');

    await processedBy(db, 'delivery--order-placed', await publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId }));
    const row = await db.delivery.findUniqueOrThrow({ where: { orderId: data.orderId } });
    expect(row).toMatchObject({ id: tomb.id, status: 'CANCELLED', storeId: 'sunrise-bakery', item: 'cake', qty: 1, deliveryAddress: 'Main St 1' });
    expect((await step('acceptOrder', data.orderId)).errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'CANCELLED', to: 'ACCEPTED' });
    expect(await subjects(data.orderId)).toEqual([DeliveryCancelled.subject]);
  });

  test('OrderCancelled before OrderPlaced: the delivery opens already stopped, and PaymentCancelled cancels it', async () => {
    const data = orderPlaced({ customerId: 'c-early' });
    await publishCancelled(cancelled(data));
    await processedBy(db, 'delivery--order-placed', await publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId }));
    const row = await db.delivery.findUniqueOrThrow({ where: { orderId: data.orderId } });
    expect(row).toMatchObject({ status: 'WAITING', storeId: 'sunrise-bakery', cancelRequestedAt: expect.any(Date) });
    expect((await step('acceptOrder', data.orderId)).errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', reason: 'CANCELLATION_REQUESTED' });
    await publishRefunded(refunded(data));
    expect((await db.delivery.findUniqueOrThrow({ where: { orderId: data.orderId } })).status).toBe('CANCELLED');
    expect((await eventOf(DeliveryCancelled, data.orderId)).data.previousStatus).toBe('WAITING');
  });

  test('the courier starting while the cancellation arrives: either it left (and the cancellation is refused) or it is refused (and the delivery cancelled), never both', async () => {
    for (let i = 0; i < 5; i++) {
      const { data } = await placed();
      await step('acceptOrder', data.orderId);
      const [courier] = await Promise.all([step('startDelivery', data.orderId), publishCancelled(cancelled(data, 'CONFIRMED'))]);
      await publishRefunded(refunded(data));
      const row = await db.delivery.findUniqueOrThrow({ where: { orderId: data.orderId } });
      const events = await subjects(data.orderId);
      if (courier.errors) {
        expect(courier.errors[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', reason: 'CANCELLATION_REQUESTED' });
        expect(row.status).toBe('CANCELLED');
        expect(events).toEqual([DeliveryAccepted.subject, DeliveryCancelled.subject]);
      } else {
        expect(row.status).toBe('SHIPPED');
        expect(events).toEqual([DeliveryAccepted.subject, DeliveryStarted.subject, DeliveryCancellationRefused.subject]);
      }
    }
  });

  test('OrderPlaced and PaymentCancelled arriving together: one delivery, CANCELLED with the order’s details, one DeliveryCancelled', async () => {
    for (let i = 0; i < 5; i++) {
      const data = orderPlaced();
      await Promise.all([
        publishEvent(stack.nats.url, OrderPlaced, data, { correlationId: data.orderId }).then((env) => processedBy(db, 'delivery--order-placed', env)),
        publishRefunded(refunded(data)),
      ]);
      expect(await db.delivery.findMany({ where: { orderId: data.orderId } })).toEqual([
        expect.objectContaining({ status: 'CANCELLED', storeId: 'sunrise-bakery', item: 'cake', qty: 1 }),
      ]);
      expect(await subjects(data.orderId)).toEqual([DeliveryCancelled.subject]);
    }
  });

  test('a second PaymentCancelled for a cancelled delivery changes nothing and announces nothing', async () => {
    const { data } = await placed();
    await publishRefunded(refunded(data));
    const row = await db.delivery.findUniqueOrThrow({ where: { orderId: data.orderId } });
    await publishRefunded(refunded(data));
    expect(await db.delivery.findUniqueOrThrow({ where: { orderId: data.orderId } })).toEqual(row);
    expect(await subjects(data.orderId)).toEqual([DeliveryCancelled.subject]);
  });
});

describe('authorization', () => {
  /** A refused root field: the error's code at that field, and no data for it. */
  const expectRefused = (r: GraphQLResponse, field: string, code: 'FORBIDDEN' | 'UNAUTHENTICATED') => {
    expect(r.data?.[field] ?? null).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ path: [field], extensions: { code } });
  };
  /** A refused step changed nothing: the row as before, no event. */
  const expectUnchanged = async (orderId: string, before: unknown, subjectsBefore: string[]) => {
    expect(await db.delivery.findUniqueOrThrow({ where: { orderId } })).toEqual(before);
    expect(await subjects(orderId)).toEqual(subjectsBefore);
  };
  /** A delivery of the pizzeria for customer c-owner, taken up to `status`. */
  async function pizzaAt(status: 'WAITING' | 'ACCEPTED' | 'SHIPPED') {
    const { data } = await placed({ customerId: 'c-owner', storeId: 'mario-pizzeria', productId: 'pepperoniPizza', productName: 'pepperoni pizza' });
    if (status !== 'WAITING') expect((await step('acceptOrder', data.orderId)).errors).toBeUndefined();
    if (status === 'SHIPPED') expect((await step('startDelivery', data.orderId)).errors).toBeUndefined();
    return { orderId: data.orderId, row: await db.delivery.findUniqueOrThrow({ where: { orderId: data.orderId } }) };
  }
  const pizzeria = as.staff('mario-pizzeria');
  const otherStore = as.staff('sunrise-bakery');

  describe('acceptOrder and startProduction: staff of the delivery’s store, or an admin', () => {
    test('staff of the store and an admin take the steps', async () => {
      const a = await pizzaAt('WAITING');
      expect((await step('acceptOrder', a.orderId, pizzeria)).data.acceptOrder).toMatchObject({ status: 'ACCEPTED', storeId: 'mario-pizzeria' });
      expect((await step('startProduction', a.orderId, pizzeria)).data.startProduction.status).toBe('IN_PRODUCTION');
      const b = await pizzaAt('WAITING');
      expect((await step('acceptOrder', b.orderId, as.admin())).data.acceptOrder.status).toBe('ACCEPTED');
      expect((await step('startProduction', b.orderId, as.admin())).data.startProduction.status).toBe('IN_PRODUCTION');
    });

    test.each<[string, Actor]>([
      ['staff of another store', otherStore],
      ['a courier', as.courier()],
      ['the order’s own customer', as.customer('c-owner')],
      ['a stock manager', as.stockManager()],
    ])('%s is FORBIDDEN and changes nothing', async (_who, actor) => {
      const waiting = await pizzaAt('WAITING');
      const accepted = await pizzaAt('ACCEPTED');
      const [w, a] = [await subjects(waiting.orderId), await subjects(accepted.orderId)];
      expectRefused(await step('acceptOrder', waiting.orderId, actor), 'acceptOrder', 'FORBIDDEN');
      expectRefused(await step('startProduction', accepted.orderId, actor), 'startProduction', 'FORBIDDEN');
      await expectUnchanged(waiting.orderId, waiting.row, w);
      await expectUnchanged(accepted.orderId, accepted.row, a);
    });

    test('staff of another store learn nothing of the delivery’s state: FORBIDDEN even for a step its state would refuse', async () => {
      const { orderId, row } = await pizzaAt('SHIPPED');
      const r = await step('acceptOrder', orderId, otherStore);
      expectRefused(r, 'acceptOrder', 'FORBIDDEN');
      expect(JSON.stringify(r)).not.toContain('SHIPPED');
      await expectUnchanged(orderId, row, await subjects(orderId));
    });

    test('a role that may never take the step is FORBIDDEN before the order is looked up (not DELIVERY_NOT_FOUND)', async () => {
      expectRefused(await step('acceptOrder', 'no-such-order', as.customer('c-owner')), 'acceptOrder', 'FORBIDDEN');
      expectRefused(await step('startProduction', 'no-such-order', as.courier()), 'startProduction', 'FORBIDDEN');
    });

    test('without an actor: UNAUTHENTICATED, nothing changes', async () => {
      const { orderId, row } = await pizzaAt('WAITING');
      expectRefused(await step('acceptOrder', orderId, null), 'acceptOrder', 'UNAUTHENTICATED');
      expectRefused(await step('startProduction', orderId, null), 'startProduction', 'UNAUTHENTICATED');
      await expectUnchanged(orderId, row, []);
    });
  });

  describe('startDelivery and completeDelivery: a courier, staff of the delivery’s store, or an admin', () => {
    test.each<[string, Actor]>([
      ['a courier', as.courier()],
      ['staff of the store', pizzeria],
      ['an admin', as.admin()],
    ])('%s ships and completes it', async (_who, actor) => {
      const { orderId } = await pizzaAt('ACCEPTED');
      expect((await step('startDelivery', orderId, actor)).data.startDelivery.status).toBe('SHIPPED');
      expect((await step('completeDelivery', orderId, actor)).data.completeDelivery.status).toBe('DELIVERED');
    });

    test.each<[string, Actor]>([
      ['staff of another store', otherStore],
      ['the order’s own customer', as.customer('c-owner')],
      ['a stock manager', as.stockManager()],
    ])('%s is FORBIDDEN and changes nothing', async (_who, actor) => {
      const accepted = await pizzaAt('ACCEPTED');
      const shipped = await pizzaAt('SHIPPED');
      const [a, sh] = [await subjects(accepted.orderId), await subjects(shipped.orderId)];
      expectRefused(await step('startDelivery', accepted.orderId, actor), 'startDelivery', 'FORBIDDEN');
      expectRefused(await step('completeDelivery', shipped.orderId, actor), 'completeDelivery', 'FORBIDDEN');
      await expectUnchanged(accepted.orderId, accepted.row, a);
      await expectUnchanged(shipped.orderId, shipped.row, sh);
    });

    test('without an actor: UNAUTHENTICATED, nothing changes', async () => {
      const { orderId, row } = await pizzaAt('ACCEPTED');
      const before = await subjects(orderId);
      expectRefused(await step('startDelivery', orderId, null), 'startDelivery', 'UNAUTHENTICATED');
      expectRefused(await step('completeDelivery', orderId, null), 'completeDelivery', 'UNAUTHENTICATED');
      await expectUnchanged(orderId, row, before);
    });
  });

  describe('deliveriesByStore: staff of that store, a courier, or an admin', () => {
    const QUEUE = `query($s: ID!) { deliveriesByStore(storeId: $s) { orderId storeId } }`;

    test.each<[string, Actor]>([
      ['staff of the store', pizzeria],
      ['a courier', as.courier()],
      ['an admin', as.admin()],
    ])('%s sees the queue', async (_who, actor) => {
      const { orderId } = await pizzaAt('WAITING');
      const r = await subgraphGql(url(), QUEUE, { s: 'mario-pizzeria' }, { actor });
      expect(r.errors).toBeUndefined();
      expect(r.data.deliveriesByStore).toContainEqual({ orderId, storeId: 'mario-pizzeria' });
    });

    test.each<[string, Actor]>([
      ['staff of another store', otherStore],
      ['a customer', as.customer('c-owner')],
      ['a stock manager', as.stockManager()],
    ])('%s is FORBIDDEN and sees nothing', async (_who, actor) => {
      await pizzaAt('WAITING');
      const r = await subgraphGql(url(), QUEUE, { s: 'mario-pizzeria' }, { actor });
      expectRefused(r, 'deliveriesByStore', 'FORBIDDEN');
      expect(r.data).toBeNull();
    });

    test('without an actor: UNAUTHENTICATED', async () => {
      expectRefused(await subgraphGql(url(), QUEUE, { s: 'mario-pizzeria' }, { actor: null }), 'deliveriesByStore', 'UNAUTHENTICATED');
    });
  });

  describe('delivery(id): its customer, staff of its store, a courier, or an admin', () => {
    const READ = `query($id: ID!) { delivery(id: $id) { id customerId storeId deliveryAddress } }`;

    test.each<[string, Actor]>([
      ['its customer', as.customer('c-owner')],
      ['staff of its store', pizzeria],
      ['a courier', as.courier()],
      ['an admin', as.admin()],
    ])('%s reads it', async (_who, actor) => {
      const { row } = await pizzaAt('WAITING');
      const r = await subgraphGql(url(), READ, { id: row.id }, { actor });
      expect(r).toEqual({ data: { delivery: { id: row.id, customerId: 'c-owner', storeId: 'mario-pizzeria', deliveryAddress: null } } });
    });

    test.each<[string, Actor]>([
      ['another customer', as.customer('c-someone-else')],
      ['staff of another store', otherStore],
      ['a stock manager', as.stockManager()],
    ])('%s is FORBIDDEN and gets none of it', async (_who, actor) => {
      const { row } = await pizzaAt('WAITING');
      const r = await subgraphGql(url(), READ, { id: row.id }, { actor });
      expectRefused(r, 'delivery', 'FORBIDDEN');
      expect(r.data).toEqual({ delivery: null });
      expect(JSON.stringify(r)).not.toContain('c-owner');
    });

    test('without an actor: UNAUTHENTICATED, for a known id and an unknown one alike', async () => {
      const { row } = await pizzaAt('WAITING');
      expectRefused(await subgraphGql(url(), READ, { id: row.id }, { actor: null }), 'delivery', 'UNAUTHENTICATED');
      expectRefused(await subgraphGql(url(), READ, { id: 'nope' }, { actor: null }), 'delivery', 'UNAUTHENTICATED');
    });
  });
});

describeRouterOnlyAccess('delivery', url);
