// The inventory subgraph alone: the catalog's and rental's events arrive on their streams as
// their relays would publish them (in and out of order, repeated, concurrently). Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import { createEnvelope, parseEvent, type Envelope, type EventData } from '../../platform/events';
import type { Actor } from '../../platform/auth';
import { as } from '../../test/support/auth';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import { ProductAdded } from '../catalog/contracts';
import { ReservationCancelled, ReservationRequested } from '../rental/contracts';
import { StockReceived, StockReleased, StockReservationFailed, StockReserved } from './contracts';
import type { InventoryDb } from './db';

let stack: Stack;
let db: InventoryDb;
const url = () => stack.services.inventory!.url;
const INSTANCE = 'inventory-test-1';

beforeAll(async () => {
  stack = await startStack({ contexts: ['inventory'], router: false, env: { INSTANCE_ID: INSTANCE } });
  db = stack.services.inventory!.db;
});
afterAll(() => stack?.close());

/** A product the catalog announced (published on CATALOG as its relay would); resolves once inventory knows it. */
async function knownProduct(name = 'a book'): Promise<string> {
  const productId = `book-${randomUUID()}`;
  await publishEvent(stack.nats.url, ProductAdded, { productId, storeId: 'city-library', name, price: 1000 }, { correlationId: productId });
  await waitFor(() => db.catalogProduct.findUnique({ where: { id: productId } }), `inventory to learn ${productId}`);
  return productId;
}

const RECEIVE = `mutation($p: ID!, $q: Int!) { receiveStock(productId: $p, qty: $q) { productId onHand reserved available updatedAt } }`;
/** Received by a stock manager (the role that does it). */
const receive = (productId: string, qty: number, actor: Actor | null = as.stockManager()) => subgraphGql(url(), RECEIVE, { p: productId, q: qty }, { actor });

const requested = (productId: string, overrides: Partial<EventData<typeof ReservationRequested>> = {}): EventData<typeof ReservationRequested> => ({
  reservationId: randomUUID(),
  customerId: 'c-1',
  productId,
  title: 'a book',
  status: 'REQUESTED',
  version: 1,
  requestedAt: new Date().toISOString(),
  ...overrides,
});
const cancelled = (r: EventData<typeof ReservationRequested>, previousStatus: 'REQUESTED' | 'RESERVED' = 'RESERVED'): EventData<typeof ReservationCancelled> => ({
  ...r,
  status: 'CANCELLED',
  previousStatus,
  version: r.version + 1,
  cancelledAt: new Date().toISOString(),
});

const publishRequested = (r: EventData<typeof ReservationRequested>) => publishEvent(stack.nats.url, ReservationRequested, r, { correlationId: r.reservationId });
const publishCancelled = (c: EventData<typeof ReservationCancelled>) => publishEvent(stack.nats.url, ReservationCancelled, c, { correlationId: c.reservationId });

/** Waits until the consumer has committed this event, whatever it did. */
const processed = (consumer: 'reservation-requested' | 'reservation-cancelled', env: Envelope) =>
  waitFor(
    () => db.processedEvent.findUnique({ where: { consumer_eventId: { consumer: `inventory--${consumer}`, eventId: env.id } } }),
    `inventory--${consumer} to process ${env.id}`,
    30_000,
  );

const stockOf = (productId: string) => db.stock.findUniqueOrThrow({ where: { productId } });
const outboxFor = async (correlationId: string) =>
  (await db.outboxEvent.findMany({ where: { correlationId }, orderBy: { seq: 'asc' } })).map((e) => ({ subject: e.subject, env: e.payload as unknown as Envelope<any> }));

describe('receiveStock', () => {
  test('raises on hand, records the movement with this instance, and announces StockReceived in the same commit', async () => {
    const productId = await knownProduct();
    const first = await receive(productId, 5);
    expect(first.errors).toBeUndefined();
    expect(first.data.receiveStock).toMatchObject({ productId, onHand: 5, reserved: 0, available: 5 });
    const second = await receive(productId, 3);
    expect(second.data.receiveStock).toMatchObject({ onHand: 8, reserved: 0, available: 8 });

    expect(await stockOf(productId)).toMatchObject({ onHand: 8, reserved: 0, version: 2 });
    const moves = await db.stockMovement.findMany({ where: { productId }, orderBy: { version: 'asc' } });
    expect(moves.map((m) => [m.kind, m.qty, m.version, m.instanceId, m.reservationId])).toEqual([
      ['RECEIVED', 5, 1, INSTANCE, null],
      ['RECEIVED', 3, 2, INSTANCE, null],
    ]);
    const events = await outboxFor(productId);
    expect(events.map((e) => e.subject)).toEqual([StockReceived.subject, StockReceived.subject]);
    expect(parseEvent(StockReceived, JSON.stringify(events[1].env)).data).toEqual({
      productId,
      qty: 3,
      onHand: 8,
      reserved: 0,
      available: 8,
      version: 2,
      receivedAt: second.data.receiveStock.updatedAt,
    });
  });

  test('20 concurrent receipts all count: none is lost, versions are 1..20', async () => {
    const productId = await knownProduct();
    const answers = await Promise.all(Array.from({ length: 20 }, () => receive(productId, 2)));
    expect(answers.filter((a) => a.errors)).toEqual([]);
    expect(await stockOf(productId)).toMatchObject({ onHand: 40, reserved: 0, version: 20 });
    const versions = (await db.stockMovement.findMany({ where: { productId }, select: { version: true } })).map((m) => m.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test.each([
    ['qty 0', 0, 'qty'],
    ['negative qty', -1, 'qty'],
    ['qty over 10000', 10_001, 'qty'],
  ])('%s is BAD_USER_INPUT and writes nothing', async (_n, qty, field) => {
    const productId = await knownProduct();
    const r = await receive(productId, qty);
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await db.stock.findUnique({ where: { productId } })).toBeNull();
    expect(await db.stockMovement.count({ where: { productId } })).toBe(0);
    expect(await db.outboxEvent.count({ where: { correlationId: productId } })).toBe(0);
  });

  test('a product the catalog never announced is PRODUCT_NOT_FOUND; a blank id is BAD_USER_INPUT; nothing written', async () => {
    const unknown = await receive('no-such-book', 5);
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'PRODUCT_NOT_FOUND', productId: 'no-such-book' });
    const blank = await receive('  ', 5);
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'productId' });
    const fraction = await subgraphGql(url(), `mutation { receiveStock(productId: "x", qty: 1.5) { onHand } }`, undefined, { actor: as.stockManager() });
    expect(fraction.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await db.stock.count({ where: { productId: { in: ['no-such-book', '  ', 'x'] } } })).toBe(0);
    expect(await db.outboxEvent.count({ where: { correlationId: { in: ['no-such-book', '  ', 'x'] } } })).toBe(0);
  });
});

describe('reservations take one copy each', () => {
  test('ReservationRequested with stock 5 → one copy held, StockReserved with the new counts (stock 4)', async () => {
    const productId = await knownProduct();
    await receive(productId, 5);
    const r = requested(productId, { customerId: 'c-res' });
    const env = await publishRequested(r);
    await processed('reservation-requested', env);

    expect(await stockOf(productId)).toMatchObject({ onHand: 5, reserved: 1, version: 2 });
    expect(await db.stockHold.findUniqueOrThrow({ where: { reservationId: r.reservationId } })).toMatchObject({ status: 'RESERVED', productId, customerId: 'c-res', instanceId: INSTANCE });
    const [move] = await db.stockMovement.findMany({ where: { reservationId: r.reservationId } });
    expect(move).toMatchObject({ kind: 'RESERVED', qty: 1, causationId: env.id, instanceId: INSTANCE, version: 2 });
    const events = await outboxFor(r.reservationId);
    expect(events.map((e) => e.subject)).toEqual([StockReserved.subject]);
    const out = parseEvent(StockReserved, JSON.stringify(events[0].env));
    expect(out).toMatchObject({ correlationId: r.reservationId, causationId: env.id });
    expect(out.data).toMatchObject({ reservationId: r.reservationId, customerId: 'c-res', productId, onHand: 5, reserved: 1, available: 4, version: 2 });
  });

  test('the same reservation requested again (a second envelope) takes no second copy and says nothing', async () => {
    const productId = await knownProduct();
    await receive(productId, 5);
    const r = requested(productId);
    await processed('reservation-requested', await publishRequested(r));
    await processed('reservation-requested', await publishRequested(r));
    expect(await stockOf(productId)).toMatchObject({ reserved: 1 });
    expect(await db.stockMovement.count({ where: { reservationId: r.reservationId } })).toBe(1);
    expect((await outboxFor(r.reservationId)).map((e) => e.subject)).toEqual([StockReserved.subject]);
  });

  test('stock 0 → StockReservationFailed (OUT_OF_STOCK), nothing held; a never-stocked product fails the same way', async () => {
    const stocked = await knownProduct();
    await receive(stocked, 1);
    await processed('reservation-requested', await publishRequested(requested(stocked)));
    const late = requested(stocked, { customerId: 'c-late' });
    await processed('reservation-requested', await publishRequested(late));
    expect(await stockOf(stocked)).toMatchObject({ onHand: 1, reserved: 1, version: 2 });
    expect(await db.stockHold.findUniqueOrThrow({ where: { reservationId: late.reservationId } })).toMatchObject({ status: 'FAILED', reason: 'OUT_OF_STOCK' });
    const [failed] = await outboxFor(late.reservationId);
    expect(failed.subject).toBe(StockReservationFailed.subject);
    expect(parseEvent(StockReservationFailed, JSON.stringify(failed.env)).data).toMatchObject({
      reservationId: late.reservationId,
      customerId: 'c-late',
      reason: 'OUT_OF_STOCK',
      onHand: 1,
      reserved: 1,
      available: 0,
      version: 2,
    });

    const never = await knownProduct();
    const r = requested(never);
    await processed('reservation-requested', await publishRequested(r));
    expect(await db.stock.findUnique({ where: { productId: never } })).toBeNull();
    const [none] = await outboxFor(r.reservationId);
    expect(parseEvent(StockReservationFailed, JSON.stringify(none.env)).data).toMatchObject({ reason: 'OUT_OF_STOCK', onHand: 0, reserved: 0, available: 0, version: 0 });
    expect(await db.stockMovement.count({ where: { reservationId: { in: [late.reservationId, r.reservationId] } } })).toBe(0);
  });

  test('10 copies, 50 reservations applied in 50 concurrent transactions → exactly 10 held, 40 failed, never negative', async () => {
    const productId = await knownProduct();
    await receive(productId, 10);
    const consumer = stack.services.inventory!.consumers.find((c) => c.durable === 'inventory--reservation-requested')!;
    const envs = Array.from({ length: 50 }, (_, i) => createEnvelope(ReservationRequested, requested(productId, { customerId: `c-${i}` }), { correlationId: randomUUID() }));
    const outcomes = await Promise.all(envs.map((e) => consumer.apply(e)));
    expect(outcomes.every((o) => o === 'processed')).toBe(true);

    expect(await stockOf(productId)).toMatchObject({ onHand: 10, reserved: 10, version: 11 });
    const holds = await db.stockHold.groupBy({ by: ['status'], where: { productId }, _count: true });
    expect(Object.fromEntries(holds.map((h) => [h.status, h._count]))).toEqual({ RESERVED: 10, FAILED: 40 });
    expect(await db.stockMovement.count({ where: { productId, kind: 'RESERVED' } })).toBe(10);
    // Each reservation's own version: the counts went 9, 8, … 0 with no step skipped or repeated.
    const reservedEvents = await db.outboxEvent.findMany({ where: { subject: StockReserved.subject, correlationId: { in: envs.map((e) => e.data.reservationId) } } });
    expect(reservedEvents.map((e) => (e.payload as any).data.available).sort((a: number, b: number) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('cancellations put the copy back, once, and never leak one', () => {
  test('cancel after the copy was held → released: reserved back down, StockReleased, movement; a repeat does nothing', async () => {
    const productId = await knownProduct();
    await receive(productId, 5);
    const r = requested(productId);
    await processed('reservation-requested', await publishRequested(r));
    const env = await publishCancelled(cancelled(r));
    await processed('reservation-cancelled', env);

    expect(await stockOf(productId)).toMatchObject({ onHand: 5, reserved: 0, version: 3 });
    expect(await db.stockHold.findUniqueOrThrow({ where: { reservationId: r.reservationId } })).toMatchObject({ status: 'RELEASED' });
    const events = await outboxFor(r.reservationId);
    expect(events.map((e) => e.subject)).toEqual([StockReserved.subject, StockReleased.subject]);
    expect(parseEvent(StockReleased, JSON.stringify(events[1].env))).toMatchObject({
      causationId: env.id,
      data: { reservationId: r.reservationId, onHand: 5, reserved: 0, available: 5, version: 3 },
    });

    await processed('reservation-cancelled', await publishCancelled(cancelled(r)));
    expect(await stockOf(productId)).toMatchObject({ reserved: 0, version: 3 });
    expect(await db.stockMovement.count({ where: { reservationId: r.reservationId } })).toBe(2);
  });

  test('a cancellation that overtakes its request: the late request holds nothing and says nothing', async () => {
    const productId = await knownProduct();
    await receive(productId, 5);
    const r = requested(productId);
    await processed('reservation-cancelled', await publishCancelled(cancelled(r, 'REQUESTED')));
    expect(await db.stockHold.findUniqueOrThrow({ where: { reservationId: r.reservationId } })).toMatchObject({ status: 'CANCELLED' });
    await processed('reservation-requested', await publishRequested(r));

    expect(await stockOf(productId)).toMatchObject({ onHand: 5, reserved: 0, version: 1 });
    expect(await db.stockHold.findUniqueOrThrow({ where: { reservationId: r.reservationId } })).toMatchObject({ status: 'CANCELLED' });
    expect(await db.stockMovement.count({ where: { reservationId: r.reservationId } })).toBe(0);
    expect(await outboxFor(r.reservationId)).toEqual([]);
  });

  test('cancelling a reservation that failed changes nothing', async () => {
    const productId = await knownProduct();
    const r = requested(productId);
    await processed('reservation-requested', await publishRequested(r));
    await processed('reservation-cancelled', await publishCancelled(cancelled(r, 'REQUESTED')));
    expect(await db.stockHold.findUniqueOrThrow({ where: { reservationId: r.reservationId } })).toMatchObject({ status: 'FAILED' });
    expect((await outboxFor(r.reservationId)).map((e) => e.subject)).toEqual([StockReservationFailed.subject]);
  });

  test('requests and cancellations of the same reservations applied concurrently, in either order: no copy leaks', async () => {
    const productId = await knownProduct();
    await receive(productId, 30);
    const inv = stack.services.inventory!;
    const request = inv.consumers.find((c) => c.durable === 'inventory--reservation-requested')!;
    const cancel = inv.consumers.find((c) => c.durable === 'inventory--reservation-cancelled')!;
    const rs = Array.from({ length: 20 }, () => requested(productId));
    await Promise.all(
      rs.flatMap((r, i) => {
        const req = () => request.apply(createEnvelope(ReservationRequested, r, { correlationId: r.reservationId }));
        const can = () => cancel.apply(createEnvelope(ReservationCancelled, cancelled(r, 'REQUESTED'), { correlationId: r.reservationId }));
        return i % 2 ? [req(), can()] : [can(), req()];
      }),
    );
    const holds = await db.stockHold.findMany({ where: { productId } });
    expect(holds).toHaveLength(20);
    // Every reservation ends holding nothing: released after it was held, or never held.
    expect(holds.every((h) => h.status === 'RELEASED' || h.status === 'CANCELLED')).toBe(true);
    expect(await stockOf(productId)).toMatchObject({ onHand: 30, reserved: 0 });
    const moves = await db.stockMovement.groupBy({ by: ['kind'], where: { productId, kind: { not: 'RECEIVED' } }, _count: true });
    const released = holds.filter((h) => h.status === 'RELEASED').length;
    expect(Object.fromEntries(moves.map((m) => [m.kind, m._count]))).toEqual(released ? { RESERVED: released, RELEASED: released } : {});
  });
});

describe('queries and federation', () => {
  test('Product._entities adds stock to catalog products: counts, zeros when never stocked, null when unknown', async () => {
    const stocked = await knownProduct();
    const empty = await knownProduct();
    await receive(stocked, 7);
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock { productId onHand reserved available updatedAt } } } }`, {
      r: [
        { __typename: 'Product', id: stocked },
        { __typename: 'Product', id: empty },
        { __typename: 'Product', id: 'no-such-product' },
      ],
    });
    expect(r.errors).toBeUndefined();
    const row = await stockOf(stocked);
    expect(r.data._entities).toEqual([
      { id: stocked, stock: { productId: stocked, onHand: 7, reserved: 0, available: 7, updatedAt: row.updatedAt.toISOString() } },
      { id: empty, stock: { productId: empty, onHand: 0, reserved: 0, available: 0, updatedAt: null } },
      { id: 'no-such-product', stock: null },
    ]);
  });

  test('stock(productId) and stockMovements(productId) show the counts and who moved them, newest first', async () => {
    const productId = await knownProduct();
    await receive(productId, 2);
    const r = requested(productId);
    await processed('reservation-requested', await publishRequested(r));
    const q = await subgraphGql(url(), `query($p: ID!) { stock(productId: $p) { onHand reserved available } stockMovements(productId: $p) { kind qty reservationId handledBy } }`, { p: productId }, { actor: as.stockManager() });
    expect(q.errors).toBeUndefined();
    expect(q.data).toEqual({
      stock: { onHand: 2, reserved: 1, available: 1 },
      stockMovements: [
        { kind: 'RESERVED', qty: 1, reservationId: r.reservationId, handledBy: INSTANCE },
        { kind: 'RECEIVED', qty: 2, reservationId: null, handledBy: INSTANCE },
      ],
    });
    expect((await subgraphGql(url(), `{ stock(productId: "no-such-product") { onHand } }`)).data).toEqual({ stock: null });
  });

  test('Product._entities needs no actor of its own: the router only asks under an authorized parent', async () => {
    const productId = await knownProduct();
    await receive(productId, 3);
    const r = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock { onHand } } } }`, { r: [{ __typename: 'Product', id: productId }] }, { actor: null });
    expect(r).toEqual({ data: { _entities: [{ id: productId, stock: { onHand: 3 } }] } });
  });

  test('_service { sdl } is subgraphs/inventory/schema.graphql', async () => {
    await expectServesSchemaFile(url(), 'inventory');
  });
});

describe('who may do what', () => {
  const STOCK = `query($p: ID!) { stock(productId: $p) { onHand } }`;
  const MOVEMENTS = `query($p: ID!) { stockMovements(productId: $p) { kind qty } }`;
  const refused: Array<[string, Actor]> = [
    ['a customer', as.customer('c-1')],
    ['store staff', as.staff('city-library')],
    ['a courier', as.courier()],
  ];

  test('receiveStock: a stock manager and an admin may', async () => {
    const productId = await knownProduct();
    expect((await receive(productId, 2, as.stockManager())).data.receiveStock).toMatchObject({ onHand: 2 });
    expect((await receive(productId, 3, as.admin())).data.receiveStock).toMatchObject({ onHand: 5 });
  });

  test.each(refused)('receiveStock by %s is FORBIDDEN and writes nothing', async (_n, actor) => {
    const productId = await knownProduct();
    const r = await receive(productId, 5, actor);
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await db.stock.findUnique({ where: { productId } })).toBeNull();
    expect(await db.stockMovement.count({ where: { productId } })).toBe(0);
    expect(await db.outboxEvent.count({ where: { correlationId: productId } })).toBe(0);
  });

  test('receiveStock without an actor is UNAUTHENTICATED and writes nothing (even for bad input: who asks is checked first)', async () => {
    const productId = await knownProduct();
    for (const qty of [5, 0]) {
      const r = await receive(productId, qty, null);
      expect(r.data).toBeNull();
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await db.stock.findUnique({ where: { productId } })).toBeNull();
  });

  test('stock: any signed-in actor; no actor is UNAUTHENTICATED', async () => {
    const productId = await knownProduct();
    await receive(productId, 4);
    for (const actor of [as.customer('c-1'), as.staff('city-library'), as.courier(), as.stockManager(), as.admin()]) {
      expect(await subgraphGql(url(), STOCK, { p: productId }, { actor })).toEqual({ data: { stock: { onHand: 4 } } });
    }
    const none = await subgraphGql(url(), STOCK, { p: productId }, { actor: null });
    expect(none.data).toEqual({ stock: null });
    expect(none.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('stockMovements: a stock manager and an admin see them; other roles are FORBIDDEN with nothing shown; no actor is UNAUTHENTICATED', async () => {
    const productId = await knownProduct();
    await receive(productId, 4);
    for (const actor of [as.stockManager(), as.admin()]) {
      expect(await subgraphGql(url(), MOVEMENTS, { p: productId }, { actor })).toEqual({ data: { stockMovements: [{ kind: 'RECEIVED', qty: 4 }] } });
    }
    for (const [, actor] of refused) {
      const r = await subgraphGql(url(), MOVEMENTS, { p: productId }, { actor });
      expect(r.data).toBeNull();
      expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const none = await subgraphGql(url(), MOVEMENTS, { p: productId }, { actor: null });
    expect(none.data).toBeNull();
    expect(none.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describeRouterOnlyAccess('inventory', url);
