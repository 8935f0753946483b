// Inventory's, rental's and notification's authorization through the router. A reservation is
// requested by a customer for themselves (no customer id in the input) and read or cancelled by
// its customer or an admin; listing a customer's reservations is for admins. Messages are their
// customer's (or an admin's): a customer's history takes no customer id, and asking about another
// customer's order or reservation is FORBIDDEN. Stock is readable by any signed-in actor; receiving
// it and reading its movements is for stock managers (and admins). No token is HTTP 401.
// Real nats-server, real PostgreSQL (notification: SQLite); catalog, ordering, payment, rental,
// inventory and notification in-process behind the router.
import { waitFor } from '../support/ports';
import { startStack, type GraphQLResponse, type Stack } from '../support/stack';

let stack: Stack;
const BOOK = 'book-1984';
const NEVER_STOCKED = 'book-dune';
const LIBRARY = 'city-library';
const BAKERY = 'sunrise-bakery';
const PIZZERIA = 'mario-pizzeria';
const ALICE = 'c-auth-alice';
const MALLORY = 'c-auth-mallory';

beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'rental', 'inventory', 'notification'] });
  await waitFor(async () => (await stack.services.rental!.db.catalogProduct.count({ where: { id: { in: [BOOK, NEVER_STOCKED] } } })) === 2, 'rental to learn the books', 30_000);
  await waitFor(async () => (await stack.services.inventory!.db.catalogProduct.count({ where: { id: BOOK } })) === 1, 'inventory to learn the book', 30_000);
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count({ where: { id: 'cake' } })) === 1, 'ordering to learn the cake', 30_000);
}, 120_000);
afterAll(() => stack?.close());

const REQUEST = `mutation($i: RequestReservationInput!) { requestReservation(input: $i) { id customerId status title } }`;
const RESERVATION = `query($id: ID!) { reservation(id: $id) { id customerId status title } }`;
const RESERVATION_MESSAGES = `query($id: ID!) { reservation(id: $id) { id messages { customerId message } } }`;
const CANCEL = `mutation($id: ID!) { cancelReservation(id: $id) { id status } }`;
const RESERVATIONS_BY_CUSTOMER = `query($c: ID!) { reservationsByCustomer(customerId: $c) { id customerId } }`;
const BY_RESERVATION = `query($r: ID!) { messagesByReservation(reservationId: $r) { customerId message } }`;
const BY_ORDER = `query($o: ID!) { messagesByOrder(orderId: $o) { customerId message } }`;
const MY_HISTORY = `{ customerMessages { customerId subjectId message } messagesByCustomer { customerId orderId message } }`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id customerId status } }`;
const RECEIVE = `mutation($p: ID!, $q: Int!) { receiveStock(productId: $p, qty: $q) { onHand } }`;
const STOCK = `query($p: ID!) { stock(productId: $p) { onHand } }`;
const MOVEMENTS = `query($p: ID!) { stockMovements(productId: $p) { kind qty } }`;

const codeOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;

/** Alice's reservation of a book never stocked: inventory answers FAILED and notification tells her. */
async function alicesReservation(): Promise<{ id: string; message: string }> {
  const r = await stack.customer(ALICE).gql(REQUEST, { i: { productId: NEVER_STOCKED } });
  expect(r.errors).toBeUndefined();
  expect(r.data.requestReservation).toMatchObject({ customerId: ALICE, status: 'REQUESTED', title: 'Dune' });
  const id = r.data.requestReservation.id as string;
  const [m] = await waitFor(async () => {
    const q = await stack.customer(ALICE).gql(BY_RESERVATION, { r: id });
    return q.data?.messagesByReservation?.length ? (q.data.messagesByReservation as Array<{ customerId: string; message: string }>) : null;
  }, `Alice to be told about reservation ${id}`, 30_000);
  expect(m).toEqual({ customerId: ALICE, message: `${id} ${ALICE} No copy available: Dune` });
  return { id, message: m.message };
}

/** Alice's PAID cake order (ordering, payment), with the message notification sent her about it. */
async function alicesOrder(): Promise<{ id: string; message: string }> {
  const placed = await stack.customer(ALICE).gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  expect(placed.errors).toBeUndefined();
  expect(placed.data.placeOrder).toMatchObject({ customerId: ALICE, status: 'PAID' });
  const id = placed.data.placeOrder.id as string;
  const [m] = await waitFor(async () => {
    const q = await stack.customer(ALICE).gql(BY_ORDER, { o: id });
    return q.data?.messagesByOrder?.length ? (q.data.messagesByOrder as Array<{ customerId: string; message: string }>) : null;
  }, `Alice to be told about order ${id}`, 30_000);
  expect(m.customerId).toBe(ALICE);
  return { id, message: m.message };
}

test('without a token the router answers HTTP 401 UNAUTHENTICATED, with no data; nothing is reserved or received', async () => {
  const before = { reservations: await stack.services.rental!.db.reservation.count(), movements: await stack.services.inventory!.db.stockMovement.count() };
  for (const [q, v] of [
    [STOCK, { p: BOOK }],
    [REQUEST, { i: { productId: BOOK } }],
    [RECEIVE, { p: BOOK, q: 5 }],
    [MY_HISTORY, {}],
  ] as const) {
    const r = await stack.as(null).post(q, v);
    expect(r.status).toBe(401);
    expect(codeOf(r.body)).toBe('UNAUTHENTICATED');
    expect(r.body.data).toBeUndefined();
  }
  expect({ reservations: await stack.services.rental!.db.reservation.count(), movements: await stack.services.inventory!.db.stockMovement.count() }).toEqual(before);
});

test("a customer cannot read, cancel or list another customer's reservations, nor read their messages", async () => {
  const reservation = await alicesReservation();
  const mallory = stack.customer(MALLORY);

  // Alice's reservation id, tried by Mallory: FORBIDDEN, and nothing of Alice's reservation or messages in the answer.
  for (const [q, v, field] of [
    [RESERVATION, { id: reservation.id }, 'reservation'],
    [RESERVATION_MESSAGES, { id: reservation.id }, 'reservation'],
    [BY_RESERVATION, { r: reservation.id }, null],
    [RESERVATIONS_BY_CUSTOMER, { c: ALICE }, null],
    [CANCEL, { id: reservation.id }, null],
  ] as const) {
    const r = await mallory.gql(q, v);
    expect({ q, code: codeOf(r) }).toEqual({ q, code: 'FORBIDDEN' });
    expect(r.data).toEqual(field ? { [field]: null } : null);
    expect(JSON.stringify(r)).not.toContain(ALICE);
    expect(JSON.stringify(r)).not.toContain('Dune');
  }
  // Her cancel was refused: the reservation is as it was (its customer and an admin still see it).
  expect((await stack.customer(ALICE).gql(RESERVATION, { id: reservation.id })).data.reservation).toEqual({ id: reservation.id, customerId: ALICE, status: 'FAILED', title: 'Dune' });
  expect((await stack.admin().gql(RESERVATION, { id: reservation.id })).data.reservation.customerId).toBe(ALICE);

  // Mallory's own history is hers only.
  const history = await mallory.gql(MY_HISTORY);
  expect(history).toEqual({ data: { customerMessages: [], messagesByCustomer: [] } });
  // ...and Alice's holds her message.
  const alices = await stack.customer(ALICE).gql(MY_HISTORY);
  expect(alices.data.customerMessages).toEqual(expect.arrayContaining([{ customerId: ALICE, subjectId: reservation.id, message: reservation.message }]));
});

test("a customer cannot reserve for someone else: the input has no customer id, the reservation is the token's customer's", async () => {
  const rental = stack.services.rental!.db;
  const before = await rental.reservation.count({ where: { customerId: ALICE } });
  const named = await stack.customer(MALLORY).gql(REQUEST, { i: { customerId: ALICE, productId: BOOK } });
  expect(codeOf(named)).toBe('BAD_USER_INPUT');
  expect(named.data ?? null).toBeNull();
  expect(await rental.reservation.count({ where: { customerId: ALICE } })).toBe(before);

  const own = await stack.customer(MALLORY).gql(REQUEST, { i: { productId: BOOK } });
  expect(own.data.requestReservation.customerId).toBe(MALLORY);
  // Only customers reserve: staff, couriers, stock managers and admins are refused.
  for (const who of [stack.staff(LIBRARY), stack.courier(), stack.stockManager(), stack.admin()]) {
    const r = await who.gql(REQUEST, { i: { productId: BOOK } });
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(r.data).toBeNull();
  }
  expect(await rental.reservation.count({ where: { customerId: { notIn: [ALICE, MALLORY] } } })).toBe(0);
});

test("a customer cannot read the messages about another customer's order", async () => {
  const order = await alicesOrder();
  const r = await stack.customer(MALLORY).gql(BY_ORDER, { o: order.id });
  expect(codeOf(r)).toBe('FORBIDDEN');
  expect(r.data).toBeNull();
  expect(JSON.stringify(r)).not.toContain(ALICE);
  expect(JSON.stringify(r)).not.toContain(order.message);
  expect((await stack.customer(MALLORY).gql(MY_HISTORY)).data.messagesByCustomer).toEqual([]);
  // An admin may read them.
  expect((await stack.admin().gql(BY_ORDER, { o: order.id })).data.messagesByOrder).toEqual(expect.arrayContaining([{ customerId: ALICE, message: order.message }]));
});

test("store staff are refused: another store's staff, and even the order's own store's, cannot read a customer's messages; library staff cannot receive stock or read reservations", async () => {
  const order = await alicesOrder();
  const reservation = await alicesReservation();
  const movementsBefore = await stack.services.inventory!.db.stockMovement.count({ where: { productId: BOOK } });
  for (const store of [PIZZERIA, BAKERY]) {
    const r = await stack.staff(store).gql(BY_ORDER, { o: order.id });
    expect({ store, code: codeOf(r) }).toEqual({ store, code: 'FORBIDDEN' });
    expect(r.data).toBeNull();
    expect(JSON.stringify(r)).not.toContain(order.message);
  }
  for (const store of [BAKERY, LIBRARY]) {
    const staff = stack.staff(store);
    for (const [q, v, data] of [
      [RESERVATION, { id: reservation.id }, { reservation: null }],
      [BY_RESERVATION, { r: reservation.id }, null],
      [CANCEL, { id: reservation.id }, null],
      [RECEIVE, { p: BOOK, q: 5 }, null],
      [MOVEMENTS, { p: BOOK }, null],
    ] as const) {
      const r = await staff.gql(q, v);
      expect({ store, q, code: codeOf(r) }).toEqual({ store, q, code: 'FORBIDDEN' });
      expect(r.data).toEqual(data);
      expect(JSON.stringify(r)).not.toContain(ALICE);
    }
  }
  expect(await stack.services.inventory!.db.stockMovement.count({ where: { productId: BOOK } })).toBe(movementsBefore);
  expect((await stack.admin().gql(RESERVATION, { id: reservation.id })).data.reservation.status).toBe('FAILED');
});

test('stock: any signed-in actor reads it; receiving stock and reading its movements is for stock managers and admins', async () => {
  const received = await stack.stockManager().gql(RECEIVE, { p: BOOK, q: 5 });
  expect(received.errors).toBeUndefined();
  expect(received.data.receiveStock.onHand).toBe(5);
  expect((await stack.admin().gql(RECEIVE, { p: BOOK, q: 1 })).data.receiveStock.onHand).toBe(6);
  for (const who of [stack.customer(MALLORY), stack.staff(LIBRARY), stack.courier(), stack.stockManager(), stack.admin()]) {
    const r = await who.gql(STOCK, { p: BOOK });
    expect(r.errors).toBeUndefined();
    expect(r.data.stock.onHand).toBe(6);
  }
  for (const who of [stack.customer(MALLORY), stack.courier()]) {
    for (const [q, v] of [
      [RECEIVE, { p: BOOK, q: 100 }],
      [MOVEMENTS, { p: BOOK }],
    ] as const) {
      const r = await who.gql(q, v);
      expect(codeOf(r)).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
    }
  }
  const moves = await stack.stockManager().gql(MOVEMENTS, { p: BOOK });
  expect(moves.data.stockMovements.filter((m: { kind: string }) => m.kind === 'RECEIVED')).toEqual([
    { kind: 'RECEIVED', qty: 1 },
    { kind: 'RECEIVED', qty: 5 },
  ]);
});

test("listing a customer's reservations is for admins only, even the customer's own", async () => {
  const reservation = await alicesReservation();
  const own = await stack.customer(ALICE).gql(RESERVATIONS_BY_CUSTOMER, { c: ALICE });
  expect(codeOf(own)).toBe('FORBIDDEN');
  expect(own.data).toBeNull();
  const admin = await stack.admin().gql(RESERVATIONS_BY_CUSTOMER, { c: ALICE });
  expect(admin.data.reservationsByCustomer).toEqual(expect.arrayContaining([{ id: reservation.id, customerId: ALICE }]));
});

test('its customer may cancel their reservation; so may an admin', async () => {
  const rental = stack.services.rental!.db;
  const mine = (await stack.customer(ALICE).gql(REQUEST, { i: { productId: BOOK } })).data.requestReservation.id as string;
  expect((await stack.customer(ALICE).gql(CANCEL, { id: mine })).data.cancelReservation).toEqual({ id: mine, status: 'CANCELLED' });
  const other = (await stack.customer(ALICE).gql(REQUEST, { i: { productId: BOOK } })).data.requestReservation.id as string;
  // Cancelled by an admin whether or not inventory has answered yet (REQUESTED and RESERVED both cancel).
  expect((await stack.admin().gql(CANCEL, { id: other })).data.cancelReservation).toEqual({ id: other, status: 'CANCELLED' });
  expect((await rental.reservation.findUniqueOrThrow({ where: { id: other } })).customerId).toBe(ALICE);
});
