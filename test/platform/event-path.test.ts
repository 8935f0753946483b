// The event path's batching, limits and retention (issue 13 points 3 and 4), on a real
// nats-server, real PostgreSQL (delivery's schema) and SQLite (notification's):
//  - the relay publishes a batch in flight, keeps each aggregate's outbox order in the stream,
//    and publishes every row exactly once across a crash between publishing and marking sent;
//  - a commit wakes the relay at once (no poll);
//  - a consumer handles messages of different orders concurrently, one order's in stream
//    order, each event once (a redelivered one is a duplicate), and skips what it does not accept;
//  - streams get the configured limits (read back from the server), facts streams keep everything;
//  - sent outbox rows and processed markers older than their retention are pruned, young ones
//    and unsent rows never;
//  - retention settings that could lose a guarantee are refused at start-up.
import { randomUUID } from 'node:crypto';
import { DiscardPolicy, jetstream } from '@nats-io/jetstream';
import { z } from 'zod';
import { baseEnvSchema, parseEnv } from '../../platform/config';
import { PolicyConsumer, policy, type Outcome } from '../../platform/consumer';
import { type OpenedDatabase } from '../../platform/database';
import { createEnvelope, defineEvent } from '../../platform/events';
import { createLogger } from '../../platform/logger';
import { DEFAULT_STREAM_LIMITS, ensureStream } from '../../platform/nats';
import { OutboxRelay } from '../../platform/outbox';
import { pruneEventRecords } from '../../platform/retention';
import { platformSqlFor } from '../../platform/sql-dialect';
import { type DeliveryDb, type DeliveryTx } from '../../subgraphs/delivery/db';
import { type NotificationDb } from '../../subgraphs/notification/db';
import { type TestJetStream } from '../support/jetstream';
import { type TestNats } from '../support/nats';
import { waitFor } from '../support/ports';
import { type TestDatabases } from '../support/postgres';
import { openEventTestbed, type EventTestbed } from '../support/event-testbed';

const log = createLogger('event-path-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
const HOUR = 3_600_000;

// A test-only event on delivery's stream: the relay and the consumer are what is tested.
const StepHappened = defineEvent({ context: 'delivery', name: 'test-step-happened', version: 1, data: z.object({ orderId: z.string(), n: z.number().int() }) });

let nats: TestNats;
let client: TestJetStream;
let dbs: TestDatabases;
let pgDb: OpenedDatabase<DeliveryDb>;
let sqliteDb: OpenedDatabase<NotificationDb>;
let sqliteDir: string;

let bed: EventTestbed | undefined;
beforeAll(async () => {
  bed = await openEventTestbed('event_path', { sqlite: true });
  ({ nats, client, dbs, pgDb, dir: sqliteDir } = bed);
  sqliteDb = bed.sqliteDb!;
}, 120_000);
afterAll(() => bed?.close());

/** Writes outbox rows the way addToOutbox does, each in its own transaction (its own commit). */
async function writeOutbox(db: DeliveryDb, events: Array<{ orderId: string; n: number }>): Promise<string[]> {
  const ids: string[] = [];
  for (const e of events) {
    const env = createEnvelope(StepHappened, e, { correlationId: e.orderId });
    await db.$transaction((tx) =>
      platformSqlFor(tx).insertOutbox(tx, { id: env.id, subject: StepHappened.subject, stream: StepHappened.stream, payload: JSON.stringify(env), correlationId: e.orderId }),
    );
    ids.push(env.id);
  }
  return ids;
}

/** Three orders' events interleaved: a1 b1 c1 a2 b2 c2 … */
const interleaved = (prefix: string, orders: number, perOrder: number) =>
  Array.from({ length: orders * perOrder }, (_, i) => ({ orderId: `${prefix}-${i % orders}`, n: Math.floor(i / orders) }));

describe('outbox relay', () => {
  test('publishes batches in flight, keeps each order\'s outbox order in the stream, and each row once across a crash', async () => {
    const db = pgDb.client;
    const events = interleaved(`relay-${randomUUID().slice(0, 8)}`, 3, 20);
    const ids = await writeOutbox(db, events);
    // Batches of 7: 60 rows take several passes with a short last batch.
    const relay = new OutboxRelay(db, client.js, log, { pollMs: 60_000, batchSize: 7 });
    expect(await relay.drain()).toBe(60);

    const inStream = (await client.messages(StepHappened.stream, StepHappened.subject)).filter((m) => ids.includes(m.msgId!));
    expect(inStream).toHaveLength(60);
    // The stream holds the rows in outbox (commit) order: each order's steps 0, 1, 2 … in sequence.
    expect(inStream.map((m) => m.msgId)).toEqual(ids);
    for (const orderId of new Set(events.map((e) => e.orderId))) {
      const steps = inStream.filter((m) => m.body.data.orderId === orderId).map((m) => m.body.data.n);
      expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    const rows = await db.outboxEvent.findMany({ where: { id: { in: ids } } });
    expect(rows.every((r) => r.sentAt !== null)).toBe(true);
    const seqOf = new Map(inStream.map((m) => [m.msgId!, m.seq]));
    for (const r of rows) expect(Number(r.streamSeq)).toBe(seqOf.get(r.id));

    // A crash after publishing, before the batch was marked sent: every row is due again.
    const before = await client.jsm.streams.info(StepHappened.stream);
    await db.$executeRaw`UPDATE "OutboxEvent" SET "sentAt" = NULL, "streamSeq" = NULL WHERE "id" = ANY(${ids})`;
    expect(await relay.drain()).toBe(60);
    const after = await client.jsm.streams.info(StepHappened.stream);
    // JetStream dropped all 60 republishes (same msgID within its window) and answered with the first sequences.
    expect(after.state.messages).toBe(before.state.messages);
    expect(after.state.last_seq).toBe(before.state.last_seq);
    for (const r of await db.outboxEvent.findMany({ where: { id: { in: ids } } })) expect(Number(r.streamSeq)).toBe(seqOf.get(r.id));
    expect(await relay.drain()).toBe(0);
  });

  test('a commit wakes the running relay at once, not at its next poll', async () => {
    const db = pgDb.client;
    const relay = new OutboxRelay(db, client.js, log, { pollMs: 60_000 });
    relay.start();
    try {
      // The first pass at start finds nothing; from now on only a wake-up can publish within the minute.
      await waitFor(async () => (await relay.backlog()).unsent === 0, 'the relay to be idle');
      const [id] = await writeOutbox(db, [{ orderId: `wake-${randomUUID().slice(0, 8)}`, n: 0 }]);
      const committed = Date.now();
      relay.notify();
      await waitFor(async () => (await db.outboxEvent.findUniqueOrThrow({ where: { id } })).sentAt !== null, 'the row to be published', 5000, 5);
      expect(Date.now() - committed).toBeLessThan(2000);
    } finally {
      await relay.stop();
    }
  });

  test('on SQLite too: a batch is marked sent with each message\'s stream sequence', async () => {
    const db = sqliteDb.client;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const env = createEnvelope(StepHappened, { orderId: 'sqlite-order', n: i }, { correlationId: 'sqlite-order' });
      await db.$transaction((tx) => platformSqlFor(tx).insertOutbox(tx, { id: env.id, subject: StepHappened.subject, stream: StepHappened.stream, payload: JSON.stringify(env), correlationId: 'sqlite-order' }));
      ids.push(env.id);
    }
    const relay = new OutboxRelay(db, client.js, log, { pollMs: 60_000, batchSize: 3 });
    expect(await relay.drain()).toBe(5);
    const inStream = (await client.messages(StepHappened.stream, StepHappened.subject)).filter((m) => ids.includes(m.msgId!));
    expect(inStream.map((m) => m.msgId)).toEqual(ids);
    const rows = await db.outboxEvent.findMany({ where: { id: { in: ids } } });
    const seqOf = new Map(inStream.map((m) => [m.msgId!, m.seq]));
    for (const r of rows) {
      expect(r.sentAt).not.toBeNull();
      expect(Number(r.streamSeq)).toBe(seqOf.get(r.id));
    }
  });
});

describe('consumer', () => {
  test('handles different orders concurrently, each order in stream order, each event once, and skips what it does not accept', async () => {
    const prefix = `cons-${randomUUID().slice(0, 8)}`;
    const handled: Array<{ orderId: string; n: number }> = [];
    let inHandler = 0;
    let mostAtOnce = 0;
    const step = policy<DeliveryTx, typeof StepHappened>({
      name: `${prefix}-steps`,
      event: StepHappened,
      accepts: (d) => d.n >= 0,
      async handle(tx, d) {
        inHandler++;
        mostAtOnce = Math.max(mostAtOnce, inHandler);
        // A real statement in the handler's transaction, and a pause that would reorder a careless consumer.
        await tx.$queryRaw`SELECT 1 AS "one" FROM pg_sleep(${Math.random() * 0.02})`;
        handled.push(d);
        inHandler--;
      },
    });
    const orders = 4;
    const perOrder = 12;
    const envs = interleaved(prefix, orders, perOrder).map((d) => createEnvelope(StepHappened, d, { correlationId: d.orderId }));
    const js = jetstream(client.nc);
    for (const env of envs) await js.publish(StepHappened.subject, JSON.stringify(env), { msgID: env.id });
    // The same event again (another message id: JetStream keeps it), and one the policy does not accept.
    await js.publish(StepHappened.subject, JSON.stringify(envs[5]), { msgID: randomUUID() });
    const ignored = createEnvelope(StepHappened, { orderId: `${prefix}-0`, n: -1 }, { correlationId: `${prefix}-0` });
    await js.publish(StepHappened.subject, JSON.stringify(ignored), { msgID: ignored.id });

    const consumer = new PolicyConsumer<DeliveryTx>(step, pgDb.client, js, client.jsm, log, { context: 'test', maxDeliver: 3, batch: 16, concurrency: 8 });
    const outcomes: Outcome[] = [];
    consumer.onOutcome = (o, subject) => {
      if (subject === StepHappened.subject) outcomes.push(o);
    };
    await consumer.start();
    try {
      // Every message of the stream's subject reaches this new durable (it starts at the first one).
      await waitFor(() => handled.filter((h) => h.orderId.startsWith(prefix)).length === orders * perOrder && outcomes.includes('skipped') && outcomes.includes('duplicate'), 'every step handled', 30_000);
    } finally {
      await consumer.stop();
    }
    const mine = handled.filter((h) => h.orderId.startsWith(prefix));
    for (let o = 0; o < orders; o++) {
      expect(mine.filter((h) => h.orderId === `${prefix}-${o}`).map((h) => h.n)).toEqual(Array.from({ length: perOrder }, (_, i) => i));
    }
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(8);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(1);
    const markers = await pgDb.client.processedEvent.count({ where: { consumer: consumer.durable } });
    // One marker per distinct accepted event (other tests' events on the subject are processed too, with their own markers).
    expect(markers).toBe(outcomes.filter((o) => o === 'processed').length);
    expect(await pgDb.client.processedEvent.count({ where: { consumer: consumer.durable, eventId: ignored.id } })).toBe(0);
    const info = await client.consumer(StepHappened.stream, consumer.durable);
    expect(info.num_ack_pending).toBe(0);
  });
});

describe('stream limits', () => {
  const limits = { maxAgeMs: 48 * HOUR, maxBytes: 64 * 1024 * 1024, duplicateWindowMs: 90_000, factStreams: ['catalog'] };

  test('an event stream gets an age limit, a fact stream keeps every message and refuses when full (read from the server)', async () => {
    await ensureStream(client.jsm, 'ordering', { replicas: 1, limits });
    const events = (await client.jsm.streams.info('ORDERING')).config;
    expect(events).toMatchObject({ max_age: 48 * HOUR * 1e6, max_bytes: 64 * 1024 * 1024, discard: DiscardPolicy.Old, duplicate_window: 90_000 * 1e6 });

    await ensureStream(client.jsm, 'catalog', { replicas: 1, limits });
    const facts = (await client.jsm.streams.info('CATALOG')).config;
    expect(facts).toMatchObject({ max_age: 0, max_bytes: 64 * 1024 * 1024, discard: DiscardPolicy.New, duplicate_window: 90_000 * 1e6 });
  });

  test('a stream made without limits (the router, an older version) is brought to the context\'s limits; a caller without limits changes nothing', async () => {
    // Created the way a process without settings creates it: the platform defaults.
    await ensureStream(client.jsm, 'payment');
    expect((await client.jsm.streams.info('PAYMENT')).config).toMatchObject({ max_age: DEFAULT_STREAM_LIMITS.maxAgeMs * 1e6, duplicate_window: DEFAULT_STREAM_LIMITS.duplicateWindowMs * 1e6 });
    await client.jsm.streams.update('PAYMENT', { max_age: 0 });

    await ensureStream(client.jsm, 'payment', { replicas: 1 });
    expect((await client.jsm.streams.info('PAYMENT')).config.max_age).toBe(0);

    await ensureStream(client.jsm, 'payment', { replicas: 1, limits }, log);
    expect((await client.jsm.streams.info('PAYMENT')).config).toMatchObject({ max_age: 48 * HOUR * 1e6, max_bytes: 64 * 1024 * 1024, discard: DiscardPolicy.Old });
  });
});

describe('pruning', () => {
  test.each(['postgres', 'sqlite'] as const)('%s: old sent rows and old markers go; young ones and every unsent row stay', async (engine) => {
    // Typed as one client: the platform tables are the same models in both schemas.
    const db = (engine === 'postgres' ? pgDb.client : sqliteDb.client) as unknown as DeliveryDb;
    const sql = platformSqlFor(db);
    const tag = randomUUID().slice(0, 8);
    const id = (name: string) => `${name}-${tag}`;
    const now = Date.now();
    // Timestamps as each engine's own writers store them (PostgreSQL: local timestamps, as now() writes them; SQLite: bound Dates).
    const backdate = async (table: 'OutboxEvent' | 'ProcessedEvent', column: 'createdAt' | 'sentAt' | 'processedAt', where: string, agoMs: number) => {
      const key = table === 'OutboxEvent' ? 'id' : 'eventId';
      if (engine === 'postgres') {
        await db.$executeRawUnsafe(`UPDATE "${table}" SET "${column}" = LOCALTIMESTAMP - make_interval(secs => $1) WHERE "${key}" = $2`, agoMs / 1000, where);
      } else {
        await db.$executeRawUnsafe(`UPDATE "${table}" SET "${column}" = ? WHERE "${key}" = ?`, new Date(now - agoMs), where);
      }
    };
    const rows: Array<[string, number | null, number]> = [
      // [id, sent how long ago (null: unsent), created how long ago]
      [id('sent-old'), 30 * HOUR, 30 * HOUR],
      [id('sent-old-2'), 25 * HOUR, 26 * HOUR],
      [id('sent-young'), 1 * HOUR, 1 * HOUR],
      [id('unsent-old'), null, 400 * HOUR],
    ];
    for (const [rowId, sentAgo, createdAgo] of rows) {
      await db.$transaction((tx) => platformSqlFor(tx).insertOutbox(tx, { id: rowId, subject: StepHappened.subject, stream: StepHappened.stream, payload: '{}', correlationId: tag }));
      await backdate('OutboxEvent', 'createdAt', rowId, createdAgo);
      if (sentAgo !== null) await backdate('OutboxEvent', 'sentAt', rowId, sentAgo);
    }
    const markers: Array<[string, number]> = [
      [id('m-old'), 200 * HOUR],
      [id('m-old-2'), 170 * HOUR],
      [id('m-young'), 2 * HOUR],
    ];
    for (const [eventId, ago] of markers) {
      await db.$transaction((tx) => sql.markProcessed(tx, `prune-${tag}`, eventId));
      await backdate('ProcessedEvent', 'processedAt', eventId, ago);
    }
    if (engine === 'postgres') {
      // The timestamps really are hours apart in the table's own terms.
      const [r] = await db.$queryRaw<Array<{ h: number }>>`SELECT EXTRACT(EPOCH FROM (LOCALTIMESTAMP - "sentAt"))::float8 / 3600 AS "h" FROM "OutboxEvent" WHERE "id" = ${id('sent-old')}`;
      expect(r.h).toBeGreaterThan(29.9);
    }

    // One row per statement: the loop continues until nothing old is left.
    const pruned = await pruneEventRecords(db, { outboxRetentionMs: 24 * HOUR, processedRetentionMs: 168 * HOUR, chunk: 1 });
    expect(pruned.outbox).toBeGreaterThanOrEqual(2);
    expect(pruned.processed).toBeGreaterThanOrEqual(2);
    const left = (await db.outboxEvent.findMany({ where: { correlationId: tag }, select: { id: true } })).map((r: { id: string }) => r.id).sort();
    expect(left).toEqual([id('sent-young'), id('unsent-old')].sort());
    const leftMarkers = (await db.processedEvent.findMany({ where: { consumer: `prune-${tag}` }, select: { eventId: true } })).map((r: { eventId: string }) => r.eventId);
    expect(leftMarkers).toEqual([id('m-young')]);
  });
});

describe('retention settings', () => {
  test('the defaults are valid', () => {
    const c = parseEnv(baseEnvSchema, {});
    expect(c).toMatchObject({ OUTBOX_RETENTION_HOURS: 24, PROCESSED_EVENT_RETENTION_HOURS: 168, NATS_STREAM_MAX_AGE_HOURS: 168, NATS_FACT_STREAMS: ['catalog'] });
  });

  test('a retention that could let an event take effect twice, or lose the record of a publish, is refused at start-up', () => {
    // Outbox rows must outlive the duplicate window (2 min): 0.01 h is 36 s.
    expect(() => parseEnv(baseEnvSchema, { OUTBOX_RETENTION_HOURS: '0.01' })).toThrow(/OUTBOX_RETENTION_HOURS: must be longer than JetStream's duplicate window/);
    // Markers must outlive the longest redelivery (5 deliveries: ack wait and back-off each, several minutes).
    expect(() => parseEnv(baseEnvSchema, { PROCESSED_EVENT_RETENTION_HOURS: '0.04', NATS_STREAM_MAX_AGE_HOURS: '0.04' })).toThrow(
      /PROCESSED_EVENT_RETENTION_HOURS: must be longer than JetStream's duplicate window and the longest redelivery/,
    );
    // … and every message a stream still holds.
    expect(() => parseEnv(baseEnvSchema, { PROCESSED_EVENT_RETENTION_HOURS: '48' })).toThrow(/PROCESSED_EVENT_RETENTION_HOURS: must be at least NATS_STREAM_MAX_AGE_HOURS \(168 h\)/);
    expect(() => parseEnv(baseEnvSchema, { NATS_STREAM_MAX_AGE_HOURS: '0' })).toThrow(/no age limit/);
    expect(parseEnv(baseEnvSchema, { PROCESSED_EVENT_RETENTION_HOURS: '48', NATS_STREAM_MAX_AGE_HOURS: '48' }).PROCESSED_EVENT_RETENTION_HOURS).toBe(48);
  });
});
