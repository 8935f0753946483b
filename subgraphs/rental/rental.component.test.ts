// The rental subgraph alone: the catalog's and inventory's events arrive on their streams as
// their relays would publish them; customers call it as the router would. Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../platform/auth';
import { parseEvent, type Envelope, type EventData } from '../../platform/events';
import { as } from '../../test/support/auth';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import { ProductAdded } from '../catalog/contracts';
import { StockReservationFailed, StockReserved } from '../inventory/contracts';
import { ReservationCancelled, ReservationConfirmed, ReservationFailed, ReservationRequested } from './contracts';
import type { RentalDb } from './db';

let stack: Stack;
let db: RentalDb;
const url = () => stack.services.rental!.url;
const BOOK = `book-${randomUUID()}`;

beforeAll(async () => {
  stack = await startStack({ contexts: ['rental'], router: false });
  db = stack.services.rental!.db;
  await publishEvent(stack.nats.url, ProductAdded, { productId: BOOK, storeId: 'city-library', name: 'Dune', price: 1000 }, { correlationId: BOOK });
  await waitFor(() => db.catalogProduct.findUnique({ where: { id: BOOK } }), 'rental to learn the book');
});
afterAll(() => stack?.close());

const FIELDS = 'id customerId title status failureReason requestedAt updatedAt product { id }';
const REQUEST = `mutation($i: RequestReservationInput!) { requestReservation(input: $i) { ${FIELDS} } }`;
const CANCEL = `mutation($id: ID!) { cancelReservation(id: $id) { ${FIELDS} } }`;

/** The customer requests a copy of the book (the customer id comes from the actor, not the input). */
async function request(customerId = 'c-1') {
  const r = await subgraphGql(url(), REQUEST, { i: { productId: BOOK } }, { actor: as.customer(customerId) });
  expect(r.errors).toBeUndefined();
  return r.data.requestReservation as { id: string; status: string; requestedAt: string; customerId: string };
}
/** A cancellation by this actor (null: none). */
const cancel = (id: string, actor: Actor | null) => subgraphGql(url(), CANCEL, { id }, { actor });

const level = { productId: BOOK, onHand: 5, reserved: 1, available: 4, version: 2 };
const reserved = (reservationId: string, customerId = 'c-1'): EventData<typeof StockReserved> => ({ ...level, reservationId, customerId, reservedAt: new Date().toISOString() });
const failed = (reservationId: string, customerId = 'c-1'): EventData<typeof StockReservationFailed> => ({
  ...level,
  reserved: 5,
  available: 0,
  reservationId,
  customerId,
  reason: 'OUT_OF_STOCK',
  failedAt: new Date().toISOString(),
});

const publishReserved = (d: EventData<typeof StockReserved>) => publishEvent(stack.nats.url, StockReserved, d, { correlationId: d.reservationId });
const publishFailed = (d: EventData<typeof StockReservationFailed>) => publishEvent(stack.nats.url, StockReservationFailed, d, { correlationId: d.reservationId });

const processed = (consumer: 'stock-reserved' | 'stock-reservation-failed', env: Envelope) =>
  waitFor(() => db.processedEvent.findUnique({ where: { consumer_eventId: { consumer: `rental--${consumer}`, eventId: env.id } } }), `rental--${consumer} to process ${env.id}`, 30_000);

const outboxFor = async (reservationId: string) =>
  (await db.outboxEvent.findMany({ where: { correlationId: reservationId }, orderBy: { seq: 'asc' } })).map((e) => ({ subject: e.subject, env: e.payload as unknown as Envelope<any> }));

describe('requestReservation', () => {
  test('records REQUESTED and ReservationRequested in one commit, answers at once; the relay publishes it', async () => {
    const r = await request('c-request');
    expect(r).toMatchObject({ customerId: 'c-request', title: 'Dune', status: 'REQUESTED', failureReason: null, product: { id: BOOK } });
    const row = await db.reservation.findUniqueOrThrow({ where: { id: r.id } });
    expect(row).toMatchObject({ status: 'REQUESTED', productId: BOOK, version: 1 });
    const [event] = await outboxFor(r.id);
    expect(event.subject).toBe(ReservationRequested.subject);
    expect(parseEvent(ReservationRequested, JSON.stringify(event.env))).toMatchObject({
      correlationId: r.id,
      causationId: null,
      data: { reservationId: r.id, customerId: 'c-request', productId: BOOK, title: 'Dune', status: 'REQUESTED', version: 1, requestedAt: r.requestedAt },
    });
    await waitFor(async () => (await db.outboxEvent.findUniqueOrThrow({ where: { id: event.env.id } })).sentAt, 'ReservationRequested to be published');
  });

  test.each([
    ['unknown product', 'c-bad', { productId: 'no-such-book' }, 'PRODUCT_NOT_FOUND', 'productId'],
    // Refused at the boundary (platform/input-rules.ts), which names the argument path.
    ['blank product', 'c-bad', { productId: '' }, 'BAD_USER_INPUT', 'input.productId'],
    ['over-long customer id (from the token)', 'c'.repeat(65), { productId: BOOK }, 'BAD_USER_INPUT', 'customerId'],
  ])('%s is %s and writes nothing', async (_n, customerId, input, code, field) => {
    const before = { reservations: await db.reservation.count(), outbox: await db.outboxEvent.count() };
    const r = await subgraphGql(url(), REQUEST, { i: input }, { actor: as.customer(customerId) });
    // A boundary refusal has no data at all; a resolver's error has data null.
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0].extensions).toMatchObject({ code });
    if (code === 'BAD_USER_INPUT') expect(r.errors?.[0].extensions?.field).toBe(field);
    expect({ reservations: await db.reservation.count(), outbox: await db.outboxEvent.count() }).toEqual(before);
  });
});

describe("inventory's answer", () => {
  test('StockReserved → RESERVED and ReservationConfirmed (the customer’s success message), caused by it', async () => {
    const r = await request('c-ok');
    const env = await publishReserved(reserved(r.id, 'c-ok'));
    await processed('stock-reserved', env);
    expect(await db.reservation.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: 'RESERVED', version: 2, failureReason: null });
    const events = await outboxFor(r.id);
    expect(events.map((e) => e.subject)).toEqual([ReservationRequested.subject, ReservationConfirmed.subject]);
    expect(parseEvent(ReservationConfirmed, JSON.stringify(events[1].env))).toMatchObject({
      correlationId: r.id,
      causationId: env.id,
      data: { reservationId: r.id, customerId: 'c-ok', title: 'Dune', status: 'RESERVED', version: 2 },
    });

    // A repeated answer (a new envelope) changes nothing.
    await processed('stock-reserved', await publishReserved(reserved(r.id, 'c-ok')));
    expect((await outboxFor(r.id)).length).toBe(2);
  });

  test('StockReservationFailed → FAILED with the reason visible, and ReservationFailed', async () => {
    const r = await request('c-fail');
    await processed('stock-reservation-failed', await publishFailed(failed(r.id, 'c-fail')));
    const q = await subgraphGql(url(), `query($id: ID!) { reservation(id: $id) { status failureReason } }`, { id: r.id }, { actor: as.customer('c-fail') });
    expect(q.data.reservation).toEqual({ status: 'FAILED', failureReason: 'OUT_OF_STOCK' });
    const events = await outboxFor(r.id);
    expect(events.map((e) => e.subject)).toEqual([ReservationRequested.subject, ReservationFailed.subject]);
    expect(parseEvent(ReservationFailed, JSON.stringify(events[1].env)).data).toMatchObject({ status: 'FAILED', reason: 'OUT_OF_STOCK', version: 2 });
  });

  test('an answer for a reservation cancelled meanwhile leaves it CANCELLED (inventory releases on the cancellation)', async () => {
    const r = await request('c-race');
    expect((await cancel(r.id, as.customer('c-race'))).data.cancelReservation.status).toBe('CANCELLED');
    await processed('stock-reserved', await publishReserved(reserved(r.id, 'c-race')));
    expect(await db.reservation.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect((await outboxFor(r.id)).map((e) => e.subject)).toEqual([ReservationRequested.subject, ReservationCancelled.subject]);
  });
});

describe('cancelReservation', () => {
  test('RESERVED → CANCELLED with ReservationCancelled (previous status, new version); cancelling again is RESERVATION_NOT_CANCELLABLE', async () => {
    const r = await request('c-cancel');
    await processed('stock-reserved', await publishReserved(reserved(r.id, 'c-cancel')));
    const c = await cancel(r.id, as.customer('c-cancel'));
    expect(c.errors).toBeUndefined();
    expect(c.data.cancelReservation).toMatchObject({ id: r.id, status: 'CANCELLED' });
    const events = await outboxFor(r.id);
    expect(events.map((e) => e.subject)).toEqual([ReservationRequested.subject, ReservationConfirmed.subject, ReservationCancelled.subject]);
    expect(parseEvent(ReservationCancelled, JSON.stringify(events[2].env)).data).toMatchObject({
      reservationId: r.id,
      customerId: 'c-cancel',
      productId: BOOK,
      status: 'CANCELLED',
      previousStatus: 'RESERVED',
      version: 3,
      cancelledAt: c.data.cancelReservation.updatedAt,
    });

    const again = await cancel(r.id, as.customer('c-cancel'));
    expect(again.data).toBeNull();
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'RESERVATION_NOT_CANCELLABLE', reservationId: r.id, status: 'CANCELLED' });
    expect((await outboxFor(r.id)).length).toBe(3);
  });

  test('a FAILED reservation is RESERVATION_NOT_CANCELLABLE; unknown is RESERVATION_NOT_FOUND; blank is BAD_USER_INPUT; nothing written', async () => {
    const r = await request('c-nope');
    await processed('stock-reservation-failed', await publishFailed(failed(r.id, 'c-nope')));
    const before = await db.outboxEvent.count();
    const notCancellable = await cancel(r.id, as.customer('c-nope'));
    expect(notCancellable.errors?.[0].extensions).toMatchObject({ code: 'RESERVATION_NOT_CANCELLABLE', status: 'FAILED' });
    const unknown = await cancel('no-such-reservation', as.customer('c-nope'));
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'RESERVATION_NOT_FOUND', reservationId: 'no-such-reservation' });
    const blank = await cancel(' ', as.customer('c-nope'));
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(await db.outboxEvent.count()).toBe(before);
    expect((await db.reservation.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('FAILED');
  });

  test('10 concurrent cancels of one reservation: one succeeds, nine are RESERVATION_NOT_CANCELLABLE, one event', async () => {
    const r = await request('c-many');
    const answers = await Promise.all(Array.from({ length: 10 }, () => cancel(r.id, as.customer('c-many'))));
    const codes = answers.map((a) => (a.errors ? a.errors[0].extensions?.code : a.data.cancelReservation.status)).sort();
    expect(codes).toEqual(['CANCELLED', ...Array(9).fill('RESERVATION_NOT_CANCELLABLE')]);
    expect((await outboxFor(r.id)).map((e) => e.subject)).toEqual([ReservationRequested.subject, ReservationCancelled.subject]);
  });
});

describe('queries and federation', () => {
  test('reservationsByCustomer (admin) lists the customer’s reservations, newest first; unknown → []; reservation(id) null when unknown', async () => {
    const customer = `c-list-${randomUUID()}`;
    const a = await request(customer);
    const b = await request(customer);
    const r = await subgraphGql(url(), `query($c: ID!) { reservationsByCustomer(customerId: $c) { id status } }`, { c: customer });
    expect(r.data.reservationsByCustomer).toEqual([
      { id: b.id, status: 'REQUESTED' },
      { id: a.id, status: 'REQUESTED' },
    ]);
    expect((await subgraphGql(url(), `{ reservationsByCustomer(customerId: "nobody") { id } }`)).data.reservationsByCustomer).toEqual([]);
    expect(await subgraphGql(url(), `{ reservation(id: "nope") { id } }`)).toEqual({ data: { reservation: null } });
    expect(await subgraphGql(url(), `{ reservation(id: "nope") { id } }`, undefined, { actor: as.customer(customer) })).toEqual({ data: { reservation: null } });
  });

  test('Reservation._entities resolves by id with its product reference; null when unknown (no actor of its own: the router asks under an authorized parent)', async () => {
    const r = await request('c-entities');
    const q = await subgraphGql(url(), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Reservation { id status title product { id } } } }`, {
      r: [
        { __typename: 'Reservation', id: 'nope' },
        { __typename: 'Reservation', id: r.id },
      ],
    }, { actor: null });
    expect(q.errors).toBeUndefined();
    expect(q.data._entities).toEqual([null, { id: r.id, status: 'REQUESTED', title: 'Dune', product: { id: BOOK } }]);
  });

  test('_service { sdl } is subgraphs/rental/schema.graphql', async () => {
    await expectServesSchemaFile(url(), 'rental');
  });
});

describe('who may do what', () => {
  const RESERVATION = `query($id: ID!) { reservation(id: $id) { id customerId status } }`;
  const BY_CUSTOMER = `query($c: ID!) { reservationsByCustomer(customerId: $c) { id } }`;
  const notCustomers: Array<[string, Actor]> = [
    ['an admin', as.admin()],
    ['store staff', as.staff('city-library')],
    ['a courier', as.courier()],
    ['a stock manager', as.stockManager()],
  ];
  const othersThanOwnerOrAdmin: Array<[string, Actor]> = [
    ['another customer', as.customer('c-intruder')],
    ['store staff', as.staff('city-library')],
    ['a courier', as.courier()],
    ['a stock manager', as.stockManager()],
  ];
  const counts = async () => ({ reservations: await db.reservation.count(), outbox: await db.outboxEvent.count() });

  test('requestReservation: the reservation is the signed-in customer’s', async () => {
    const r = await request('c-signed-in');
    expect(r.customerId).toBe('c-signed-in');
    expect(await db.reservation.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ customerId: 'c-signed-in' });
  });

  test('requestReservation with a customerId in the input is refused (BAD_USER_INPUT): nobody reserves for someone else', async () => {
    const before = await counts();
    const r = await subgraphGql(url(), REQUEST, { i: { customerId: 'c-victim', productId: BOOK } }, { actor: as.customer('c-attacker') });
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await counts()).toEqual(before);
    expect(await db.reservation.count({ where: { customerId: { in: ['c-victim', 'c-attacker'] } } })).toBe(0);
  });

  test.each(notCustomers)('requestReservation by %s is FORBIDDEN and writes nothing', async (_n, actor) => {
    const before = await counts();
    const r = await subgraphGql(url(), REQUEST, { i: { productId: BOOK } }, { actor });
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
  });

  test('requestReservation without an actor is UNAUTHENTICATED and writes nothing', async () => {
    const before = await counts();
    const r = await subgraphGql(url(), REQUEST, { i: { productId: BOOK } }, { actor: null });
    expect(r.data).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await counts()).toEqual(before);
  });

  test('reservation(id): its customer and an admin see it', async () => {
    const r = await request('c-owner');
    for (const actor of [as.customer('c-owner'), as.admin()]) {
      expect(await subgraphGql(url(), RESERVATION, { id: r.id }, { actor })).toEqual({ data: { reservation: { id: r.id, customerId: 'c-owner', status: 'REQUESTED' } } });
    }
  });

  test.each(othersThanOwnerOrAdmin)('reservation(id) of someone else’s, asked by %s, is FORBIDDEN with nothing of it shown', async (_n, actor) => {
    const r = await request('c-owner');
    const q = await subgraphGql(url(), RESERVATION, { id: r.id }, { actor });
    expect(q.data).toEqual({ reservation: null });
    expect(q.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(q)).not.toContain('c-owner');
  });

  test('reservation(id) without an actor is UNAUTHENTICATED', async () => {
    const r = await request('c-owner');
    const q = await subgraphGql(url(), RESERVATION, { id: r.id }, { actor: null });
    expect(q.data).toEqual({ reservation: null });
    expect(q.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('cancelReservation: its customer may, and so may an admin', async () => {
    const mine = await request('c-owner');
    expect((await cancel(mine.id, as.customer('c-owner'))).data.cancelReservation).toMatchObject({ id: mine.id, status: 'CANCELLED' });
    const other = await request('c-owner');
    expect((await cancel(other.id, as.admin())).data.cancelReservation).toMatchObject({ id: other.id, status: 'CANCELLED' });
  });

  test.each(othersThanOwnerOrAdmin)('cancelReservation of someone else’s by %s is FORBIDDEN: it stays REQUESTED and nothing is announced', async (_n, actor) => {
    const r = await request('c-owner');
    const c = await cancel(r.id, actor);
    expect(c.data).toBeNull();
    expect(c.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await db.reservation.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: 'REQUESTED', version: 1 });
    expect((await outboxFor(r.id)).map((e) => e.subject)).toEqual([ReservationRequested.subject]);
  });

  test('cancelReservation without an actor is UNAUTHENTICATED and changes nothing', async () => {
    const r = await request('c-owner');
    const c = await cancel(r.id, null);
    expect(c.data).toBeNull();
    expect(c.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await db.reservation.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: 'REQUESTED', version: 1 });
  });

  test('reservationsByCustomer: admins only — a customer, even for their own id, is FORBIDDEN; no actor is UNAUTHENTICATED', async () => {
    const r = await request('c-listed');
    expect((await subgraphGql(url(), BY_CUSTOMER, { c: 'c-listed' }, { actor: as.admin() })).data.reservationsByCustomer).toEqual(expect.arrayContaining([{ id: r.id }]));
    for (const actor of [as.customer('c-listed'), as.customer('c-other'), as.staff('city-library'), as.courier(), as.stockManager()]) {
      const q = await subgraphGql(url(), BY_CUSTOMER, { c: 'c-listed' }, { actor });
      expect(q.data).toBeNull();
      expect(q.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const none = await subgraphGql(url(), BY_CUSTOMER, { c: 'c-listed' }, { actor: null });
    expect(none.data).toBeNull();
    expect(none.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describeRouterOnlyAccess('rental', url);
