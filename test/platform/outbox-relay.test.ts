// The outbox relay on a real nats-server and real PostgreSQL: events written while the
// relay is down are published once it is back, exactly once, and a republished row
// (a crash between "published" and "marked sent") never makes a second stream message.
import { OrderPlaced } from '../../subgraphs/ordering/contracts';
import { openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

const PLACE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const N = 5;

let stack: Stack;
let nats: TestJetStream;
beforeAll(async () => {
  stack = await startStack({ contexts: ['catalog', 'ordering', 'payment', 'delivery', 'mypage'] });
  nats = await openJetStream(stack.nats.url);
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
});
afterAll(async () => {
  await nats?.close();
  await stack?.close();
});

const ordering = () => stack.services.ordering!;
const placedInStream = async (orderIds: string[]) =>
  (await nats.messages(OrderPlaced.stream, OrderPlaced.subject)).filter((m) => orderIds.includes(m.body?.data?.orderId));

let orderIds: string[] = [];

test('the relay is stopped, orders are placed, the relay restarts, every event arrives exactly once', async () => {
  await ordering().relay.stop();

  for (let i = 0; i < N; i++) {
    const r = await stack.customer(`relay-${i}`).gql(PLACE, { input: { productId: 'cake', qty: 1 } });
    expect(r.errors).toBeUndefined();
    expect(r.data.placeOrder.status).toBe('PAID');
    orderIds.push(r.data.placeOrder.id);
  }

  // The events are committed with the orders, but nothing has left the database.
  const pending = await ordering().db.outboxEvent.findMany({ where: { subject: OrderPlaced.subject, correlationId: { in: orderIds } } });
  expect(pending).toHaveLength(N);
  expect(pending.every((row: { sentAt: Date | null }) => row.sentAt === null)).toBe(true);
  expect(await placedInStream(orderIds)).toHaveLength(0);
  expect(await stack.services.delivery!.db.delivery.count({ where: { orderId: { in: orderIds } } })).toBe(0);

  ordering().relay.start();

  await waitFor(
    async () => (await ordering().db.outboxEvent.count({ where: { correlationId: { in: orderIds }, sentAt: null } })) === 0,
    'the relay to mark every row sent',
  );
  const sent = await ordering().db.outboxEvent.findMany({ where: { subject: OrderPlaced.subject, correlationId: { in: orderIds } } });
  const inStream = await placedInStream(orderIds);
  // One message per order, carrying the outbox row's event id as body id and as message id.
  expect(inStream).toHaveLength(N);
  expect(new Set(inStream.map((m) => m.body.data.orderId))).toEqual(new Set(orderIds));
  expect(new Set(inStream.map((m) => m.body.id))).toEqual(new Set(sent.map((r: { id: string }) => r.id)));
  for (const m of inStream) expect(m.msgId).toBe(m.body.id);
  // Each row records where its message landed.
  expect(new Set(sent.map((r: { streamSeq: bigint | null }) => Number(r.streamSeq)))).toEqual(new Set(inStream.map((m) => m.seq)));

  // Downstream saw each order once.
  await waitFor(async () => (await stack.services.delivery!.db.delivery.count({ where: { orderId: { in: orderIds } } })) === N, 'a delivery per order');
  await waitFor(async () => (await stack.services.mypage!.db.orderView.count({ where: { orderId: { in: orderIds } } })) === N, 'a view row per order');
  for (const [ctx, durable] of [
    ['delivery', 'delivery--order-placed'],
    ['mypage', 'mypage--order-placed'],
  ] as const) {
    const processed = await stack.services[ctx]!.db.processedEvent.findMany({ where: { consumer: durable, eventId: { in: sent.map((r: { id: string }) => r.id) } } });
    expect(processed).toHaveLength(N);
  }
  const deliveries = await stack.services.delivery!.db.delivery.groupBy({ by: ['orderId'], where: { orderId: { in: orderIds } }, _count: true });
  expect(deliveries.map((d: { _count: number }) => d._count)).toEqual(Array(N).fill(1));
});

test('publishing an already-sent row again (crash after publish, before marking sent) adds no stream message', async () => {
  expect(orderIds).toHaveLength(N);
  const relay = ordering().relay;
  // Drive the relay by hand so the republish is observed, not raced by the poll.
  await relay.stop();
  const [row] = await ordering().db.outboxEvent.findMany({ where: { subject: OrderPlaced.subject, correlationId: orderIds[0] } });
  expect(row.sentAt).not.toBeNull();
  const streamBefore = await nats.jsm.streams.info(OrderPlaced.stream);
  const ofOrderBefore = await placedInStream([orderIds[0]]);
  expect(ofOrderBefore).toHaveLength(1);

  await ordering().db.$executeRaw`UPDATE "OutboxEvent" SET "sentAt" = NULL, "streamSeq" = NULL WHERE "id" = ${row.id}`;
  expect(await relay.drain()).toBe(1);

  const again = await ordering().db.outboxEvent.findUniqueOrThrow({ where: { id: row.id } });
  expect(again.sentAt).not.toBeNull();
  // JetStream answered with the original message's sequence: it dropped the duplicate.
  expect(again.streamSeq).toBe(row.streamSeq);
  const streamAfter = await nats.jsm.streams.info(OrderPlaced.stream);
  expect(streamAfter.state.messages).toBe(streamBefore.state.messages);
  expect(streamAfter.state.last_seq).toBe(streamBefore.state.last_seq);
  expect(await placedInStream([orderIds[0]])).toEqual(ofOrderBefore);

  // Nothing else was due, so a further pass publishes nothing.
  expect(await relay.drain()).toBe(0);
  relay.start();
});

test('a row the stream refuses is kept, retried with back-off and recorded as failing, never marked sent', async () => {
  const relay = ordering().relay;
  await relay.stop();
  // A row naming a stream that does not hold its subject: JetStream refuses the publish.
  const id = '00000000-0000-4000-8000-000000000001';
  await ordering().db.$executeRaw`INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId")
    VALUES (${id}, ${OrderPlaced.subject}, ${'NO_SUCH_STREAM'}, ${JSON.stringify({ id })}::jsonb, ${'relay-test'})`;
  try {
    const streamBefore = await nats.jsm.streams.info(OrderPlaced.stream);
    expect(await relay.drain()).toBe(0);
    const row = await ordering().db.outboxEvent.findUniqueOrThrow({ where: { id } });
    expect(row.sentAt).toBeNull();
    expect(row.attempts).toBe(1);
    expect(row.lastError).toBeTruthy();
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(row.createdAt.getTime());
    expect((await nats.jsm.streams.info(OrderPlaced.stream)).state.messages).toBe(streamBefore.state.messages);

    // The running relay keeps retrying it (after its back-off), and keeps it unsent.
    relay.start();
    await waitFor(async () => (await ordering().db.outboxEvent.findUniqueOrThrow({ where: { id } })).attempts >= 2, 'the relay to retry the row');
    expect((await ordering().db.outboxEvent.findUniqueOrThrow({ where: { id } })).sentAt).toBeNull();
    expect((await nats.jsm.streams.info(OrderPlaced.stream)).state.messages).toBe(streamBefore.state.messages);
  } finally {
    await relay.stop();
    await ordering().db.$executeRaw`DELETE FROM "OutboxEvent" WHERE "id" = ${id}`;
    relay.start();
  }
});
