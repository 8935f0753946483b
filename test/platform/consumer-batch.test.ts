// Batched consumers (platform/consumer.ts, issue 13) on a real nats-server, real PostgreSQL
// (delivery's schema) and SQLite (notification's): a worker handles the messages queued for it
// in ONE transaction (markers in one statement, handlers in stream order, one commit).
//  - a poisoned message in the middle of a batch: the others commit, each once; only the
//    poisoned one is retried (with back-off) and dead-lettered, exactly as alone;
//  - a crash between commit and ack: the redelivered batch is all duplicates, no second effect;
//  - many keys under concurrency: each key's events in stream order, each once, fewer
//    transactions than events, never more transactions at once than the HandlerSlots allow;
//  - markProcessedMany in both dialects, and a batch on SQLite.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { z } from 'zod';
import { HandlerSlots, PolicyConsumer, policy, type Outcome } from '../../platform/consumer';
import { type OpenedDatabase } from '../../platform/database';
import { PermanentError } from '../../platform/errors';
import { createEnvelope, defineEvent, type Envelope, type EventContract } from '../../platform/events';
import { createLogger } from '../../platform/logger';
import { PLATFORM_SQL } from '../../platform/sql-dialect';
import { type DeliveryDb, type DeliveryTx } from '../../subgraphs/delivery/db';
import { type NotificationDb, type NotificationTx } from '../../subgraphs/notification/db';
import { consumerSettled, type TestJetStream } from '../support/jetstream';
import { type TestNats } from '../support/nats';
import { waitFor } from '../support/ports';
import { type TestDatabases } from '../support/postgres';
import { openEventTestbed, type EventTestbed } from '../support/event-testbed';

const log = createLogger('consumer-batch-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
const Step = z.object({ key: z.string(), n: z.number().int() });
// One subject per test: a new durable starts at the stream's first message of its subject.
const event = (name: string) => defineEvent({ context: 'delivery', name, version: 1, data: Step });

let nats: TestNats;
let client: TestJetStream;
let dbs: TestDatabases;
let pgDb: OpenedDatabase<DeliveryDb>;
let sqliteDb: OpenedDatabase<NotificationDb>;
let dir: string;

let bed: EventTestbed | undefined;
beforeAll(async () => {
  bed = await openEventTestbed('consumer_batch', { sqlite: true });
  ({ nats, client, dbs, pgDb, dir } = bed);
  sqliteDb = bed.sqliteDb!;
  await pgDb.client.$executeRawUnsafe(`CREATE TABLE "BatchEffect" ("n" SERIAL PRIMARY KEY, "eventId" TEXT NOT NULL, "key" TEXT NOT NULL, "step" INT NOT NULL)`);
  await sqliteDb.client.$executeRawUnsafe(`CREATE TABLE "BatchEffect" ("n" INTEGER PRIMARY KEY AUTOINCREMENT, "eventId" TEXT NOT NULL, "key" TEXT NOT NULL, "step" INT NOT NULL)`);
}, 120_000);
afterAll(() => bed?.close());

/** The database with its transactions counted (how many, how many at once at most). */
function counted<D extends { $transaction: (...a: any[]) => Promise<any> }>(db: D) {
  const stats = { transactions: 0, open: 0, peak: 0 };
  const proxy = new Proxy(db, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as any;
      if (prop === '$transaction') {
        return async (...args: unknown[]) => {
          stats.transactions++;
          stats.peak = Math.max(stats.peak, ++stats.open);
          try {
            return await v.apply(target, args);
          } finally {
            stats.open--;
          }
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db: proxy, stats };
}

/** A JetStream client whose consumers never ack: a process that dies after each commit, before its acks. */
function withoutAcks(js: JetStreamClient): JetStreamClient {
  const consumers = new Proxy(js.consumers, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop !== 'get') return typeof v === 'function' ? v.bind(target) : v;
      return async (...args: unknown[]) => {
        const consumer = await v.apply(target, args);
        return new Proxy(consumer, {
          get(c, p) {
            const cv = Reflect.get(c, p, c);
            if (p !== 'consume') return typeof cv === 'function' ? cv.bind(c) : cv;
            return async (...a: unknown[]) => {
              const messages = await cv.apply(c, a);
              return new Proxy(messages, {
                get(t, q) {
                  if (q === Symbol.asyncIterator) {
                    return async function* () {
                      for await (const m of t as AsyncIterable<JsMsg>) {
                        (m as { ack: () => void }).ack = () => undefined;
                        yield m;
                      }
                    };
                  }
                  const tv = Reflect.get(t, q, t);
                  return typeof tv === 'function' ? tv.bind(t) : tv;
                },
              });
            };
          },
        });
      };
    },
  });
  return new Proxy(js, { get: (t, p) => (p === 'consumers' ? consumers : Reflect.get(t, p, t)) });
}

async function publishAll(contract: EventContract, steps: Array<{ key: string; n: number }>): Promise<Envelope[]> {
  const envs = steps.map((d) => createEnvelope(contract, d as never, { correlationId: d.key }));
  await Promise.all(envs.map((env) => client.js.publish(contract.subject, JSON.stringify(env), { msgID: env.id })));
  return envs;
}

const settled = (contract: EventContract, durable: string) =>
  waitFor(async () => consumerSettled(await client.consumer(contract.stream, durable)), `${durable} to settle`, 30_000);

const effects = async (db: DeliveryDb, eventIds: string[]) =>
  db.$queryRaw<Array<{ eventId: string; key: string; step: number }>>`SELECT "eventId", "key", "step" FROM "BatchEffect" WHERE "eventId" = ANY(${eventIds}) ORDER BY "n"`;

/** A policy appending an effect row per handled event (a second run for one event would show), failing on `poison`. */
function appending<Tx extends DeliveryTx | NotificationTx>(contract: EventContract<typeof Step>, name: string, poison?: { step: number; error: () => Error }) {
  const calls: number[] = [];
  const p = policy<Tx, EventContract<typeof Step>>({
    name,
    event: contract,
    async handle(tx, d, env) {
      calls.push(d.n);
      await tx.$executeRaw`INSERT INTO "BatchEffect" ("eventId", "key", "step") VALUES (${env.id}, ${d.key}, ${d.n})`;
      if (poison && d.n === poison.step) throw poison.error();
    },
  });
  return { p, calls };
}

test('a permanently failing message in the middle of a batch: the others commit once each, it alone is dead-lettered at once', async () => {
  const contract = event('batch-permanent-happened');
  const steps = Array.from({ length: 30 }, (_, n) => ({ key: 'one-order', n }));
  const envs = await publishAll(contract, steps);
  const { p, calls } = appending<DeliveryTx>(contract, 'batch-permanent', { step: 15, error: () => new PermanentError('cannot ever apply step 15') });
  const { db, stats } = counted(pgDb.client);
  const consumer = new PolicyConsumer<DeliveryTx>(p, db, client.js, client.jsm, log, { context: 'test', maxDeliver: 3, concurrency: 2, batchMax: 64 });
  const outcomes: Outcome[] = [];
  consumer.onOutcome = (o) => outcomes.push(o);
  await consumer.start();
  try {
    await waitFor(() => outcomes.length === 30, 'every message to settle', 30_000);
    await settled(contract, consumer.durable);
  } finally {
    await consumer.stop();
  }
  expect(outcomes.filter((o) => o === 'processed')).toHaveLength(29);
  expect(outcomes.filter((o) => o === 'dead-lettered')).toHaveLength(1);
  // Every other step committed exactly once, in stream order; the poisoned one's effect never.
  const rows = await effects(pgDb.client, envs.map((e) => e.id));
  expect(rows.map((r) => r.step)).toEqual(steps.map((s) => s.n).filter((n) => n !== 15));
  const dead = await pgDb.client.deadLetter.findMany({ where: { consumer: consumer.durable } });
  expect(dead).toHaveLength(1);
  expect(dead[0]).toMatchObject({ eventId: envs[15].id, deliveries: 1, error: 'cannot ever apply step 15' });
  expect(await pgDb.client.processedEvent.count({ where: { consumer: consumer.durable } })).toBe(29);
  // The poisoned step ran in its batch and once more alone (a permanent error is not retried).
  expect(calls.filter((n) => n === 15)).toHaveLength(2);
  expect(stats.transactions).toBeGreaterThan(1);
});

test('a transiently failing message in a batch: only it is naked with back-off, retried and dead-lettered after maxDeliver', async () => {
  const contract = event('batch-transient-happened');
  const steps = Array.from({ length: 20 }, (_, n) => ({ key: `order-${n % 2}`, n }));
  const envs = await publishAll(contract, steps);
  const { p } = appending<DeliveryTx>(contract, 'batch-transient', { step: 6, error: () => new Error('database hiccup on step 6') });
  const consumer = new PolicyConsumer<DeliveryTx>(p, pgDb.client, client.js, client.jsm, log, { context: 'test', maxDeliver: 3, concurrency: 1, batchMax: 64 });
  const outcomes: Outcome[] = [];
  consumer.onOutcome = (o) => outcomes.push(o);
  await consumer.start();
  try {
    // Back-off ~0.5 s then ~1 s before the third and last delivery.
    await waitFor(() => outcomes.includes('dead-lettered'), 'the poisoned message to be dead-lettered', 30_000);
    await settled(contract, consumer.durable);
  } finally {
    await consumer.stop();
  }
  expect(outcomes.filter((o) => o === 'processed')).toHaveLength(19);
  expect(outcomes.filter((o) => o === 'retry')).toHaveLength(2);
  expect(outcomes.filter((o) => o === 'dead-lettered')).toHaveLength(1);
  const rows = await effects(pgDb.client, envs.map((e) => e.id));
  expect(rows.map((r) => r.eventId).sort()).toEqual(envs.filter((_, i) => i !== 6).map((e) => e.id).sort());
  const dead = await pgDb.client.deadLetter.findMany({ where: { consumer: consumer.durable } });
  expect(dead).toHaveLength(1);
  expect(dead[0]).toMatchObject({ eventId: envs[6].id, deliveries: 3, error: 'database hiccup on step 6' });
});

test('a crash between commit and ack: the redelivered batch is all duplicates, no effect twice', async () => {
  const contract = event('batch-crash-happened');
  const steps = Array.from({ length: 24 }, (_, n) => ({ key: `order-${n % 3}`, n }));
  const envs = await publishAll(contract, steps);
  const ids = envs.map((e) => e.id);
  const { p } = appending<DeliveryTx>(contract, 'batch-crash');
  const opts = { context: 'test', maxDeliver: 3, concurrency: 2, batchMax: 64, ackWaitMs: 1000 };

  // Commits every batch, acks nothing.
  const crashing = new PolicyConsumer<DeliveryTx>(p, pgDb.client, withoutAcks(client.js), client.jsm, log, opts);
  const first: Outcome[] = [];
  crashing.onOutcome = (o) => first.push(o);
  await crashing.start();
  try {
    await waitFor(() => first.length === 24, 'the first run to commit every event', 30_000);
  } finally {
    await crashing.stop();
  }
  expect(first.every((o) => o === 'processed')).toBe(true);
  expect((await client.consumer(contract.stream, crashing.durable)).ack_floor.stream_seq).toBe(0);

  // The restarted process gets every message again once the ack wait is over.
  const { db, stats } = counted(pgDb.client);
  const restarted = new PolicyConsumer<DeliveryTx>(p, db, client.js, client.jsm, log, opts);
  const second: Outcome[] = [];
  restarted.onOutcome = (o) => second.push(o);
  await restarted.start();
  try {
    await waitFor(() => second.length === 24, 'the redelivery to be handled', 30_000);
    await settled(contract, restarted.durable);
  } finally {
    await restarted.stop();
  }
  expect(second).toEqual(Array(24).fill('duplicate'));
  // Redelivered together, they are recognised in batches (one marker statement each), not one transaction per message.
  expect(stats.transactions).toBeLessThan(24);
  const rows = await effects(pgDb.client, ids);
  expect(rows.map((r) => r.eventId).sort()).toEqual([...ids].sort());
  expect(await pgDb.client.processedEvent.count({ where: { consumer: restarted.durable } })).toBe(24);

  // The same through applyMany (new-database replay): one transaction, every event a duplicate.
  expect(await restarted.applyMany(envs.map((env) => ({ env })))).toEqual(Array(24).fill('duplicate'));
  expect(await effects(pgDb.client, ids)).toHaveLength(24);
  // Two copies of one event in one transaction: the second is a duplicate.
  const extra = createEnvelope(contract, { key: 'order-x', n: 99 }, { correlationId: 'order-x' });
  expect(await restarted.applyMany([{ env: extra }, { env: extra }])).toEqual(['processed', 'duplicate']);
  expect(await effects(pgDb.client, [extra.id])).toHaveLength(1);
});

test('many keys under concurrency: each key in stream order, each event once, batched, never more transactions at once than slots', async () => {
  const contract = event('batch-keys-happened');
  const keys = 40;
  const perKey = 8;
  const steps = Array.from({ length: keys * perKey }, (_, i) => ({ key: `key-${i % keys}`, n: Math.floor(i / keys) }));
  const envs = await publishAll(contract, steps);
  const handled: Array<{ key: string; n: number }> = [];
  const p = policy<DeliveryTx, typeof contract>({
    name: 'batch-keys',
    event: contract,
    // Keyed by the data, not the correlation id, to show the policy's own key is what orders.
    orderingKey: (d) => d.key,
    async handle(tx, d, env) {
      // A pause that would reorder a careless consumer.
      await tx.$queryRaw`SELECT 1 AS "one" FROM pg_sleep(${Math.random() * 0.005})`;
      await tx.$executeRaw`INSERT INTO "BatchEffect" ("eventId", "key", "step") VALUES (${env.id}, ${d.key}, ${d.n})`;
      handled.push(d);
    },
  });
  const { db, stats } = counted(pgDb.client);
  const consumer = new PolicyConsumer<DeliveryTx>(p, db, client.js, client.jsm, log, { context: 'test', maxDeliver: 3, concurrency: 4, batchMax: 16, slots: new HandlerSlots(2) });
  const outcomes: Outcome[] = [];
  consumer.onOutcome = (o) => outcomes.push(o);
  await consumer.start();
  try {
    await waitFor(() => outcomes.length === keys * perKey, 'every event handled', 60_000);
    await settled(contract, consumer.durable);
  } finally {
    await consumer.stop();
  }
  expect(outcomes.every((o) => o === 'processed')).toBe(true);
  for (let k = 0; k < keys; k++) {
    expect(handled.filter((h) => h.key === `key-${k}`).map((h) => h.n)).toEqual(Array.from({ length: perKey }, (_, i) => i));
  }
  const rows = await effects(pgDb.client, envs.map((e) => e.id));
  expect(rows).toHaveLength(keys * perKey);
  // Committed order per key too (the serial column is commit order within a key's worker).
  for (let k = 0; k < keys; k++) {
    expect(rows.filter((r) => r.key === `key-${k}`).map((r) => r.step)).toEqual(Array.from({ length: perKey }, (_, i) => i));
  }
  expect(stats.transactions).toBeLessThan((keys * perKey) / 4);
  expect(stats.peak).toBeGreaterThan(1);
  expect(stats.peak).toBeLessThanOrEqual(2);
});

describe('markProcessedMany', () => {
  test.each(['postgres', 'sqlite'] as const)('%s: returns only the new ids, one row per event', async (engine) => {
    // Either client: only raw SQL, transactions and the ProcessedEvent model are used here.
    const db = (engine === 'postgres' ? pgDb.client : sqliteDb.client) as DeliveryDb;
    const sql = PLATFORM_SQL[engine];
    const consumer = `many-${engine}-${randomUUID().slice(0, 8)}`;
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    expect(await db.$transaction((tx) => sql.markProcessedMany(tx, consumer, []))).toEqual(new Set());
    expect(await db.$transaction((tx) => sql.markProcessedMany(tx, consumer, [a, b]))).toEqual(new Set([a, b]));
    expect(await db.$transaction((tx) => sql.markProcessedMany(tx, consumer, [b, c, a]))).toEqual(new Set([c]));
    // Another consumer's markers are its own.
    expect(await db.$transaction((tx) => sql.markProcessedMany(tx, `${consumer}-other`, [a]))).toEqual(new Set([a]));
    expect(await db.processedEvent.count({ where: { consumer } })).toBe(3);
    // The single-event form agrees.
    expect(await db.$transaction((tx) => sql.markProcessed(tx, consumer, c))).toBe(false);
  });
});

test('on SQLite: a batch commits its events once each, a copy of an event is a duplicate', async () => {
  const contract = event('batch-sqlite-happened');
  const steps = Array.from({ length: 12 }, (_, n) => ({ key: 'sqlite-order', n }));
  const envs = await publishAll(contract, steps);
  // The same event again under another message id: JetStream keeps both.
  await client.js.publish(contract.subject, JSON.stringify(envs[3]), { msgID: randomUUID() });
  const { p } = appending<NotificationTx>(contract, 'batch-sqlite');
  const consumer = new PolicyConsumer<NotificationTx>(p, sqliteDb.client, client.js, client.jsm, log, { context: 'test', maxDeliver: 3, concurrency: 2, batchMax: 64 });
  const outcomes: Outcome[] = [];
  consumer.onOutcome = (o) => outcomes.push(o);
  await consumer.start();
  try {
    await waitFor(() => outcomes.length === 13, 'every message handled', 30_000);
    await settled(contract, consumer.durable);
  } finally {
    await consumer.stop();
  }
  expect(outcomes.filter((o) => o === 'processed')).toHaveLength(12);
  expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(1);
  const ids = envs.map((e) => e.id);
  const rows = await sqliteDb.client.$queryRawUnsafe<Array<{ eventId: string; step: number | bigint }>>(
    `SELECT "eventId", "step" FROM "BatchEffect" WHERE "eventId" IN (${ids.map(() => '?').join(',')}) ORDER BY "n"`,
    ...ids,
  );
  expect(rows.map((r) => Number(r.step))).toEqual(steps.map((s) => s.n));
  expect(await sqliteDb.client.processedEvent.count({ where: { consumer: consumer.durable } })).toBe(12);
});
