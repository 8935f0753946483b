// The outbox relay on a PostgreSQL server hears commits from ANY connection (LISTEN/NOTIFY on the
// "OutboxEvent_notify" trigger of the *_outbox_notify migration), on a real nats-server and real
// PostgreSQL (delivery's schema), with the poll set to an hour so it cannot be what finds a row:
//  - a row committed by another connection (plain SQL, not the relay's process' Prisma) is
//    published within a short bound; a rolled-back row never is; the context's own pool does
//    not notify (its process wakes its relay in-process);
//  - after the LISTEN connection is killed (pg_terminate_backend) the listener reconnects, and a
//    row committed while it was away, and one committed after, are both published;
//  - the pipelined passes (next batch read while this one's acks are awaited) keep commit order
//    in the stream across batches, publish each row once and mark every row sent;
//  - a refused row stops the pass: the batch read ahead is not published.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { type OpenedDatabase } from '../../platform/database';
import { createEnvelope, defineEvent } from '../../platform/events';
import { createLogger } from '../../platform/logger';
import { OutboxRelay } from '../../platform/outbox';
import { OUTBOX_CHANNEL, PgOutboxListener } from '../../platform/outbox-listener';
import { type DeliveryDb } from '../../subgraphs/delivery/db';
import { type TestJetStream } from '../support/jetstream';
import { type TestNats } from '../support/nats';
import { waitFor } from '../support/ports';
import { type TestDatabases } from '../support/postgres';
import { openEventTestbed, type EventTestbed } from '../support/event-testbed';

const log = createLogger('outbox-listen-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
const HOUR = 3_600_000;
/** Far below the poll (an hour); generous for a loaded 2-core machine (the relay takes a few ms when idle). */
const PICKUP_BOUND_MS = 3000;
const APP = 'og-test-outbox-listener';

const Happened = defineEvent({ context: 'delivery', name: 'test-listen-happened', version: 1, data: z.object({ orderId: z.string(), n: z.number().int() }) });

let nats: TestNats;
let client: TestJetStream;
let dbs: TestDatabases;
let opened: OpenedDatabase<DeliveryDb>;
let dataDir: string;
let other: pg.Client;

let bed: EventTestbed | undefined;
beforeAll(async () => {
  bed = await openEventTestbed('outbox_listen');
  ({ nats, client, dbs, pgDb: opened, dir: dataDir } = bed);
  other = new pg.Client({ connectionString: dbs.url('delivery') });
  await other.connect();
}, 120_000);
afterAll(async () => {
  await other?.end();
  await bed?.close();
});

/** Commits outbox rows with plain SQL on a connection of the test's own: what another process (a replica, a script) does. */
async function commitElsewhere(events: Array<{ orderId: string; n: number }>, opts: { rollback?: boolean } = {}): Promise<string[]> {
  const envs = events.map((d) => createEnvelope(Happened, d, { correlationId: d.orderId }));
  await other.query('BEGIN');
  for (const env of envs) {
    await other.query(`INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId") VALUES ($1, $2, $3, $4::jsonb, $5)`, [
      env.id,
      Happened.subject,
      Happened.stream,
      JSON.stringify(env),
      env.correlationId,
    ]);
  }
  await other.query(opts.rollback ? 'ROLLBACK' : 'COMMIT');
  return envs.map((e) => e.id);
}

/** The stream's messages of this test's event, in stream order. */
const inStream = async () => (await client.messages(Happened.stream, Happened.subject)).map((m) => ({ id: m.msgId!, orderId: m.body.data.orderId as string, n: m.body.data.n as number }));

/** Milliseconds from now until every id is in the stream (a core subscription sees each message as JetStream stores it). */
async function msUntilInStream(ids: string[], send: () => Promise<unknown>, timeoutMs = 10_000): Promise<number> {
  const pending = new Set(ids);
  const sub = client.nc.subscribe(Happened.subject);
  await client.nc.flush();
  const t0 = performance.now();
  const arrived = (async () => {
    for await (const m of sub) {
      pending.delete(m.headers?.get('Nats-Msg-Id') ?? '');
      if (pending.size === 0) return performance.now() - t0;
    }
    return Infinity;
  })();
  await send();
  const timer = setTimeout(() => sub.unsubscribe(), timeoutMs);
  try {
    return await arrived;
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
}

const listenerBackends = async () =>
  (await other.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND query ILIKE 'LISTEN%'`, [APP])).rows.map((r) => r.pid);

describe('a relay with the LISTEN connection, polling once an hour', () => {
  let relay: OutboxRelay;
  let listener: PgOutboxListener;
  beforeAll(async () => {
    listener = new PgOutboxListener(dbs.url('delivery'), log, { applicationName: APP, maxBackoffMs: 500 });
    relay = new OutboxRelay(opened.client, client.js, log, { pollMs: HOUR, jsm: client.jsm, listener });
    relay.start();
    await waitFor(async () => listener.listening && (await relay.backlog()).unsent === 0, 'the listener to listen');
  });
  afterAll(() => relay?.stop());

  test('a row committed by another connection is in the stream within a short bound, without the poll; a rolled-back one never', async () => {
    const [rolledBack] = await commitElsewhere([{ orderId: 'other-rb', n: 0 }], { rollback: true });
    const ids = await commitElsewhere([{ orderId: 'other-1', n: 1 }]);
    // Timed from before the commit: the commit itself is inside the bound.
    const ms = await msUntilInStream(ids, () => commitElsewhere([{ orderId: 'other-2', n: 2 }]).then((more) => ids.push(...more)));
    await waitFor(async () => (await inStream()).filter((m) => ids.includes(m.id)).length === 2, 'both rows in the stream');
    expect(ms).toBeLessThan(PICKUP_BOUND_MS);
    const rows = await opened.client.outboxEvent.findMany({ where: { id: { in: ids } } });
    expect(rows.every((r) => r.sentAt !== null && r.streamSeq !== null)).toBe(true);
    expect((await inStream()).map((m) => m.id)).not.toContain(rolledBack);
  });

  test('the LISTEN connection killed (pg_terminate_backend): it reconnects, and rows committed meanwhile and after are published', async () => {
    const [before] = await listenerBackends();
    expect(before).toBeDefined();
    await other.query('SELECT pg_terminate_backend($1)', [before]);
    // While it is away: a commit whose notification nobody hears.
    const missed = await commitElsewhere([{ orderId: 'while-away', n: 1 }]);
    await waitFor(async () => {
      const now = await listenerBackends();
      return now.length === 1 && now[0] !== before && listener.listening;
    }, 'a new LISTEN connection');
    // The pass after reconnecting published the missed row (the poll is an hour away).
    await waitFor(async () => (await opened.client.outboxEvent.count({ where: { id: { in: missed }, sentAt: null } })) === 0, 'the missed row to be published');
    const after = await commitElsewhere([{ orderId: 'after-reconnect', n: 1 }]);
    const ms = await msUntilInStream(after, async () => undefined);
    expect(ms).toBeLessThan(PICKUP_BOUND_MS);
    const ofThese = (await inStream()).filter((m) => [...missed, ...after].includes(m.id));
    expect(ofThese.map((m) => m.id)).toEqual([...missed, ...after]);
  });

  test('the trigger notifies the channel at COMMIT with the highest seq the statement wrote', async () => {
    const seen: string[] = [];
    const probe = new pg.Client({ connectionString: dbs.url('delivery') });
    await probe.connect();
    try {
      probe.on('notification', (n) => n.channel === OUTBOX_CHANNEL && seen.push(n.payload ?? ''));
      await probe.query(`LISTEN ${OUTBOX_CHANNEL}`);
      await other.query('BEGIN');
      const envs = [1, 2, 3].map((n) => createEnvelope(Happened, { orderId: 'seq', n }, { correlationId: 'seq' }));
      await other.query(
        `INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId") VALUES ${envs.map((_, i) => `($${i * 2 + 1}, '${Happened.subject}', '${Happened.stream}', $${i * 2 + 2}::jsonb, 'seq')`).join(', ')}`,
        envs.flatMap((e) => [e.id, JSON.stringify(e)]),
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toEqual([]); // nothing before the commit
      await other.query('COMMIT');
      await waitFor(async () => seen.length > 0, 'the notification');
      const { rows } = await other.query<{ max: string }>(`SELECT max("seq")::text AS max FROM "OutboxEvent" WHERE "id" = ANY($1)`, [envs.map((e) => e.id)]);
      expect(seen).toEqual([rows[0].max]);

      // The context's own pool (platform/database.ts) does not notify: its process wakes its relay itself.
      const own = createEnvelope(Happened, { orderId: 'seq', n: 4 }, { correlationId: 'seq' });
      await opened.client.$executeRaw`INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId")
        VALUES (${own.id}, ${Happened.subject}, ${Happened.stream}, ${JSON.stringify(own)}::jsonb, 'seq')`;
      const [elsewhere] = await commitElsewhere([{ orderId: 'seq', n: 5 }]);
      await waitFor(async () => seen.length === 2, 'the second notification');
      await new Promise((r) => setTimeout(r, 200));
      const { rows: later } = await other.query<{ seq: string }>(`SELECT "seq"::text AS seq FROM "OutboxEvent" WHERE "id" = $1`, [elsewhere]);
      expect(seen).toEqual([rows[0].max, later[0].seq]);
    } finally {
      await probe.end();
    }
  });
});

describe('pipelined passes (a relay without listener, driven by hand)', () => {
  test('several batches: commit order kept in the stream, each row once, every row marked sent', async () => {
    const relay = new OutboxRelay(opened.client, client.js, log, { pollMs: HOUR, batchSize: 7, jsm: client.jsm });
    const orders = ['pa', 'pb', 'pc'];
    const events = Array.from({ length: 45 }, (_, i) => ({ orderId: orders[i % 3], n: i }));
    const ids = await commitElsewhere(events);
    expect(await relay.drain()).toBe(45);
    const got = (await inStream()).filter((m) => ids.includes(m.id));
    expect(got.map((m) => m.id)).toEqual(ids);
    expect(await opened.client.outboxEvent.count({ where: { id: { in: ids }, sentAt: null } })).toBe(0);
    expect(await relay.drain()).toBe(0);
  });

  test('a refused row ends the pass: its batch\'s acknowledged rows are marked sent, the batch read ahead stays unpublished', async () => {
    const relay = new OutboxRelay(opened.client, client.js, log, { pollMs: HOUR, batchSize: 3, jsm: client.jsm });
    const first = await commitElsewhere([{ orderId: 'r', n: 1 }]);
    // A row naming a stream that does not hold its subject: JetStream refuses it.
    const refused = randomUUID();
    await other.query(`INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId") VALUES ($1, $2, 'NO_SUCH_STREAM', $3::jsonb, 'r')`, [refused, Happened.subject, JSON.stringify({ id: refused })]);
    const third = await commitElsewhere([{ orderId: 'r', n: 3 }]);
    const later = await commitElsewhere([1, 2, 3].map((n) => ({ orderId: 'r', n: 10 + n })));
    try {
      expect(await relay.drain()).toBe(2);
      const sent = await opened.client.outboxEvent.findMany({ where: { id: { in: [...first, refused, ...third, ...later] } } });
      const byId = new Map(sent.map((r) => [r.id, r]));
      expect([...first, ...third].every((id) => byId.get(id)!.sentAt !== null)).toBe(true);
      expect(byId.get(refused)!.sentAt).toBeNull();
      expect(byId.get(refused)!.attempts).toBe(1);
      // Read ahead while the first batch's acks were awaited, but not published: still due, not in the stream.
      expect(later.every((id) => byId.get(id)!.sentAt === null)).toBe(true);
      expect((await inStream()).map((m) => m.id)).toEqual(expect.not.arrayContaining(later));
      // (Its back-off is short: keep the refused row out of the way of the next pass.)
      await other.query(`UPDATE "OutboxEvent" SET "nextAttemptAt" = now() + interval '1 hour' WHERE "id" = $1`, [refused]);
      expect(await relay.drain()).toBe(3);
      expect((await inStream()).filter((m) => later.includes(m.id)).map((m) => m.id)).toEqual(later);
    } finally {
      await opened.client.$executeRaw`DELETE FROM "OutboxEvent" WHERE "id" = ${refused}`;
    }
  });
});
