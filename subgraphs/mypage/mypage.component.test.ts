// The mypage read model alone: ordering's events arrive on the ORDERING stream as ordering's
// relay would publish them (in and out of order). Real PostgreSQL and nats-server.
import { randomUUID } from 'node:crypto';
import type { Envelope, EventData } from '../../platform/events';
import type { Actor } from '../../platform/auth';
import { as } from '../../test/support/auth';
import { describeRouterOnlyAccess, expectServesSchemaFile, publishEvent } from '../../test/support/component';
import { waitFor } from '../../test/support/ports';
import { startStack, subgraphGql, type GraphQLResponse, type Stack } from '../../test/support/stack';
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
/** The order's view as its customer reads it. */
const viewOf = async (p: Placed) => (await subgraphGql(url(), VIEW, { o: p.orderId }, { actor: as.customer(p.customerId) })).data?.orderView;
const MY_ORDERS = `{ myOrders { orderId status item } }`;
/** The signed-in customer's orders: the customer comes from the actor, never from an argument. */
const myOrders = (customerId: string) => subgraphGql(url(), MY_ORDERS, undefined, { actor: as.customer(customerId) });

describe('the read model follows ordering’s events', () => {
  test('OrderPlaced makes a view with everything the customer sees', async () => {
    const p = placedData({ customerId: 'c-view', productId: 'donut', productName: 'donut', qty: 5, unitPrice: 2000, amount: 10000 });
    await processed('order-placed', await publishPlaced(p));
    expect(await viewOf(p)).toEqual({
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
    expect((await viewOf(p)).status).toBe('CONFIRMED');
    expect((await db.orderView.findUniqueOrThrow({ where: { orderId: p.orderId } })).version).toBe(3);

    // A stale change (an older version) is consumed but changes nothing.
    await processed('order-status-changed', await publishChanged(changed(p, 'PAID', 'PENDING', 2)));
    await processed('order-status-changed', await publishChanged(changed(p, 'REJECTED', 'PENDING', 1)));
    expect((await viewOf(p)).status).toBe('CONFIRMED');
    expect((await db.orderView.findUniqueOrThrow({ where: { orderId: p.orderId } })).version).toBe(3);

    const mine = await myOrders('c-status');
    expect(mine.data.myOrders).toEqual([{ orderId: p.orderId, status: 'CONFIRMED', item: 'cake' }]);
  });

  test('a status change of the same version as the view is not applied twice', async () => {
    const p = placedData({ customerId: 'c-same' });
    await processed('order-placed', await publishPlaced(p));
    await processed('order-status-changed', await publishChanged(changed(p, 'REJECTED', 'PENDING', 2)));
    expect((await viewOf(p)).status).toBe('PAID');
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
    expect((await viewOf(p)).status).toBe('CONFIRMED');
    // OrderPlaced (version 2) did not take the newer status back.
    expect((await db.orderView.findUniqueOrThrow({ where: { orderId: p.orderId } })).version).toBe(3);
    expect(await db.deadLetter.count({ where: { eventId: early.id } })).toBe(0);
  });
});

describe('queries', () => {
  test('myOrders lists only the signed-in customer’s orders, newest first; a customer without orders → []', async () => {
    const customer = `c-list-${randomUUID()}`;
    const older = placedData({ customerId: customer, placedAt: new Date(Date.now() - 60_000).toISOString() });
    const newer = placedData({ customerId: customer, productId: 'donut', productName: 'donut' });
    const other = placedData({ customerId: `${customer}-other` });
    for (const d of [newer, other, older]) await processed('order-placed', await publishPlaced(d));
    const r = await myOrders(customer);
    expect(r.errors).toBeUndefined();
    expect(r.data.myOrders).toEqual([
      { orderId: newer.orderId, item: 'donut', status: 'PAID' },
      { orderId: older.orderId, item: 'cake', status: 'PAID' },
    ]);
    expect(await myOrders('nobody')).toEqual({ data: { myOrders: [] } });
  });

  test('orderView of an unknown order is null', async () => {
    for (const actor of [as.customer('c-1'), as.staff('sunrise-bakery'), as.admin()]) {
      expect(await subgraphGql(url(), `{ orderView(orderId: "no-such-order") { orderId } }`, undefined, { actor })).toEqual({ data: { orderView: null } });
    }
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

describe('authorization', () => {
  /** A refused root field: the error's code at that field, and no data for it. */
  const expectRefused = (r: GraphQLResponse, field: string, code: 'FORBIDDEN' | 'UNAUTHENTICATED') => {
    expect(r.data?.[field] ?? null).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]).toMatchObject({ path: [field], extensions: { code } });
  };

  describe('myOrders: customer only, their own', () => {
    test.each<[string, Actor]>([
      ['an admin', as.admin()],
      ['store staff', as.staff('sunrise-bakery')],
      ['a courier', as.courier()],
      ['a stock manager', as.stockManager()],
    ])('%s is FORBIDDEN (it is a customer’s own list)', async (_who, actor) => {
      const p = placedData({ customerId: 'c-mine-only' });
      await processed('order-placed', await publishPlaced(p));
      const r = await subgraphGql(url(), MY_ORDERS, undefined, { actor });
      expectRefused(r, 'myOrders', 'FORBIDDEN');
      expect(r.data).toBeNull();
    });

    test('without an actor: UNAUTHENTICATED', async () => {
      expectRefused(await subgraphGql(url(), MY_ORDERS, undefined, { actor: null }), 'myOrders', 'UNAUTHENTICATED');
    });

    test('a customer id cannot be asked for: the argument does not exist', async () => {
      const p = placedData({ customerId: 'c-victim' });
      await processed('order-placed', await publishPlaced(p));
      const r = await subgraphGql(url(), `{ myOrders(customerId: "c-victim") { orderId } }`, undefined, { actor: as.customer('c-thief') });
      expect(r.data).toBeUndefined();
      expect(r.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await myOrders('c-thief')).data.myOrders).toEqual([]);
    });
  });

  describe('orderView: its customer, staff of its store, or an admin', () => {
    const READ = `query($o: ID!) { orderView(orderId: $o) { orderId customerId storeId amount } }`;

    test.each<[string, Actor]>([
      ['its customer', as.customer('c-owner')],
      ['staff of its store', as.staff('sunrise-bakery')],
      ['an admin', as.admin()],
    ])('%s reads it', async (_who, actor) => {
      const p = placedData({ customerId: 'c-owner' });
      await processed('order-placed', await publishPlaced(p));
      expect(await subgraphGql(url(), READ, { o: p.orderId }, { actor })).toEqual({
        data: { orderView: { orderId: p.orderId, customerId: 'c-owner', storeId: 'sunrise-bakery', amount: 25000 } },
      });
    });

    test.each<[string, Actor]>([
      ['another customer', as.customer('c-someone-else')],
      ['staff of another store', as.staff('mario-pizzeria')],
      ['a courier', as.courier()],
      ['a stock manager', as.stockManager()],
    ])('%s is FORBIDDEN and gets none of it', async (_who, actor) => {
      const p = placedData({ customerId: 'c-owner' });
      await processed('order-placed', await publishPlaced(p));
      const r = await subgraphGql(url(), READ, { o: p.orderId }, { actor });
      expectRefused(r, 'orderView', 'FORBIDDEN');
      expect(r.data).toEqual({ orderView: null });
      expect(JSON.stringify(r)).not.toContain('c-owner');
    });

    test('without an actor: UNAUTHENTICATED, for a known order and an unknown one alike', async () => {
      const p = placedData({ customerId: 'c-owner' });
      await processed('order-placed', await publishPlaced(p));
      expectRefused(await subgraphGql(url(), READ, { o: p.orderId }, { actor: null }), 'orderView', 'UNAUTHENTICATED');
      expectRefused(await subgraphGql(url(), READ, { o: 'no-such-order' }, { actor: null }), 'orderView', 'UNAUTHENTICATED');
    });
  });
});

describeRouterOnlyAccess('mypage', url);
