// Durable consumers on a real nats-server and real PostgreSQL: a context that was down
// catches up on what it missed, and a redelivered event (same event id) has no second effect.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PolicyConsumer, policy, type Outcome } from '../../platform/consumer';
import { parseEvent } from '../../platform/events';
import { createLogger } from '../../platform/logger';
import type { DeliveryDb, DeliveryTx } from '../../subgraphs/delivery/db';
import { OrderPlaced } from '../../subgraphs/ordering/contracts';
import { consumerSettled, openJetStream, type TestJetStream } from '../support/jetstream';
import { waitFor } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

const PLACE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
const DURABLE = 'delivery--order-placed';

let stack: Stack;
let nats: TestJetStream;
beforeAll(async () => {
  stack = await startStack();
  nats = await openJetStream(stack.nats.url);
  await waitFor(async () => (await stack.services.ordering!.db.catalogProduct.count()) >= 3, 'ordering to learn the catalog');
});
afterAll(async () => {
  await nats?.close();
  await stack?.close();
});

const delivery = () => stack.services.delivery!;

async function placeOrders(n: number, customer: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await stack.customer(`${customer}-${i}`).gql(PLACE, { input: { productId: 'donut', qty: 2 } });
    expect(r.errors).toBeUndefined();
    ids.push(r.data.placeOrder.id);
  }
  return ids;
}

const placedMessages = () => nats.messages(OrderPlaced.stream, OrderPlaced.subject);
const lastPlacedSeq = async () => Math.max(0, ...(await placedMessages()).map((m) => m.seq));

async function waitSettled(durable: string, atLeastSeq = 0) {
  return waitFor(async () => {
    const info = await nats.consumer(OrderPlaced.stream, durable);
    return consumerSettled(info) && info.ack_floor.stream_seq >= atLeastSeq ? info : null;
  }, `${durable} to ack everything up to ${atLeastSeq}`);
}

/** Reads delivery's database directly: the context may be down. */
async function deliveryRows(orderIds: string[]): Promise<Array<{ orderId: string; n: number }>> {
  const c = new pg.Client({ connectionString: stack.dbs.url('delivery') });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT "orderId", count(*)::int AS n FROM "Delivery" WHERE "orderId" = ANY($1) GROUP BY "orderId"`, [orderIds]);
    return rows;
  } finally {
    await c.end();
  }
}

test('a consumer is stopped, events are published, it restarts and processes each exactly once in effect', async () => {
  await stack.stop('delivery');
  expect(stack.services.delivery).toBeUndefined();

  const ids = await placeOrders(4, 'catch-up');
  await waitFor(async () => (await placedMessages()).filter((m) => ids.includes(m.body.data.orderId)).length === ids.length, 'the events in the stream');
  // The server keeps them for the absent consumer; nothing reached delivery's database.
  expect((await nats.consumer(OrderPlaced.stream, DURABLE)).num_pending).toBeGreaterThanOrEqual(ids.length);
  expect(await deliveryRows(ids)).toEqual([]);

  await stack.start('delivery');
  await waitFor(async () => (await deliveryRows(ids)).length === ids.length, 'delivery to catch up');
  const lastSeq = await lastPlacedSeq();
  await waitSettled(DURABLE, lastSeq);

  expect((await deliveryRows(ids)).map((r) => r.n)).toEqual([1, 1, 1, 1]);
  // One "processed" record per event in the stream, none missing, none extra.
  const events = new Set((await placedMessages()).map((m) => m.body.id));
  expect(events.size).toBeGreaterThanOrEqual(ids.length);
  const processed = await delivery().db.processedEvent.findMany({ where: { consumer: DURABLE } });
  expect(processed).toHaveLength(events.size);
  expect(new Set(processed.map((p: { eventId: string }) => p.eventId))).toEqual(events);
  expect(await delivery().db.deadLetter.count()).toBe(0);
});

test('a redelivered event (same event id, new message) changes nothing', async () => {
  const [orderId] = await placeOrders(1, 'redelivery');
  await waitFor(async () => (await delivery().db.delivery.count({ where: { orderId } })) === 1, 'the delivery');
  const original = (await placedMessages()).find((m) => m.body.data.orderId === orderId)!;
  const deliveryBefore = await delivery().db.delivery.findUniqueOrThrow({ where: { orderId } });
  const processedBefore = await delivery().db.processedEvent.count({ where: { consumer: DURABLE } });

  // As a handler would see a redelivery: straight through the consumer.
  const consumer = delivery().consumers.find((c) => c.durable === DURABLE)!;
  expect(await consumer.apply(parseEvent(OrderPlaced, original.raw))).toBe('duplicate');

  // As the server would redeliver it: the same envelope under another message id is stored again…
  const outcomes: Outcome[] = [];
  consumer.onOutcome = (o) => outcomes.push(o);
  const ack = await nats.js.publish(OrderPlaced.subject, original.raw, { msgID: randomUUID() });
  expect(ack.duplicate).toBe(false);
  expect((await placedMessages()).filter((m) => m.body.id === original.body.id)).toHaveLength(2);
  // …consumed and acked…
  await waitSettled(DURABLE, ack.seq);
  consumer.onOutcome = undefined;
  expect(outcomes).toEqual(['duplicate']);

  // …and has no effect.
  expect(await delivery().db.delivery.findMany({ where: { orderId } })).toEqual([deliveryBefore]);
  expect(await delivery().db.processedEvent.count({ where: { consumer: DURABLE } })).toBe(processedBefore);
  expect(await delivery().db.deadLetter.count()).toBe(0);
});

test('the processed-event record, not the handler, makes a non-idempotent effect happen once per event id', async () => {
  const db: DeliveryDb = delivery().db;
  await db.$executeRawUnsafe(`CREATE TABLE "TestEffect" ("n" SERIAL PRIMARY KEY, "eventId" TEXT NOT NULL, "orderId" TEXT NOT NULL)`);
  // Appends a row per call: any second run of the handler for one event would show.
  const appendEffect = policy<DeliveryTx, typeof OrderPlaced>({
    name: 'test-effect',
    event: OrderPlaced,
    async handle(tx, o, env) {
      await tx.$executeRaw`INSERT INTO "TestEffect" ("eventId", "orderId") VALUES (${env.id}, ${o.orderId})`;
    },
  });
  const log = createLogger('test', { LOG_LEVEL: 'warn', LOG_FORMAT: 'json' });
  const make = () => new PolicyConsumer<DeliveryTx>(appendEffect, db, nats.js, nats.jsm, log, { context: 'delivery', maxDeliver: 3 });

  // A duplicate in the stream before the consumer exists.
  const [first] = await placeOrders(1, 'effect-a');
  const firstMsg = await waitFor(async () => (await placedMessages()).find((m) => m.body.data.orderId === first), 'the first event');
  await nats.js.publish(OrderPlaced.subject, firstMsg.raw, { msgID: randomUUID() });

  let consumer = make();
  await consumer.start();
  try {
    await waitSettled('delivery--test-effect', await lastPlacedSeq());
    await consumer.stop();

    // While it is stopped: a new event and another copy of an old one.
    const [second] = await placeOrders(1, 'effect-b');
    const secondMsg = await waitFor(async () => (await placedMessages()).find((m) => m.body.data.orderId === second), 'the second event');
    await nats.js.publish(OrderPlaced.subject, secondMsg.raw, { msgID: randomUUID() });
    await nats.js.publish(OrderPlaced.subject, firstMsg.raw, { msgID: randomUUID() });

    consumer = make();
    await consumer.start();
    await waitSettled('delivery--test-effect', await lastPlacedSeq());
  } finally {
    await consumer.stop();
  }

  const inStream = await placedMessages();
  const eventIds = new Set(inStream.map((m) => m.body.id));
  expect(inStream.length).toBeGreaterThan(eventIds.size); // the stream does hold copies
  const effects = await db.$queryRawUnsafe<Array<{ eventId: string; n: number }>>(`SELECT "eventId", count(*)::int AS n FROM "TestEffect" GROUP BY "eventId"`);
  expect(new Set(effects.map((e) => e.eventId))).toEqual(eventIds);
  expect(effects.every((e) => e.n === 1)).toBe(true);
  expect(await db.processedEvent.count({ where: { consumer: 'delivery--test-effect' } })).toBe(eventIds.size);
});
