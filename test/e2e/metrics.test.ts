// Prometheus metrics on a real stack (nats-server, PostgreSQL, contexts and the router): every
// process answers /metrics; a placed order moves the GraphQL, outbox, consumer and
// notification counters; a stopped consumer's pending count grows on its producer's report;
// an outbox row that cannot be published shows as backlog with an age; a poison message
// shows as a dead letter; no label carries an id.
import { randomUUID } from 'node:crypto';
import { defineEvent } from '../../platform/events';
import { addToOutbox } from '../../platform/outbox';
import { z } from 'zod';
import { scrape, valueOf, type Sample } from '../support/metrics';
import { openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { orderingKnows } from '../support/saga';
import { startStack, type Stack } from '../support/stack';
import { subscribe } from '../support/subscriptions';

const PLACE = `mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const CUSTOMER = 'c-metrics';
const WAIT_MS = 30_000;
const DELIVERY_DURABLE = 'delivery--order-placed';

let stack: Stack;
let nats: TestJetStream;
beforeAll(async () => {
  stack = await startStack({
    contexts: ['catalog', 'ordering', 'payment', 'delivery', 'notification'],
    // The breaker opens after 3 failed calls (payment stopped: refused at once) and half-opens 3 s later;
    // a generous payment timeout, so a loaded machine does not turn a slow first payment into a failure.
    env: { PAYMENT_BREAKER_VOLUME: '3', PAYMENT_BREAKER_RESET_MS: '3000', PAYMENT_TIMEOUT_MS: '5000' },
  });
  nats = await openJetStream(stack.nats.url);
  await orderingKnows(stack, ['cake']);
}, 120_000);
afterAll(async () => {
  await nats?.close();
  await stack?.close();
});

const url = (name: 'router' | 'ordering' | 'delivery' | 'notification' | 'catalog' | 'payment') => `http://127.0.0.1:${stack.ports[name]}`;
const placeOrder = async () => {
  const r = await stack.customer(CUSTOMER).gql(PLACE, { input: { productId: 'cake', qty: 1 } });
  expect(r.errors).toBeUndefined();
  return r.data.placeOrder.id as string;
};
/** Polls a context's /metrics until `pick` (a value) satisfies `ok`. */
async function until(name: Parameters<typeof url>[0], pick: (s: Sample[]) => number | undefined, ok: (v: number) => boolean, what: string): Promise<number> {
  let last: number | undefined;
  await waitFor(async () => ok((last = pick(await scrape(url(name)))) ?? NaN), `${what} (last: ${last})`, WAIT_MS, 200);
  return last!;
}

test('the router and every context answer /metrics with process metrics and their own', async () => {
  for (const name of ['router', 'ordering', 'catalog', 'payment', 'delivery', 'notification'] as const) {
    const samples = await scrape(url(name));
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_eventloop_lag_seconds')).toBeDefined();
    // Every series of a process's own registry names the process.
    const own = samples.filter((s) => s.name.startsWith('ordergraph_'));
    expect(own.length).toBeGreaterThan(0);
    expect(new Set(own.map((s) => s.labels.context))).toEqual(new Set([name]));
  }
});

test('a placed order moves the GraphQL, outbox, consumer and notification counters', async () => {
  const before = {
    router: await scrape(url('router')),
    ordering: await scrape(url('ordering')),
    delivery: await scrape(url('delivery')),
    notification: await scrape(url('notification')),
  };
  const at = (s: Sample[], name: string, labels: Record<string, string> = {}) => valueOf(s, name, labels) ?? 0;
  const orderId = await placeOrder();

  const router = await scrape(url('router'));
  const op = { operation: 'PlaceOrder', type: 'mutation', outcome: 'ok' };
  expect(at(router, 'ordergraph_graphql_operations_total', op)).toBe(at(before.router, 'ordergraph_graphql_operations_total', op) + 1);
  expect(at(router, 'ordergraph_graphql_operation_duration_seconds_count', op)).toBe(at(before.router, 'ordergraph_graphql_operation_duration_seconds_count', op) + 1);
  const fetched = { subgraph: 'ordering', outcome: 'ok' };
  expect(at(router, 'ordergraph_router_subgraph_fetch_duration_seconds_count', fetched)).toBeGreaterThan(at(before.router, 'ordergraph_router_subgraph_fetch_duration_seconds_count', fetched));

  // Ordering: the mutation as the router planned it, and its OrderPlaced published.
  await until('ordering', (s) => at(s, 'ordergraph_outbox_published_total'), (v) => v > at(before.ordering, 'ordergraph_outbox_published_total'), 'ordering to publish OrderPlaced');
  const ordering = await scrape(url('ordering'));
  expect(at(ordering, 'ordergraph_graphql_operations_total', { type: 'mutation', outcome: 'ok' })).toBeGreaterThan(at(before.ordering, 'ordergraph_graphql_operations_total', { type: 'mutation', outcome: 'ok' }));
  await until('ordering', (s) => valueOf(s, 'ordergraph_outbox_unsent_events'), (v) => v === 0, 'ordering outbox to be empty');
  expect(valueOf(ordering, 'ordergraph_outbox_oldest_unsent_age_seconds')).toBeDefined();
  expect(valueOf(ordering, 'ordergraph_breaker_state', { breaker: 'payment', state: 'closed' })).toBe(1);
  expect(valueOf(ordering, 'ordergraph_breaker_calls_total', { breaker: 'payment', outcome: 'success' })).toBeGreaterThanOrEqual(1);

  // Delivery's durable consumer processed it, timed, and holds nothing back.
  const processed = { consumer: DELIVERY_DURABLE, outcome: 'processed' };
  await until('delivery', (s) => at(s, 'ordergraph_consumer_messages_total', processed), (v) => v === at(before.delivery, 'ordergraph_consumer_messages_total', processed) + 1, 'delivery to process OrderPlaced');
  const delivery = await scrape(url('delivery'));
  expect(at(delivery, 'ordergraph_consumer_handler_duration_seconds_count', processed)).toBe(at(before.delivery, 'ordergraph_consumer_handler_duration_seconds_count', processed) + 1);
  expect(valueOf(delivery, 'ordergraph_consumer_pending_messages', { stream: 'ORDERING', consumer: DELIVERY_DURABLE })).toBe(0);
  expect(valueOf(delivery, 'ordergraph_consumer_ack_pending_messages', { stream: 'ORDERING', consumer: DELIVERY_DURABLE })).toBe(0);

  // Notification told the customer on its default channel (the log).
  await until('notification', (s) => at(s, 'ordergraph_notification_sends_total', { channel: 'log', outcome: 'sent' }), (v) => v > at(before.notification, 'ordergraph_notification_sends_total', { channel: 'log', outcome: 'sent' }), 'notification to send');

  // No label anywhere carries the order id or the customer id.
  for (const name of ['router', 'ordering', 'delivery', 'notification'] as const) {
    for (const s of await scrape(url(name))) {
      for (const v of Object.values(s.labels)) {
        expect(v).not.toContain(orderId);
        expect(v).not.toContain(CUSTOMER);
        expect(v).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
      }
    }
  }
});

test('subscriptions: active, pushes and their latency', async () => {
  const before = await scrape(url('router'));
  const sub = subscribe(`${url('router')}/graphql`, await stack.customer(CUSTOMER).token(), `subscription { myOrderStatusChanged { cursor status } }`);
  await sub.connected;
  await until('router', (s) => valueOf(s, 'ordergraph_subscriptions_active'), (v) => v === 1, 'one active subscription');
  expect(valueOf(await scrape(url('router')), 'ordergraph_subscription_connections')).toBe(1);
  await placeOrder();
  await sub.waitForCount(1);
  await until('router', (s) => valueOf(s, 'ordergraph_subscription_pushes_total'), (v) => v === (valueOf(before, 'ordergraph_subscription_pushes_total') ?? 0) + 1, 'the push to be counted');
  const after = await scrape(url('router'));
  expect(valueOf(after, 'ordergraph_subscription_push_latency_seconds_count')).toBe((valueOf(before, 'ordergraph_subscription_push_latency_seconds_count') ?? 0) + 1);
  await sub.close();
  await until('router', (s) => valueOf(s, 'ordergraph_subscriptions_active'), (v) => v === 0, 'no active subscription');
});

test('an error is counted by its code; an operation that does not parse as "unknown", never by its text', async () => {
  const before = await scrape(url('router'));
  const r = await stack.customer(CUSTOMER).gql(`mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`, { input: { productId: 'no-such-product', qty: 1 } });
  const code = r.errors?.[0]?.extensions?.code as string;
  expect(code).toBeDefined();
  const failed = { operation: 'PlaceOrder', outcome: code };
  const after = await scrape(url('router'));
  expect(valueOf(after, 'ordergraph_graphql_operations_total', failed)).toBe((valueOf(before, 'ordergraph_graphql_operations_total', failed) ?? 0) + 1);

  // A syntax error has no operation: counted as "unknown", never by the text sent.
  await stack.customer(CUSTOMER).post(`query Broken_${randomUUID().slice(0, 8)} {`);
  const parsed = await scrape(url('router'));
  expect(valueOf(parsed, 'ordergraph_graphql_operations_total', { operation: 'unknown', outcome: 'GRAPHQL_PARSE_FAILED' })).toBeGreaterThanOrEqual(1);
  expect(parsed.some((s) => s.labels.operation?.startsWith('Broken_'))).toBe(false);
});

test('a stopped consumer: its pending count grows on the producer\'s report, and drains when it is back', async () => {
  const pending = (s: Sample[]) => valueOf(s, 'ordergraph_consumer_pending_messages', { stream: 'ORDERING', consumer: DELIVERY_DURABLE });
  await until('ordering', pending, (v) => v === 0, 'delivery to be caught up');
  await stack.stop('delivery');
  await placeOrder();
  const one = await until('ordering', pending, (v) => v >= 1, 'pending to grow with delivery down');
  await placeOrder();
  await until('ordering', pending, (v) => v >= one + 1, 'pending to grow again');
  // The same number from JetStream itself.
  const info = await nats.consumer('ORDERING', DELIVERY_DURABLE);
  expect(pending(await scrape(url('ordering')))).toBe(info.num_pending);

  await stack.start('delivery');
  await until('ordering', pending, (v) => v === 0, 'delivery to catch up after its restart');
});

test('an outbox row that cannot be published: unsent, aged, and its failures counted', async () => {
  // A row whose expected stream is not the one its subject lands in: JetStream refuses every
  // publish of it (a missing stream would be recreated by the relay, see platform/outbox.ts).
  const Nowhere = { ...defineEvent({ context: 'catalog', name: 'nothing-happened', version: 1, data: z.object({}) }), stream: 'NOWHERE' };
  const catalog = stack.services.catalog!;
  const env = await addToOutbox(catalog.db, Nowhere, {}, { correlationId: 'metrics-test' });
  catalog.relay.notify();
  try {
    await until('catalog', (s) => valueOf(s, 'ordergraph_outbox_publish_failures_total'), (v) => v >= 1, 'a failed publish');
    await until('catalog', (s) => valueOf(s, 'ordergraph_outbox_oldest_unsent_age_seconds'), (v) => v >= 1, 'the oldest unsent row to age');
    expect(valueOf(await scrape(url('catalog')), 'ordergraph_outbox_unsent_events')).toBe(1);
  } finally {
    await catalog.db.$executeRaw`DELETE FROM "OutboxEvent" WHERE "id" = ${env.id}`;
  }
  await until('catalog', (s) => valueOf(s, 'ordergraph_outbox_unsent_events'), (v) => v === 0, 'the backlog to be empty');
  expect(valueOf(await scrape(url('catalog')), 'ordergraph_outbox_oldest_unsent_age_seconds')).toBe(0);
});

test('payment down: the breaker opens, refusals are counted by reason; payment back: it closes', async () => {
  const breaker = (s: Sample[], labels: Record<string, string>, name = 'ordergraph_breaker_state') => valueOf(s, name, { breaker: 'payment', ...labels }) ?? 0;
  const before = await scrape(url('ordering'));
  expect(breaker(before, { state: 'closed' })).toBe(1);
  await stack.stop('payment');
  try {
    // Failed calls until the breaker opens, then one refused without calling payment.
    await waitFor(async () => {
      const r = await stack.customer(CUSTOMER).gql(PLACE, { input: { productId: 'cake', qty: 1 } });
      return r.errors?.[0]?.extensions?.reason === 'CIRCUIT_OPEN';
    }, 'the breaker to open and refuse', WAIT_MS, 50);
    const open = await scrape(url('ordering'));
    expect(breaker(open, {}, 'ordergraph_breaker_opens_total')).toBe(breaker(before, {}, 'ordergraph_breaker_opens_total') + 1);
    expect(breaker(open, { outcome: 'failure' }, 'ordergraph_breaker_calls_total')).toBeGreaterThanOrEqual(3);
    expect(breaker(open, { reason: 'CIRCUIT_OPEN' }, 'ordergraph_breaker_refusals_total')).toBeGreaterThanOrEqual(1);
    expect(breaker(open, { state: 'closed' })).toBe(0);
    const router = await scrape(url('router'));
    expect(valueOf(router, 'ordergraph_graphql_operations_total', { operation: 'PlaceOrder', outcome: 'PAYMENT_UNAVAILABLE' })).toBeGreaterThanOrEqual(4);
  } finally {
    await stack.start('payment');
  }
  await waitFor(async () => (await stack.customer(CUSTOMER).gql(PLACE, { input: { productId: 'cake', qty: 1 } })).data?.placeOrder?.status === 'PAID', 'orders to succeed again', WAIT_MS, 250);
  const closed = await scrape(url('ordering'));
  expect(breaker(closed, { state: 'closed' })).toBe(1);
  expect(breaker(closed, { state: 'open' }) + breaker(closed, { state: 'half_open' })).toBe(0);
});

test('a poison message: dead-lettered and counted per consumer', async () => {
  await nats.js.publish('ordering.order-placed.v1', '{"not":"an event"}', { msgID: randomUUID() });
  const dead = { consumer: DELIVERY_DURABLE, outcome: 'dead_lettered' };
  await until('delivery', (s) => valueOf(s, 'ordergraph_consumer_messages_total', dead), (v) => v >= 1, 'delivery to dead-letter it');
  await until('delivery', (s) => valueOf(s, 'ordergraph_consumer_dead_letters', { consumer: DELIVERY_DURABLE }), (v) => v === 1, 'the dead letter to show');
});
