// The mypage read model alone: ordering's events arrive on the ORDERING stream as ordering's
// relay would publish them (in and out of order). Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import type { Envelope, EventData } from '../../platform/events';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type Stack } from '../../test/support/stack';
import { OrderPlaced, OrderStatusChanged } from '../ordering/contracts';
import type { MypageDb } from './db';
import { sampleOrderPlaced } from '../../test/support/fixtures';

let stack: Stack;
let db: MypageDb;
const url = () => stack.services.mypage!.url;

beforeAll(async () => {
  // Room for retries: a status change that overtakes its OrderPlaced is redelivered until the order is there.
  stack = await startStack({ contexts: ['mypage'], router: false, env: { CONSUMER_MAX_DELIVER: '10' } });
  db = stack.services.mypage!.db;
});
afterAll(() => stack?.close());

type Placed = EventData<typeof OrderPlaced>;
type Changed = EventData<typeof OrderStatusChanged>;

const placedData = sampleOrderPlaced;

const publishPlaced = (d: Placed) => publishEvent(stack.nats.url, OrderPlaced, d, { correlationId: d.orderId });
const publishChanged = (d: Changed) => publishEvent(stack.nats.url, OrderStatusChanged, d, { correlationId: d.orderId });
const changed = (p: Placed, status: Changed['status'], previousStatus: Changed['status'], version: number): Changed => ({
  orderId: p.orderId,
  customerId: p.customerId,
  status,
  previousStatus,
  version,
  changedAt: new Date().toISOString(),
});

/** Waits until the consumer has committed this event (processed or skipped), whatever it did to the view. */
const processed = (consumer: 'order-placed' | 'order-status-changed', env: Envelope) =>
  waitFor(() => db.processedEvent.findUnique({ where: { consumer_eventId: { consumer: `mypage--${consumer}`, eventId: env.id } } }), `mypage--${consumer} to process ${env.id}`);

const VIEW = `query($o: ID!) { orderView(orderId: $o) { orderId customerId productId item qty price amount storeId paymentId status placedAt } }`;
const viewOf = async (orderId: string) => (await subgraphGql(url(), VIEW, { o: orderId })).data?.orderView;

describe('the read model follows ordering’s events', () => {
  test('OrderPlaced makes a view with everything the customer sees', async () => {
    const p = placedData({ customerId: 'c-view', productId: 'donut', productName: 'donut', qty: 5, unitPrice: 2000, amount: 10000 });
    await processed('order-placed', await publishPlaced(p));
    expect(await viewOf(p.orderId)).toEqual({
      orderId: p.orderId,
      customerId: 'c-view',
      productId: 'donut',
      item: 'donut',
      qty: 5,
      price: 2000,
      amount: 10000,
      storeId: 'sunrise-bakery',
      paymentId: p.paymentId,
      status: 'PAID',
      placedAt: p.placedAt,
    });
  });

  test('a newer status change applies; an older one arriving late does not overwrite it', async () => {
    const p = placedData({ customerId: 'c-status' });
    await processed('order-placed', await publishPlaced(p));

    await processed('order-status-changed', await publishChanged(changed(p, 'CONFIRMED', 'PAID', 3)));
    expect((await viewOf(p.orderId)).status).toBe('CONFIRMED');
    expect((await db.orderView.findUniqueOrThrow({ where: { orderId: p.orderId } })).version).toBe(3);

    // A stale change (an older version) is consumed but changes nothing.
    await processed('order-status-changed', await publishChanged(changed(p, 'PAID', 'PENDING', 2)));
    await processed('order-status-changed', await publishChanged(changed(p, 'REJECTED', 'PENDING', 1)));
    expect((await viewOf(p.orderId)).status).toBe('CONFIRMED');
    expect((await db.orderView.findUniqueOrThrow({ where: { orderId: p.orderId } })).version).toBe(3);

    const mine = await subgraphGql(url(), `query($c: ID!) { myOrders(customerId: $c) { orderId status } }`, { c: 'c-status' });
    expect(mine.data.myOrders).toEqual([{ orderId: p.orderId, status: 'CONFIRMED' }]);
  });

  test('a status change of the same version as the view is not applied twice', async () => {
    const p = placedData({ customerId: 'c-same' });
    await processed('order-placed', await publishPlaced(p));
    await processed('order-status-changed', await publishChanged(changed(p, 'REJECTED', 'PENDING', 2)));
    expect((await viewOf(p.orderId)).status).toBe('PAID');
  });

  test('a status change that overtakes its OrderPlaced is retried and applied once the order is there', async () => {
    const p = placedData({ customerId: 'c-race' });
    const consumer = stack.services.mypage!.consumers.find((c) => c.durable === 'mypage--order-status-changed')!;
    const outcomes: string[] = [];
    consumer.onOutcome = (o) => outcomes.push(o);
    let early: Envelope;
    try {
      early = await publishChanged(changed(p, 'CONFIRMED', 'PAID', 3));
      // Its first delivery finds no view and is nak'ed for a later retry.
      await waitFor(() => outcomes.includes('retry'), 'the early status change to be nak’ed');
      await processed('order-placed', await publishPlaced(p));
      await processed('order-status-changed', early);
    } finally {
      consumer.onOutcome = undefined;
    }
    expect(outcomes[0]).toBe('retry');
    expect(outcomes.at(-1)).toBe('processed');
    expect(outcomes).not.toContain('dead-lettered');
    expect((await viewOf(p.orderId)).status).toBe('CONFIRMED');
    // OrderPlaced (version 2) did not take the newer status back.
    expect((await db.orderView.findUniqueOrThrow({ where: { orderId: p.orderId } })).version).toBe(3);
    expect(await db.deadLetter.count({ where: { eventId: early.id } })).toBe(0);
  });
});

describe('queries', () => {
  test('myOrders lists only the customer’s orders, newest first; unknown customer → []', async () => {
    const customer = `c-list-${randomUUID()}`;
    const older = placedData({ customerId: customer, placedAt: new Date(Date.now() - 60_000).toISOString() });
    const newer = placedData({ customerId: customer, productId: 'donut', productName: 'donut' });
    const other = placedData({ customerId: `${customer}-other` });
    for (const d of [newer, other, older]) await processed('order-placed', await publishPlaced(d));
    const r = await subgraphGql(url(), `query($c: ID!) { myOrders(customerId: $c) { orderId item } }`, { c: customer });
    expect(r.errors).toBeUndefined();
    expect(r.data.myOrders).toEqual([
      { orderId: newer.orderId, item: 'donut' },
      { orderId: older.orderId, item: 'cake' },
    ]);
    expect((await subgraphGql(url(), `{ myOrders(customerId: "nobody") { orderId } }`)).data.myOrders).toEqual([]);
  });

  test('orderView of an unknown order is null', async () => {
    expect(await subgraphGql(url(), `{ orderView(orderId: "no-such-order") { orderId } }`)).toEqual({ data: { orderView: null } });
  });
});

describe('federation', () => {
  test('OrderView._entities resolves views by orderId; null when unknown', async () => {
    const p = placedData({ customerId: 'c-entities', qty: 2, amount: 50000 });
    await processed('order-placed', await publishPlaced(p));
    const r = await subgraphGql(
      url(),
      `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on OrderView { orderId customerId status amount paymentId } } }`,
      {
        r: [
          { __typename: 'OrderView', orderId: 'no-such-order' },
          { __typename: 'OrderView', orderId: p.orderId },
        ],
      },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([null, { __typename: 'OrderView', orderId: p.orderId, customerId: 'c-entities', status: 'PAID', amount: 50000, paymentId: p.paymentId }]);
  });

  test('_service { sdl } is subgraphs/mypage/schema.graphql', async () => {
    await expectServesSchemaFile(url(), 'mypage');
  });
});

describeRouterOnlyAccess('mypage', url);
