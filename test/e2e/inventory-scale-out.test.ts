// Two real inventory processes (two replicas: own ports and INSTANCE_IDs, one PostgreSQL
// database, one NATS) share each durable consumer. Under a burst of reservation requests
// both do work, and no event's effect happens twice.
import { PrismaPg } from '@prisma/adapter-pg';
import { StockReleased, StockReservationFailed, StockReserved } from '../../subgraphs/inventory/contracts';
import { createInventoryClient, type InventoryDb } from '../../subgraphs/inventory/db';
import { ReservationCancelled, ReservationRequested } from '../../subgraphs/rental/contracts';
import type { RentalDb } from '../../subgraphs/rental/db';
import { as } from '../support/auth';
import { consumerSettled, openJetStream, type TestJetStream } from '../support/jetstream';
import { freePort, waitFor } from '../support/ports';
import { startStack, subgraphGql, type Stack } from '../support/stack';

let stack: Stack;
let inv: InventoryDb;
let rental: RentalDb;
let js: TestJetStream;
const replicas: Array<{ instanceId: string; url: string }> = [];

const BOOK = 'book-brave-new-world';
const COPIES = 60;
const REQUESTS = 100;

beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog', 'rental'], router: false });
  for (const instanceId of ['inventory-a', 'inventory-b']) {
    const port = await freePort();
    await stack.spawn('inventory', { port, env: { INSTANCE_ID: instanceId } });
    replicas.push({ instanceId, url: `http://127.0.0.1:${port}/graphql` });
  }
  inv = createInventoryClient(new PrismaPg({ connectionString: stack.dbs.url('inventory') }));
  rental = stack.services.rental!.db;
  js = await openJetStream(stack.nats.url);
  await waitFor(() => rental.catalogProduct.findUnique({ where: { id: BOOK } }), 'rental to learn the book', 30_000);
  await waitFor(() => inv.catalogProduct.findUnique({ where: { id: BOOK } }), 'inventory to learn the book', 30_000);
}, 120_000);
afterAll(async () => {
  await js?.close();
  await inv?.$disconnect();
  await stack?.close();
});

const rentalUrl = () => stack.services.rental!.url;
/** Ids of the events rental published about these reservations. */
const eventIdsOf = async (subject: string, reservationIds: string[]) =>
  (await rental.outboxEvent.findMany({ where: { subject, correlationId: { in: reservationIds } }, select: { id: true } })).map((e) => e.id);
const idle = async (durable: string) => consumerSettled(await js.consumer('RENTAL', durable));
// Each call as the router would pass it, with the actor who makes it: a stock manager receives and
// reads stock movements; each customer requests and cancels their own reservation.
const stockManager = { actor: as.stockManager() };
const customer = (id: string) => ({ actor: as.customer(id) });
const REQUEST = `mutation($i: RequestReservationInput!) { requestReservation(input: $i) { id status } }`;
const CANCEL = `mutation($id: ID!) { cancelReservation(id: $id) { status } }`;

test('both replicas serve the API and read one database', async () => {
  const [a, b] = replicas;
  const book = 'book-sapiens';
  await waitFor(() => inv.catalogProduct.findUnique({ where: { id: book } }), 'inventory to learn the book', 30_000);
  const received = await subgraphGql(a.url, `mutation { receiveStock(productId: "${book}", qty: 2) { onHand } }`, undefined, stockManager);
  expect(received.errors).toBeUndefined();
  const seen = await subgraphGql(b.url, `{ stock(productId: "${book}") { onHand reserved available } }`, undefined, customer('c-browsing'));
  expect(seen.data.stock).toEqual({ onHand: 2, reserved: 0, available: 2 });
  const moved = await subgraphGql(b.url, `{ stockMovements(productId: "${book}") { kind qty handledBy } }`, undefined, stockManager);
  expect(moved.data.stockMovements).toEqual([{ kind: 'RECEIVED', qty: 2, handledBy: a.instanceId }]);
  // Both registered on the same durable consumers (one per policy), not one each.
  const info = await js.consumer('RENTAL', 'inventory--reservation-requested');
  expect(info.name).toBe('inventory--reservation-requested');
  const names: string[] = [];
  for await (const c of js.jsm.consumers.list('RENTAL')) names.push(c.name);
  expect(names.filter((n) => n.startsWith('inventory--')).sort()).toEqual(['inventory--reservation-cancelled', 'inventory--reservation-requested']);
});

test(`a burst of ${REQUESTS} requests for ${COPIES} copies: both replicas work, each reservation is handled once`, async () => {
  expect((await subgraphGql(replicas[0].url, `mutation { receiveStock(productId: "${BOOK}", qty: ${COPIES}) { onHand } }`, undefined, stockManager)).errors).toBeUndefined();
  const answers = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => subgraphGql(rentalUrl(), REQUEST, { i: { productId: BOOK } }, customer(`c-burst-${i}`))));
  expect(answers.filter((a) => a.errors)).toEqual([]);
  const ids = answers.map((a) => a.data.requestReservation.id as string);

  await waitFor(async () => (await rental.reservation.count({ where: { id: { in: ids }, status: 'REQUESTED' } })) === 0, 'every reservation to be answered', 60_000);
  await waitFor(() => idle('inventory--reservation-requested'), 'the shared consumer to be settled', 30_000);

  // Both processes did part of the work.
  const byInstance = await inv.stockHold.groupBy({ by: ['instanceId'], where: { reservationId: { in: ids } }, _count: true });
  const share = Object.fromEntries(byInstance.map((g) => [g.instanceId, g._count]));
  expect(Object.keys(share).sort()).toEqual(['inventory-a', 'inventory-b']);
  expect(share['inventory-a'] + share['inventory-b']).toBe(REQUESTS);
  expect(share['inventory-a']).toBeGreaterThan(0);
  expect(share['inventory-b']).toBeGreaterThan(0);

  // Exactly the copies there were; what inventory holds is what rental shows as RESERVED.
  const statuses = Object.fromEntries((await rental.reservation.groupBy({ by: ['status'], where: { id: { in: ids } }, _count: true })).map((g) => [g.status, g._count]));
  expect(statuses).toEqual({ RESERVED: COPIES, FAILED: REQUESTS - COPIES });
  expect(await inv.stock.findUniqueOrThrow({ where: { productId: BOOK } })).toMatchObject({ onHand: COPIES, reserved: COPIES });
  const reservedIds = (await rental.reservation.findMany({ where: { id: { in: ids }, status: 'RESERVED' }, select: { id: true } })).map((r) => r.id).sort();
  const heldIds = (await inv.stockHold.findMany({ where: { reservationId: { in: ids }, status: 'RESERVED' }, select: { reservationId: true } })).map((h) => h.reservationId).sort();
  expect(heldIds).toEqual(reservedIds);

  // No effect twice: one processed record per event, one movement and one answer per reservation.
  expect(await inv.processedEvent.count({ where: { consumer: 'inventory--reservation-requested', eventId: { in: await eventIdsOf(ReservationRequested.subject, ids) } } })).toBe(REQUESTS);
  expect(await inv.stockMovement.count({ where: { reservationId: { in: ids }, kind: 'RESERVED' } })).toBe(COPIES);
  const answersPerReservation = await inv.outboxEvent.groupBy({
    by: ['correlationId'],
    where: { correlationId: { in: ids }, subject: { in: [StockReserved.subject, StockReservationFailed.subject] } },
    _count: true,
  });
  expect(answersPerReservation).toHaveLength(REQUESTS);
  expect(answersPerReservation.every((g) => g._count === 1)).toBe(true);
  // Versions of the product's stock are one sequence, no step taken twice, whichever replica took it.
  const versions = (await inv.stockMovement.findMany({ where: { productId: BOOK }, select: { version: true } })).map((m) => m.version).sort((x, y) => x - y);
  expect(versions).toEqual(Array.from({ length: COPIES + 1 }, (_, i) => i + 1));
});

test('a burst of cancellations: each copy goes back exactly once', async () => {
  const book = 'book-1984';
  await waitFor(() => inv.catalogProduct.findUnique({ where: { id: book } }), 'inventory to learn the book', 30_000);
  expect((await subgraphGql(replicas[1].url, `mutation { receiveStock(productId: "${book}", qty: 30) { onHand } }`, undefined, stockManager)).errors).toBeUndefined();
  const requested = await Promise.all(Array.from({ length: 30 }, (_, i) => subgraphGql(rentalUrl(), REQUEST, { i: { productId: book } }, customer(`c-cancel-${i}`))));
  const reserved = requested.map((r, i) => ({ id: r.data.requestReservation.id as string, customerId: `c-cancel-${i}` }));
  await waitFor(
    async () => (await rental.reservation.count({ where: { id: { in: reserved.map((r) => r.id) }, status: 'RESERVED' } })) === 30,
    'the 30 reservations to hold their copies',
    60_000,
  );
  // Each cancellation sent twice at once by its customer: one wins, the other is refused; inventory gets one event per reservation.
  const answers = await Promise.all(
    reserved.flatMap(({ id, customerId }) => [subgraphGql(rentalUrl(), CANCEL, { id }, customer(customerId)), subgraphGql(rentalUrl(), CANCEL, { id }, customer(customerId))]),
  );
  expect(answers.filter((a) => a.data?.cancelReservation?.status === 'CANCELLED')).toHaveLength(30);
  expect(answers.filter((a) => a.errors?.[0].extensions?.code === 'RESERVATION_NOT_CANCELLABLE')).toHaveLength(30);

  const ids = reserved.map((r) => r.id);
  await waitFor(async () => (await inv.stockHold.count({ where: { reservationId: { in: ids }, status: 'RELEASED' } })) === 30, 'every copy to be released', 60_000);
  await waitFor(() => idle('inventory--reservation-cancelled'), 'the shared consumer to be settled', 30_000);
  expect(await inv.stock.findUniqueOrThrow({ where: { productId: book } })).toMatchObject({ onHand: 30, reserved: 0 });
  expect(await inv.stockMovement.count({ where: { reservationId: { in: ids }, kind: 'RELEASED' } })).toBe(30);
  expect(await inv.outboxEvent.count({ where: { correlationId: { in: ids }, subject: StockReleased.subject } })).toBe(30);
  expect(await inv.processedEvent.count({ where: { consumer: 'inventory--reservation-cancelled', eventId: { in: await eventIdsOf(ReservationCancelled.subject, ids) } } })).toBe(30);
});
