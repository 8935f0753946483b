// The delivery subgraph alone: OrderPlaced arrives on ordering's stream as ordering's relay
// would publish it; the store works its queue through the subgraph. Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import { parseEvent } from '../../platform/events';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import { OrderPlaced } from '../ordering/contracts';
import type { EventData } from '../../platform/events';
import { DeliveryAccepted } from './contracts';
import type { DeliveryDb } from './db';
import { sampleOrderPlaced } from '../../test/support/fixtures';

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
    const r = await subgraphGql(url(), ACCEPT, { o: data.orderId });
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
    expect((await subgraphGql(url(), ACCEPT, { o: data.orderId })).errors).toBeUndefined();
    const again = await subgraphGql(url(), ACCEPT, { o: data.orderId });
    expect(again.data).toBeNull();
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'ACCEPTED', to: 'ACCEPTED' });
    expect(await db.outboxEvent.count({ where: { correlationId: data.orderId } })).toBe(1);
  });

  test('10 concurrent accepts of one order: one succeeds, the rest are INVALID_STATE_TRANSITION, one event', async () => {
    const { data } = await placed();
    const answers = await Promise.all(Array.from({ length: 10 }, () => subgraphGql(url(), ACCEPT, { o: data.orderId })));
    const codes = answers.map((a) => (a.errors ? a.errors[0].extensions?.code : a.data.acceptOrder.status)).sort();
    expect(codes).toEqual(['ACCEPTED', ...Array(9).fill('INVALID_STATE_TRANSITION')]);
    expect(await db.outboxEvent.count({ where: { correlationId: data.orderId } })).toBe(1);
  });

  test('an order delivery has not heard of is DELIVERY_NOT_FOUND; a blank id is BAD_USER_INPUT', async () => {
    const unknown = await subgraphGql(url(), ACCEPT, { o: 'no-such-order' });
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'DELIVERY_NOT_FOUND', orderId: 'no-such-order' });
    const blank = await subgraphGql(url(), ACCEPT, { o: '   ' });
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
    await subgraphGql(url(), ACCEPT, { o: b.data.orderId });

    const q = `query($s: ID!, $st: DeliveryStatus) { deliveriesByStore(storeId: $s, status: $st) { orderId status storeId } }`;
    const all = await subgraphGql(url(), q, { s: storeId });
    expect(all.errors).toBeUndefined();
    expect(all.data.deliveriesByStore).toEqual([
      { orderId: a.data.orderId, status: 'WAITING', storeId },
      { orderId: b.data.orderId, status: 'ACCEPTED', storeId },
      { orderId: c.data.orderId, status: 'WAITING', storeId },
    ]);
    expect((await subgraphGql(url(), q, { s: storeId, st: 'WAITING' })).data.deliveriesByStore.map((d: any) => d.orderId)).toEqual([a.data.orderId, c.data.orderId]);
    expect((await subgraphGql(url(), q, { s: storeId, st: 'ACCEPTED' })).data.deliveriesByStore.map((d: any) => d.orderId)).toEqual([b.data.orderId]);
    expect((await subgraphGql(url(), q, { s: 'no-such-store' })).data.deliveriesByStore).toEqual([]);
  });

  test('delivery(id) answers a delivery with ISO timestamps; null when unknown', async () => {
    const { delivery } = await placed();
    const r = await subgraphGql(url(), `query($id: ID!) { delivery(id: $id) { id status createdAt updatedAt } }`, { id: delivery.id });
    expect(r.data.delivery).toEqual({ id: delivery.id, status: 'WAITING', createdAt: delivery.createdAt.toISOString(), updatedAt: delivery.updatedAt.toISOString() });
    expect((await subgraphGql(url(), `{ delivery(id: "nope") { id } }`)).data).toEqual({ delivery: null });
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

describeRouterOnlyAccess('delivery', url);
