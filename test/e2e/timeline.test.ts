// Issue 15, point 1: an order's whole story in one query. Every context on a real nats-server and
// real PostgreSQL behind the router. A pizza order driven through every step (placed, charged,
// accepted, production, shipped, delivered, messages, a mission's reward), a bakery order
// cancelled (cancellation requested, refund, delivery cancelled) and a library reservation
// (requested, copy held, confirmed, cancelled, copy released) each return a complete timeline,
// in the documented order: event time, then stream position, then event id.
import { openJetStream, type StreamMessage, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { SAGA_WAIT_MS } from '../support/saga';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let js: TestJetStream;
beforeAll(async () => {
  stack = await startStack({ env: { PAYMENT_TIMEOUT_MS: '5000', REWARDS_MESSAGE_POLL_MS: '200' } });
  js = await openJetStream(stack.nats.url);
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog', 30_000);
  await waitFor(async () => (await stack.services.rental!.db.catalogProduct.count({ where: { id: 'book-dune' } })) === 1, 'rental to learn the library', 30_000);
}, 180_000);
afterAll(async () => {
  await js?.close();
  await stack?.close();
});

const ENTRY = 'eventId occurredAt context kind summary eventType status channel amount points reason causationId stream streamSequence';
const ORDER_TIMELINE = `query($id: ID!) { order(id: $id) { id status timeline { ${ENTRY} } } }`;
const RESERVATION_TIMELINE = `query($id: ID!) { reservation(id: $id) { id status timeline { ${ENTRY} } } }`;
const PLACE = `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status amount customerId } }`;

interface Entry {
  eventId: string;
  occurredAt: string;
  context: string;
  kind: string;
  summary: string;
  status: string | null;
  channel: string | null;
  amount: number | null;
  points: number | null;
  causationId: string | null;
  stream: string;
  streamSequence: number | null;
}

/** The documented order, computed independently of the subgraph's. */
const documentedOrder = (a: Entry, b: Entry) =>
  a.occurredAt.localeCompare(b.occurredAt) || (a.streamSequence ?? Infinity) - (b.streamSequence ?? Infinity) || a.eventId.localeCompare(b.eventId);

/**
 * A stream event that is no timeline entry, by the rule the schema documents: a product's facts,
 * and a mission's updates other than progress an order made (announcements at 0, completion, message bookkeeping).
 */
const notAnEntry = (m: StreamMessage) =>
  m.body?.type === 'ProductAdded' || m.body?.type === 'StockReceived' || (m.body?.type === 'MissionUpdated' && !(m.body.data.status === 'IN_PROGRESS' && m.body.data.progress > 0));

/** Every event of the case in the streams: its own (correlation id), and those caused by them whose correlation is not an order or reservation (a mission's). */
async function eventsOfCase(caseId: string): Promise<StreamMessage[]> {
  const streams = ['ORDERING', 'PAYMENT', 'DELIVERY', 'NOTIFICATION', 'RENTAL', 'INVENTORY', 'REWARDS'];
  const all = (await Promise.all(streams.map((s) => js.messages(s).catch(() => [])))).flat();
  const own = all.filter((m) => m.body?.correlationId === caseId && !notAnEntry(m));
  const ids = new Set(own.map((m) => m.body.id));
  const isCase = (m: StreamMessage) => m.body?.data?.orderId === m.body?.correlationId || m.body?.data?.reservationId === m.body?.correlationId;
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of all) {
      if (!ids.has(m.body?.id) && ids.has(m.body?.causationId) && !isCase(m) && !notAnEntry(m)) {
        ids.add(m.body.id);
        own.push(m);
        grew = true;
      }
    }
  }
  return own;
}

/** Waits until the case's timeline holds every `kinds` entry and exactly the stream's events of the case (none missing, none extra). */
async function completeTimeline(read: () => Promise<Entry[] | undefined>, caseId: string, kinds: string[]): Promise<Entry[]> {
  return waitFor(async () => {
    const timeline = await read();
    if (!timeline || !kinds.every((k) => timeline.some((e) => e.kind === k))) return undefined;
    const expected = await eventsOfCase(caseId);
    const got = new Set(timeline.map((e) => e.eventId));
    if (expected.length !== timeline.length || !expected.every((m) => got.has(m.body.id))) return undefined;
    // Each entry carries the stream position of its event.
    for (const m of expected) {
      const e = timeline.find((x) => x.eventId === m.body.id)!;
      expect({ stream: e.stream, streamSequence: e.streamSequence, occurredAt: e.occurredAt }).toEqual({ stream: m.subject.split('.')[0].toUpperCase(), streamSequence: m.seq, occurredAt: m.body.occurredAt });
    }
    return timeline;
  }, `the timeline of ${caseId} to hold ${kinds.join(', ')} and every event of the case`, SAGA_WAIT_MS, 500);
}

const position = (t: Entry[], kind: string, where: (e: Entry) => boolean = () => true) => t.findIndex((e) => e.kind === kind && where(e));

function expectInOrder(t: Entry[], kinds: Array<string | [string, (e: Entry) => boolean]>) {
  const at = kinds.map((k) => (typeof k === 'string' ? position(t, k) : position(t, k[0], k[1])));
  expect(at.every((i) => i >= 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
}

test('a pizza order through every step: one timeline from ordering, payment, delivery, notification and rewards, in order', async () => {
  const customer = stack.customer('c-tl-pizza');
  const placed = await customer.gql(PLACE, { i: { productId: 'pepperoniPizza', qty: 2, paymentMethod: 'CREDIT_CARD', deliveryAddress: 'Timeline Street 15' } });
  expect(placed.errors).toBeUndefined();
  const order = placed.data.placeOrder;
  expect(order).toMatchObject({ status: 'PAID', amount: 20000 });
  await waitFor(async () => (await stack.staff('mario-pizzeria').gql(`{ deliveriesByStore(storeId: "mario-pizzeria", status: WAITING) { orderId } }`)).data?.deliveriesByStore?.some((d: any) => d.orderId === order.id), 'delivery to open', SAGA_WAIT_MS);

  const steps = [
    ['acceptOrder', stack.staff('mario-pizzeria'), 'CONFIRMED'],
    ['startProduction', stack.staff('mario-pizzeria'), 'IN_PRODUCTION'],
    ['startDelivery', stack.courier(), 'SHIPPED'],
    ['completeDelivery', stack.courier(), 'DELIVERED'],
  ] as const;
  for (const [mutation, actor, status] of steps) {
    const r = await actor.gql(`mutation($o: ID!) { ${mutation}(orderId: $o) { status } }`, { o: order.id });
    expect(r.errors).toBeUndefined();
    await waitFor(async () => (await customer.gql(`query($id: ID!) { order(id: $id) { status } }`, { id: order.id })).data?.order?.status === status, `order ${status}`, SAGA_WAIT_MS);
  }

  const read = async () => (await customer.gql(ORDER_TIMELINE, { id: order.id })).data?.order?.timeline as Entry[] | undefined;
  const sentFor = (status: string) => (e: Entry) => e.status === status;
  const timeline = await completeTimeline(read, order.id, ['ORDER_PLACED', 'PAYMENT_CHARGED', 'STORE_ACCEPTED', 'PRODUCTION_STARTED', 'SHIPPED', 'DELIVERED', 'MESSAGE_SENT', 'MISSION_COMPLETED', 'REWARD_GRANTED']);

  expect([...timeline].sort(documentedOrder)).toEqual(timeline);
  expectInOrder(timeline, ['PAYMENT_CHARGED', 'ORDER_PLACED', 'STORE_ACCEPTED', 'PRODUCTION_STARTED', 'SHIPPED', 'DELIVERED']);
  expectInOrder(timeline, ['ORDER_PLACED', ['ORDER_STATUS_CHANGED', sentFor('CONFIRMED')], ['ORDER_STATUS_CHANGED', sentFor('IN_PRODUCTION')], ['ORDER_STATUS_CHANGED', sentFor('SHIPPED')], ['ORDER_STATUS_CHANGED', sentFor('DELIVERED')]]);
  expectInOrder(timeline, ['ORDER_PLACED', 'MISSION_COMPLETED', 'REWARD_GRANTED']);
  // Every step's message, each on its channel, after the step it tells.
  for (const status of ['PAID', 'CONFIRMED', 'IN_PRODUCTION', 'SHIPPED', 'DELIVERED']) {
    expect(timeline).toContainEqual(expect.objectContaining({ kind: 'MESSAGE_SENT', context: 'notification', status, channel: 'LOG' }));
  }
  expectInOrder(timeline, [['ORDER_STATUS_CHANGED', sentFor('DELIVERED')], ['MESSAGE_SENT', sentFor('DELIVERED')]]);

  const byKind = (kind: string) => timeline.find((e) => e.kind === kind)!;
  expect(byKind('ORDER_PLACED')).toMatchObject({ context: 'ordering', amount: 20000, summary: 'Order placed: 2 × pepperoni pizza' });
  expect(byKind('PAYMENT_CHARGED')).toMatchObject({ context: 'payment', amount: 20000 });
  expect(byKind('SHIPPED')).toMatchObject({ context: 'delivery', summary: 'Shipped: out for delivery' });
  // The first pizza's mission: its reward is part of the order's story (caused by its OrderPlaced).
  expect(byKind('REWARD_GRANTED')).toMatchObject({ context: 'rewards', points: 100, causationId: byKind('ORDER_PLACED').eventId });
  expect(timeline.filter((e) => e.kind === 'MISSION_PROGRESSED')).toEqual([expect.objectContaining({ context: 'rewards', summary: 'Mission three orders: 1 of 3' })]);
  expect(new Set(timeline.map((e) => e.eventId)).size).toBe(timeline.length);
});

test('a cancelled bakery order: cancellation requested, refund and delivery cancelled, in order', async () => {
  const customer = stack.customer('c-tl-cancel');
  const placed = await customer.gql(PLACE, { i: { productId: 'cake', qty: 1 } });
  expect(placed.errors).toBeUndefined();
  const order = placed.data.placeOrder;
  await waitFor(async () => (await customer.gql(`query($id: ID!) { order(id: $id) { delivery { status } } }`, { id: order.id })).data?.order?.delivery, 'delivery to open', SAGA_WAIT_MS);
  const cancelled = await customer.gql(`mutation($o: ID!) { cancelOrder(orderId: $o, reason: "changed my mind") { status } }`, { o: order.id });
  expect(cancelled.errors).toBeUndefined();
  await waitFor(async () => (await customer.gql(`query($id: ID!) { order(id: $id) { status } }`, { id: order.id })).data?.order?.status === 'CANCELLED', 'the saga to cancel the order', SAGA_WAIT_MS);

  const read = async () => (await customer.gql(ORDER_TIMELINE, { id: order.id })).data?.order?.timeline as Entry[] | undefined;
  const timeline = await completeTimeline(read, order.id, ['ORDER_PLACED', 'CANCELLATION_REQUESTED', 'PAYMENT_REFUNDED', 'DELIVERY_CANCELLED']);
  expect([...timeline].sort(documentedOrder)).toEqual(timeline);
  expectInOrder(timeline, ['PAYMENT_CHARGED', 'ORDER_PLACED', 'CANCELLATION_REQUESTED', 'PAYMENT_REFUNDED', 'DELIVERY_CANCELLED', ['ORDER_STATUS_CHANGED', (e) => e.status === 'CANCELLED']]);
  expect(timeline.find((e) => e.kind === 'CANCELLATION_REQUESTED')).toMatchObject({ context: 'ordering', summary: 'Cancellation requested: changed my mind', amount: 25000 });
  expect(timeline.find((e) => e.kind === 'PAYMENT_REFUNDED')).toMatchObject({ context: 'payment', amount: 25000, summary: 'Payment refunded' });
  expect(timeline.find((e) => e.kind === 'DELIVERY_CANCELLED')).toMatchObject({ context: 'delivery' });
  expect(timeline.some((e) => e.kind === 'SHIPPED' || e.kind === 'DELIVERED')).toBe(false);
});

test('a reservation\'s timeline: rental, inventory and notification; another customer reads nothing of it', async () => {
  expect((await stack.stockManager().gql(`mutation { receiveStock(productId: "book-dune", qty: 1) { available } }`)).errors).toBeUndefined();
  const customer = stack.customer('c-tl-reader');
  const requested = await customer.gql(`mutation { requestReservation(input: { productId: "book-dune" }) { id status } }`);
  expect(requested.errors).toBeUndefined();
  const id = requested.data.requestReservation.id;
  await waitFor(async () => (await customer.gql(`query($id: ID!) { reservation(id: $id) { status } }`, { id })).data?.reservation?.status === 'RESERVED', 'inventory to hold a copy', SAGA_WAIT_MS);
  expect((await customer.gql(`mutation($id: ID!) { cancelReservation(id: $id) { status } }`, { id })).errors).toBeUndefined();

  const read = async () => (await customer.gql(RESERVATION_TIMELINE, { id })).data?.reservation?.timeline as Entry[] | undefined;
  const timeline = await completeTimeline(read, id, ['RESERVATION_REQUESTED', 'STOCK_RESERVED', 'RESERVATION_CONFIRMED', 'RESERVATION_CANCELLED', 'STOCK_RELEASED', 'MESSAGE_SENT']);
  expect([...timeline].sort(documentedOrder)).toEqual(timeline);
  expectInOrder(timeline, ['RESERVATION_REQUESTED', 'STOCK_RESERVED', 'RESERVATION_CONFIRMED', 'RESERVATION_CANCELLED', 'STOCK_RELEASED']);
  expect(timeline.find((e) => e.kind === 'RESERVATION_REQUESTED')).toMatchObject({ context: 'rental', summary: expect.stringContaining('Reservation requested: ') });
  expect(timeline.find((e) => e.kind === 'STOCK_RESERVED')).toMatchObject({ context: 'inventory' });

  const other = await stack.customer('c-tl-someone-else').gql(RESERVATION_TIMELINE, { id });
  expect(other.data?.reservation ?? null).toBeNull();
  expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect((await stack.admin().gql(RESERVATION_TIMELINE, { id })).data.reservation.timeline).toHaveLength(timeline.length);
});
