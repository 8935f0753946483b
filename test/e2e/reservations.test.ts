// Seed 001 (book rental) end to end through the router: inventory, asynchronous reservations,
// the stock list in mypage, concurrency, and inventory down. Inventory runs as a real process
// (so it can be killed and restarted); everything else in-process. Real nats-server and PostgreSQL.
// Each call is made by the actor who would make it: a stock manager receives copies, a customer
// reserves and cancels their own; admin (stack.gql) only to watch reservations settle.
import { PrismaPg } from '@prisma/adapter-pg';
import { openJetStream, consumerSettled, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { startStack, type Client, type SpawnedService, type Stack } from '../support/stack';
import { createInventoryClient, type InventoryDb } from '../../subgraphs/inventory/db';
import type { RentalDb } from '../../subgraphs/rental/db';

let stack: Stack;
let inventory: SpawnedService;
let inv: InventoryDb;
let rental: RentalDb;
let js: TestJetStream;

const BOOKS = ['book-1984', 'book-dune', 'book-hobbit', 'book-little-prince', 'book-sapiens', 'book-brave-new-world'];

beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog', 'rental', 'mypage', 'notification'] });
  inventory = await stack.spawn('inventory');
  inv = createInventoryClient(new PrismaPg({ connectionString: stack.dbs.url('inventory') }));
  rental = stack.services.rental!.db;
  js = await openJetStream(stack.nats.url);
  // Rental and inventory learn the library's books from the catalog's events.
  await waitFor(async () => (await rental.catalogProduct.count({ where: { id: { in: BOOKS } } })) === BOOKS.length, 'rental to learn the library', 30_000);
  await waitFor(async () => (await inv.catalogProduct.count({ where: { id: { in: BOOKS } } })) === BOOKS.length, 'inventory to learn the library', 30_000);
}, 120_000);
afterAll(async () => {
  await js?.close();
  await inv?.$disconnect();
  await stack?.close();
});

const RECEIVE = `mutation($p: ID!, $q: Int!) { receiveStock(productId: $p, qty: $q) { productId onHand reserved available } }`;
const REQUEST = `mutation($i: RequestReservationInput!) { requestReservation(input: $i) { id status title customerId } }`;
const CANCEL = `mutation($id: ID!) { cancelReservation(id: $id) { id status } }`;
const RESERVATION = `query($id: ID!) { reservation(id: $id) { id status failureReason title product { id name stock { onHand reserved available } } } }`;
const STOCK = `query($p: ID!) { product(id: $p) { id name stock { onHand reserved available } } }`;
const STOCK_LIST = `{ stockList(storeId: "city-library") { productId title available } }`;
const MY_RESERVATIONS = `{ myReservations { reservationId title status failureReason } }`;

async function receive(productId: string, qty: number) {
  const r = await stack.stockManager().gql(RECEIVE, { p: productId, q: qty });
  expect(r.errors).toBeUndefined();
  return r.data.receiveStock;
}
/** The customer (signed in as customerId) reserves a copy: the input names only the book. */
async function request(customerId: string, productId: string) {
  const r = await stack.customer(customerId).gql(REQUEST, { i: { productId } });
  expect(r.errors).toBeUndefined();
  return r.data.requestReservation as { id: string; status: string };
}
/** The reservation's customer cancels it. */
const cancel = (customerId: string, id: string) => stack.customer(customerId).gql(CANCEL, { id });
const stockOf = async (productId: string) => (await stack.gql(STOCK, { p: productId })).data?.product?.stock;
/** Waits until rental has inventory's answer (or the cancellation) for a reservation. */
const settled = (id: string, status: string) =>
  waitFor(async () => {
    const r = (await stack.gql(RESERVATION, { id })).data?.reservation;
    return r?.status === status ? r : null;
  }, `reservation ${id} to be ${status}`, 30_000);
const stockLine = (productId: string, available: number) =>
  waitFor(async () => {
    const line = ((await stack.customer('c-browsing').gql(STOCK_LIST)).data?.stockList ?? []).find((s: any) => s.productId === productId);
    return line?.available === available ? line : null;
  }, `mypage's stock list to show ${productId} with ${available} available`, 30_000);
const myReservation = (customerId: string, id: string, status: string) =>
  waitFor(async () => {
    const v = ((await stack.customer(customerId).gql(MY_RESERVATIONS)).data?.myReservations ?? []).find((x: any) => x.reservationId === id);
    return v?.status === status ? v : null;
  }, `mypage to show reservation ${id} as ${status}`, 30_000);
const MESSAGES = `query($id: ID!) { reservation(id: $id) { messages { status deliveryStatus message } } }`;
/** The customer's messages about a reservation through the router (Reservation.messages from notification), once `n` are SENT. */
const sentMessages = (id: string, n: number) =>
  waitFor(async () => {
    const m = ((await stack.gql(MESSAGES, { id })).data?.reservation?.messages ?? []) as Array<{ status: string; deliveryStatus: string; message: string }>;
    return m.length >= n && m.every((x) => x.deliveryStatus === 'SENT') ? m : null;
  }, `notification to send ${n} message(s) about reservation ${id}`, 30_000);
/** True once inventory has worked off every reservation event (requests and cancellations). */
const inventoryIdle = async () =>
  consumerSettled(await js.consumer('RENTAL', 'inventory--reservation-requested')) && consumerSettled(await js.consumer('RENTAL', 'inventory--reservation-cancelled'));

test('the library and its books are in the catalog; inventory knows them with no copies yet', async () => {
  const r = await stack.gql(`{ stores(kind: LIBRARY) { id name products { id name } } }`);
  expect(r.errors).toBeUndefined();
  expect(r.data.stores).toEqual([expect.objectContaining({ id: 'city-library', name: 'City Library' })]);
  expect(r.data.stores[0].products.map((p: any) => p.id).sort()).toEqual([...BOOKS].sort());
  expect(await stockOf('book-brave-new-world')).toEqual({ onHand: 0, reserved: 0, available: 0 });
});

test('seed case 1: stock 5 → reserve → RESERVED, stock 4; the stock list and the customer’s view follow', async () => {
  expect(await receive('book-1984', 5)).toEqual({ productId: 'book-1984', onHand: 5, reserved: 0, available: 5 });
  await stockLine('book-1984', 5);

  const r = await request('c-1', 'book-1984');
  // Recorded at once; inventory answers asynchronously.
  expect(r).toMatchObject({ status: 'REQUESTED', title: '1984', customerId: 'c-1' });
  const done = await settled(r.id, 'RESERVED');
  // One reservation, three subgraphs: rental's reservation, catalog's product, inventory's stock.
  expect(done).toEqual({
    id: r.id,
    status: 'RESERVED',
    failureReason: null,
    title: '1984',
    product: { id: 'book-1984', name: '1984', stock: { onHand: 5, reserved: 1, available: 4 } },
  });
  await stockLine('book-1984', 4);
  await myReservation('c-1', r.id, 'RESERVED');
  // The customer is told (notification, log channel).
  expect(await sentMessages(r.id, 1)).toEqual([{ status: 'RESERVED', deliveryStatus: 'SENT', message: `${r.id} c-1 Reserved: 1984` }]);
});

test('seed case 2: stock 0 → reserve → FAILED, with the reason visible; stock unchanged', async () => {
  expect(await stockOf('book-dune')).toEqual({ onHand: 0, reserved: 0, available: 0 });
  const r = await request('c-2', 'book-dune');
  expect(r.status).toBe('REQUESTED');
  const done = await settled(r.id, 'FAILED');
  expect(done.failureReason).toBe('OUT_OF_STOCK');
  expect(await stockOf('book-dune')).toEqual({ onHand: 0, reserved: 0, available: 0 });
  expect(await myReservation('c-2', r.id, 'FAILED')).toMatchObject({ failureReason: 'OUT_OF_STOCK', title: 'Dune' });
  expect(await sentMessages(r.id, 1)).toEqual([{ status: 'FAILED', deliveryStatus: 'SENT', message: `${r.id} c-2 No copy available: Dune` }]);
  // A failed reservation cannot be cancelled.
  const refused = await cancel('c-2', r.id);
  expect(refused.errors?.[0].extensions?.code).toBe('RESERVATION_NOT_CANCELLABLE');
});

test('seed case 3: stock 5 → reserve → cancel → CANCELLED, stock back to 5', async () => {
  await receive('book-hobbit', 5);
  const r = await request('c-3', 'book-hobbit');
  await settled(r.id, 'RESERVED');
  expect(await stockOf('book-hobbit')).toEqual({ onHand: 5, reserved: 1, available: 4 });

  const cancelled = await cancel('c-3', r.id);
  expect(cancelled.errors).toBeUndefined();
  expect(cancelled.data.cancelReservation).toEqual({ id: r.id, status: 'CANCELLED' });
  await waitFor(async () => (await stockOf('book-hobbit'))?.available === 5, 'inventory to put the copy back', 30_000);
  expect(await stockOf('book-hobbit')).toEqual({ onHand: 5, reserved: 0, available: 5 });
  await stockLine('book-hobbit', 5);
  await myReservation('c-3', r.id, 'CANCELLED');

  const again = await cancel('c-3', r.id);
  expect(again.errors?.[0].extensions?.code).toBe('RESERVATION_NOT_CANCELLABLE');
  await waitFor(inventoryIdle, 'inventory to be idle');
  expect(await inv.stockMovement.count({ where: { reservationId: r.id } })).toBe(2);

  // Told twice: reserved, then cancelled (the refused second cancel tells nothing).
  const messages = await sentMessages(r.id, 2);
  expect([...messages].sort((a, b) => b.status.localeCompare(a.status))).toEqual([
    { status: 'RESERVED', deliveryStatus: 'SENT', message: `${r.id} c-3 Reserved: The Hobbit` },
    { status: 'CANCELLED', deliveryStatus: 'SENT', message: `${r.id} c-3 Reservation cancelled: The Hobbit` },
  ]);
});

describe('bad input gets a coded error and writes nothing', () => {
  const customer = () => stack.customer('c-9');
  const stockManager = () => stack.stockManager();
  const cases: Array<[string, () => Client, string, Record<string, unknown>, string]> = [
    ['reservation of an unknown product', customer, REQUEST, { i: { productId: 'no-such-book' } }, 'PRODUCT_NOT_FOUND'],
    ['reservation with a blank product', customer, REQUEST, { i: { productId: ' ' } }, 'BAD_USER_INPUT'],
    ['reservation naming a customer in the input (the token says who)', customer, REQUEST, { i: { customerId: 'c-1', productId: 'book-1984' } }, 'BAD_USER_INPUT'],
    ['cancelling an unknown reservation', customer, CANCEL, { id: 'no-such-reservation' }, 'RESERVATION_NOT_FOUND'],
    ['receiving 0 copies', stockManager, RECEIVE, { p: 'book-1984', q: 0 }, 'BAD_USER_INPUT'],
    ['receiving copies of an unknown product', stockManager, RECEIVE, { p: 'no-such-book', q: 1 }, 'PRODUCT_NOT_FOUND'],
  ];
  test.each(cases)('%s', async (_name, client, query, variables, code) => {
    const before = { reservations: await rental.reservation.count(), movements: await inv.stockMovement.count() };
    const r = await client().gql(query, variables);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe(code);
    expect({ reservations: await rental.reservation.count(), movements: await inv.stockMovement.count() }).toEqual(before);
  });
});

test('10 copies, 50 concurrent reservation requests → exactly 10 RESERVED, 40 FAILED, stock 0', async () => {
  await receive('book-little-prince', 10);
  const requested = await Promise.all(Array.from({ length: 50 }, (_, i) => request(`c-crowd-${i}`, 'book-little-prince')));
  expect(requested.every((r) => r.status === 'REQUESTED')).toBe(true);
  const ids = requested.map((r) => r.id);

  await waitFor(async () => (await rental.reservation.count({ where: { id: { in: ids }, status: 'REQUESTED' } })) === 0, 'every reservation to be answered', 30_000);
  const counts = await rental.reservation.groupBy({ by: ['status'], where: { id: { in: ids } }, _count: true });
  expect(Object.fromEntries(counts.map((c) => [c.status, c._count]))).toEqual({ RESERVED: 10, FAILED: 40 });
  expect(await stockOf('book-little-prince')).toEqual({ onHand: 10, reserved: 10, available: 0 });
  expect(await inv.stockHold.count({ where: { reservationId: { in: ids }, status: 'RESERVED' } })).toBe(10);
  await stockLine('book-little-prince', 0);
});

test('inventory down (killed): reservations and a cancellation are still accepted; when it is back they complete, no copy leaks', async () => {
  await receive('book-sapiens', 3);
  await inventory.stop('SIGKILL');

  const a = await request('c-down-a', 'book-sapiens');
  const b = await request('c-down-b', 'book-sapiens');
  const c = await request('c-down-c', 'book-sapiens');
  // Cancelled before inventory ever saw it: inventory will see both events, in no particular order.
  expect((await cancel('c-down-c', c.id)).data.cancelReservation.status).toBe('CANCELLED');
  for (const r of [a, b, c]) expect(r.status).toBe('REQUESTED');
  // Announced while inventory is away: the events wait in the stream for its durable consumers.
  await waitFor(async () => (await rental.outboxEvent.count({ where: { correlationId: { in: [a.id, b.id, c.id] }, sentAt: null } })) === 0, 'rental to publish', 30_000);
  expect(await inv.stockHold.count({ where: { reservationId: { in: [a.id, b.id, c.id] } } })).toBe(0);
  expect((await rental.reservation.findUniqueOrThrow({ where: { id: a.id } })).status).toBe('REQUESTED');

  inventory = await stack.spawn('inventory');
  await settled(a.id, 'RESERVED');
  await settled(b.id, 'RESERVED');
  await waitFor(inventoryIdle, 'inventory to catch up on every reservation event', 30_000);
  expect((await rental.reservation.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('CANCELLED');
  expect(await stockOf('book-sapiens')).toEqual({ onHand: 3, reserved: 2, available: 1 });
  expect(['CANCELLED', 'RELEASED']).toContain((await inv.stockHold.findUniqueOrThrow({ where: { reservationId: c.id } })).status);
  await stockLine('book-sapiens', 1);
});
