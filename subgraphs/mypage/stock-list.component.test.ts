// mypage's stock list and reservation views alone: the catalog's, inventory's and rental's
// events arrive on their streams as their relays would publish them, in and out of order.
// Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import type { Envelope, EventContract, EventData } from '../../platform/events';
import type { Actor } from '../../platform/auth';
import { as } from '../../test/support/auth';
import { publishEvent } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type GraphQLResponse, type Stack } from '../../test/support/stack';
import { ProductAdded } from '../catalog/contracts';
import { StockReceived, StockReleased, StockReserved } from '../inventory/contracts';
import { ReservationCancelled, ReservationConfirmed, ReservationFailed, ReservationRequested } from '../rental/contracts';
import type { MypageDb } from './db';

let stack: Stack;
let db: MypageDb;
const url = () => stack.services.mypage!.url;

beforeAll(async () => {
  stack = await startStack({ contexts: ['mypage'], router: false });
  db = stack.services.mypage!.db;
});
afterAll(() => stack?.close());

/** Publishes as the producer's relay would and waits until mypage's consumer has committed it. */
async function deliver<C extends EventContract>(contract: C, consumer: string, data: EventData<C>, correlationId: string): Promise<Envelope> {
  const env = await publishEvent(stack.nats.url, contract, data, { correlationId });
  await waitFor(
    () => db.processedEvent.findUnique({ where: { consumer_eventId: { consumer: `mypage--${consumer}`, eventId: env.id } } }),
    `mypage--${consumer} to process ${env.id}`,
    30_000,
  );
  return env;
}

const added = (productId: string, name: string, storeId: string) =>
  deliver(ProductAdded, 'stock-list-products', { productId, storeId, name, price: 1000 }, productId);
const levelAt = (productId: string, onHand: number, reserved: number, version: number) => ({ productId, onHand, reserved, available: onHand - reserved, version });
const received = (productId: string, onHand: number, version: number, qty = onHand) =>
  deliver(StockReceived, 'stock-received', { ...levelAt(productId, onHand, 0, version), qty, receivedAt: new Date().toISOString() }, productId);
const reservedTo = (productId: string, onHand: number, reserved: number, version: number) =>
  deliver(StockReserved, 'stock-reserved', { ...levelAt(productId, onHand, reserved, version), reservationId: randomUUID(), customerId: 'c-1', reservedAt: new Date().toISOString() }, productId);
const releasedTo = (productId: string, onHand: number, reserved: number, version: number) =>
  deliver(StockReleased, 'stock-released', { ...levelAt(productId, onHand, reserved, version), reservationId: randomUUID(), customerId: 'c-1', releasedAt: new Date().toISOString() }, productId);

const LIST = `query($s: ID, $in: Boolean) { stockList(storeId: $s, inStockOnly: $in) { productId title storeId available product { id } } }`;
/** The list as a customer browses it. */
const list = async (storeId: string, inStockOnly?: boolean, actor: Actor = as.customer('c-browser')) => {
  const r = await subgraphGql(url(), LIST, { s: storeId, in: inStockOnly }, { actor });
  expect(r.errors).toBeUndefined();
  return r.data.stockList as Array<{ productId: string; title: string; available: number }>;
};

describe('the stock list follows catalog and inventory events', () => {
  test('a stocked book shows its title and available copies; reservations and releases move the count', async () => {
    const store = `lib-${randomUUID()}`;
    const book = `book-${randomUUID()}`;
    await added(book, 'Dune', store);
    // Announced but never stocked: not on the list yet.
    expect(await list(store)).toEqual([]);
    await received(book, 5, 1);
    expect(await list(store)).toEqual([{ productId: book, title: 'Dune', storeId: store, available: 5, product: { id: book } }]);
    await reservedTo(book, 5, 1, 2);
    expect((await list(store))[0].available).toBe(4);
    await releasedTo(book, 5, 0, 3);
    expect((await list(store))[0].available).toBe(5);
    expect(await db.stockItem.findUniqueOrThrow({ where: { productId: book } })).toMatchObject({ onHand: 5, available: 5, stockVersion: 3 });
  });

  test('an older stock event arriving late never shows an older count', async () => {
    const store = `lib-${randomUUID()}`;
    const book = `book-${randomUUID()}`;
    await added(book, '1984', store);
    await reservedTo(book, 5, 2, 3);
    // Versions 1 (received) and 2 (an earlier reservation) overtaken by version 3.
    await received(book, 5, 1);
    await reservedTo(book, 5, 1, 2);
    expect(await list(store)).toMatchObject([{ productId: book, available: 3 }]);
    expect((await db.stockItem.findUniqueOrThrow({ where: { productId: book } })).stockVersion).toBe(3);
    // The same version again changes nothing either.
    await releasedTo(book, 5, 0, 3);
    expect(await list(store)).toMatchObject([{ available: 3 }]);
  });

  test('counts that overtake the title are kept; the line shows once the title arrives', async () => {
    const store = `lib-${randomUUID()}`;
    const book = `book-${randomUUID()}`;
    await received(book, 2, 1);
    expect(await db.stockItem.findUniqueOrThrow({ where: { productId: book } })).toMatchObject({ title: null, available: 2 });
    expect((await subgraphGql(url(), `{ stockList { productId } }`, undefined, { actor: as.customer('c-browser') })).data.stockList.map((s: any) => s.productId)).not.toContain(book);
    await added(book, 'The Hobbit', store);
    expect(await list(store)).toMatchObject([{ productId: book, title: 'The Hobbit', available: 2 }]);
  });

  test('by title; storeId filters by store; inStockOnly hides books with no free copy', async () => {
    const store = `lib-${randomUUID()}`;
    const [a, b, c] = [`book-${randomUUID()}`, `book-${randomUUID()}`, `book-${randomUUID()}`];
    await added(a, 'Zorba', store);
    await added(b, 'Anna Karenina', store);
    await added(c, 'Moby Dick', `${store}-other`);
    await received(a, 1, 1);
    await reservedTo(a, 1, 1, 2);
    await received(b, 3, 1);
    await received(c, 3, 1);
    expect((await list(store)).map((s) => [s.title, s.available])).toEqual([
      ['Anna Karenina', 3],
      ['Zorba', 0],
    ]);
    expect((await list(store, true)).map((s) => s.title)).toEqual(['Anna Karenina']);
    expect((await list('no-such-store')).length).toBe(0);
  });
});

describe('the customer’s reservations follow rental’s events', () => {
  const base = (customerId: string, overrides: Partial<EventData<typeof ReservationRequested>> = {}) => ({
    reservationId: randomUUID(),
    customerId,
    productId: 'book-dune',
    title: 'Dune',
    version: 1,
    requestedAt: new Date().toISOString(),
    ...overrides,
  });
  const MINE = `{ myReservations { reservationId productId title status failureReason requestedAt } }`;
  /** The signed-in customer's reservations: the customer comes from the actor, never from an argument. */
  const mine = async (c: string) => {
    const r = await subgraphGql(url(), MINE, undefined, { actor: as.customer(c) });
    expect(r.errors).toBeUndefined();
    return r.data.myReservations;
  };

  test('requested → reserved → cancelled, each shown; a late, older event does not undo a newer one', async () => {
    const customer = `c-${randomUUID()}`;
    const r = base(customer);
    await deliver(ReservationRequested, 'reservation-requested', { ...r, status: 'REQUESTED' }, r.reservationId);
    expect(await mine(customer)).toEqual([{ reservationId: r.reservationId, productId: 'book-dune', title: 'Dune', status: 'REQUESTED', failureReason: null, requestedAt: r.requestedAt }]);
    await deliver(ReservationCancelled, 'reservation-cancelled', { ...r, status: 'CANCELLED', previousStatus: 'RESERVED', version: 3, cancelledAt: new Date().toISOString() }, r.reservationId);
    // The confirmation (version 2) arrives after the cancellation (version 3).
    await deliver(ReservationConfirmed, 'reservation-confirmed', { ...r, status: 'RESERVED', version: 2, confirmedAt: new Date().toISOString() }, r.reservationId);
    expect((await mine(customer))[0].status).toBe('CANCELLED');
    expect((await db.reservationView.findUniqueOrThrow({ where: { reservationId: r.reservationId } })).version).toBe(3);
  });

  test('a failed reservation shows its reason; newest first; only the signed-in customer’s; none → []', async () => {
    const customer = `c-${randomUUID()}`;
    const older = base(customer, { requestedAt: new Date(Date.now() - 60_000).toISOString() });
    const newer = base(customer);
    // The failure arrives before its request: the view is created from it.
    await deliver(ReservationFailed, 'reservation-failed', { ...newer, status: 'FAILED', version: 2, reason: 'OUT_OF_STOCK', failedAt: new Date().toISOString() }, newer.reservationId);
    await deliver(ReservationRequested, 'reservation-requested', { ...newer, status: 'REQUESTED' }, newer.reservationId);
    await deliver(ReservationRequested, 'reservation-requested', { ...older, status: 'REQUESTED' }, older.reservationId);
    const someoneElses = base(`${customer}-other`);
    await deliver(ReservationRequested, 'reservation-requested', { ...someoneElses, status: 'REQUESTED' }, someoneElses.reservationId);
    expect((await mine(customer)).map((v: any) => [v.reservationId, v.status, v.failureReason])).toEqual([
      [newer.reservationId, 'FAILED', 'OUT_OF_STOCK'],
      [older.reservationId, 'REQUESTED', null],
    ]);
    expect(await mine('nobody')).toEqual([]);
  });
});

describe('authorization', () => {
  /** A refused root field: the error's code at that field, and no data (both fields are non-null lists). */
  const expectRefused = (r: GraphQLResponse, field: string, code: 'FORBIDDEN' | 'UNAUTHENTICATED') => {
    expect(r.data).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ path: [field], extensions: { code } });
  };

  test('stockList answers every signed-in role the same', async () => {
    const store = `lib-${randomUUID()}`;
    const book = `book-${randomUUID()}`;
    await added(book, 'Sapiens', store);
    await received(book, 2, 1);
    const expected = [{ productId: book, title: 'Sapiens', storeId: store, available: 2, product: { id: book } }];
    for (const actor of [as.customer('c-1'), as.staff('city-library'), as.courier(), as.stockManager(), as.admin()]) {
      expect({ role: actor.role, list: await list(store, undefined, actor) }).toEqual({ role: actor.role, list: expected });
    }
  });

  test('stockList without an actor: UNAUTHENTICATED', async () => {
    expectRefused(await subgraphGql(url(), LIST, { s: 'city-library' }, { actor: null }), 'stockList', 'UNAUTHENTICATED');
  });

  const MINE = `{ myReservations { reservationId status } }`;
  test.each<[string, Actor]>([
    ['an admin', as.admin()],
    ['store staff', as.staff('city-library')],
    ['a courier', as.courier()],
    ['a stock manager', as.stockManager()],
  ])('myReservations for %s is FORBIDDEN (it is a customer’s own list)', async (_who, actor) => {
    expectRefused(await subgraphGql(url(), MINE, undefined, { actor }), 'myReservations', 'FORBIDDEN');
  });

  test('myReservations without an actor: UNAUTHENTICATED', async () => {
    expectRefused(await subgraphGql(url(), MINE, undefined, { actor: null }), 'myReservations', 'UNAUTHENTICATED');
  });

  test('myReservations takes no customer id: asking for another customer’s does not validate', async () => {
    const r = await subgraphGql(url(), `{ myReservations(customerId: "c-victim") { reservationId } }`, undefined, { actor: as.customer('c-thief') });
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
