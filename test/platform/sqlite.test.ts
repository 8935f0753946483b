// The platform on its second engine, SQLite (through Prisma's libsql adapter), as the
// notification context uses it: migrations recorded as Prisma records them in SQLite and
// serialised between starters; the embedded default file; the outbox relay, the durable
// consumer's "processed" record and dead letters with SQLite's SQL. Real nats-server.
import { createHash, randomUUID } from 'node:crypto';
import { built, spawnChild } from '../support/children';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createClient, type Client } from '@libsql/client';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { databaseUrlFor } from '../../platform/config';
import { PolicyConsumer, policy } from '../../platform/consumer';
import { engineOfMigrations, libsqlRunner, openDatabase, type OpenedDatabase } from '../../platform/database';
import { listDeadLetters, replayDeadLetter } from '../../platform/dead-letters';
import { createEnvelope, parseEvent } from '../../platform/events';
import { createLogger } from '../../platform/logger';
import { applyMigrations } from '../../platform/migrate';
import { addToOutbox, OutboxRelay } from '../../platform/outbox';
import { platformSqlFor } from '../../platform/sql-dialect';
import { MessageSent } from '../../subgraphs/notification/contracts';
import { createNotificationClient, type NotificationDb, type NotificationTx } from '../../subgraphs/notification/db';
import { OrderPlaced } from '../../subgraphs/ordering/contracts';
import { sampleOrderPlaced } from '../support/fixtures';
import { openJetStream, type TestJetStream } from '../support/jetstream';
import { startNatsServer, type TestNats } from '../support/nats';
import { waitFor } from '../support/ports';

const MIGRATIONS = resolve(__dirname, '../../prisma/notification/migrations');
const log = createLogger('sqlite-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });

let tmp: string;
const clients: Client[] = [];
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'og_test_sqlite-'));
});
afterAll(() => {
  for (const c of clients) c.close();
  rmSync(tmp, { recursive: true, force: true });
});

const fileUrl = (name: string) => `file:${join(tmp, `${name}.db`)}`;
function libsql(name: string): Client {
  const c = createClient({ url: fileUrl(name) });
  clients.push(c);
  return c;
}
const migrationNames = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
const recorded = async (c: Client) =>
  (await c.execute('SELECT id, migration_name, checksum, started_at, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name')).rows.map(
    (r) => ({ ...r }),
  );
const tables = async (c: Client) =>
  (await c.execute(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)).rows.map((r) => r.name as string);
function copyMigrations(name: string): string {
  const dir = join(tmp, `migrations-${name}`);
  cpSync(MIGRATIONS, dir, { recursive: true });
  return dir;
}

describe('migrations on SQLite', () => {
  test('the engine comes from migration_lock.toml', () => {
    expect(engineOfMigrations(MIGRATIONS)).toBe('sqlite');
    expect(engineOfMigrations(resolve(__dirname, '../../prisma/ordering/migrations'))).toBe('postgres');
  });

  test('each migration is applied once and recorded as Prisma records it in SQLite; a second run applies nothing', async () => {
    const c = libsql('once');
    const names = migrationNames(MIGRATIONS);
    const before = Date.now();
    expect(await applyMigrations(libsqlRunner(c), MIGRATIONS)).toEqual(names);
    const rows = await recorded(c);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const r of rows) {
      expect(r.checksum).toBe(createHash('sha256').update(readFileSync(join(MIGRATIONS, String(r.migration_name), 'migration.sql'))).digest('hex'));
      // Unix milliseconds, as Prisma's engine writes them in SQLite.
      expect(typeof r.started_at).toBe('number');
      expect(typeof r.finished_at).toBe('number');
      expect(Number(r.finished_at)).toBeGreaterThanOrEqual(Number(r.started_at));
      expect(Number(r.started_at)).toBeGreaterThanOrEqual(before);
      expect(r.rolled_back_at).toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
    expect(await tables(c)).toEqual(['DeadLetter', 'Message', 'OutboxEvent', 'ProcessedEvent', '_prisma_migrations']);

    expect(await applyMigrations(libsqlRunner(c), MIGRATIONS)).toEqual([]);
    expect(await recorded(c)).toEqual(rows);
  });

  test('a migration changed after it was applied is refused, and nothing after it runs', async () => {
    const c = libsql('edited');
    const dir = copyMigrations('edited');
    const [init] = migrationNames(dir);
    await applyMigrations(libsqlRunner(c), dir);
    const before = await recorded(c);
    appendFileSync(join(dir, init, 'migration.sql'), '\nCREATE TABLE "Sneaky" ("id" INTEGER);\n');
    mkdirSync(join(dir, '99990101000000_later'));
    writeFileSync(join(dir, '99990101000000_later', 'migration.sql'), 'CREATE TABLE "Later" ("id" INTEGER);');

    await expect(applyMigrations(libsqlRunner(c), dir)).rejects.toThrow(
      `Migration ${init} was changed after it was applied (checksum differs). Add a new migration instead.`,
    );
    expect(await recorded(c)).toEqual(before);
    expect(await tables(c)).not.toEqual(expect.arrayContaining(['Sneaky', 'Later']));
  });

  test('a failing migration is rolled back whole and not recorded; fixed, it applies', async () => {
    const c = libsql('broken');
    const dir = copyMigrations('broken');
    const first = await applyMigrations(libsqlRunner(c), dir);
    const name = '99990101000000_broken';
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER);\nINSERT INTO "NoSuchTable" VALUES (1);');

    await expect(applyMigrations(libsqlRunner(c), dir)).rejects.toThrow(new RegExp(`^Migration ${name} failed: .*NoSuchTable`));
    expect((await recorded(c)).map((r) => r.migration_name)).toEqual(first);
    expect(await tables(c)).not.toEqual(expect.arrayContaining(['Half']));

    writeFileSync(join(dir, name, 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER);');
    expect(await applyMigrations(libsqlRunner(c), dir)).toEqual([name]);
    expect(await tables(c)).toEqual(expect.arrayContaining(['Half']));
  });

  test('two starters on one fresh file (two connections) apply each migration once', async () => {
    const names = migrationNames(MIGRATIONS);
    for (let round = 0; round < 5; round++) {
      const a = libsql(`concurrent-${round}`);
      const b = libsql(`concurrent-${round}`);
      const results = await Promise.all([applyMigrations(libsqlRunner(a), MIGRATIONS), applyMigrations(libsqlRunner(b), MIGRATIONS)]);
      expect(results.flat().sort()).toEqual(names);
      expect((await recorded(a)).map((r) => r.migration_name)).toEqual(names);
    }
  });
});

describe('opening a SQLite context', () => {
  const open = (opts: { url?: string; dataDir?: string }) =>
    openDatabase({ context: 'notification', url: opts.url, dataDir: opts.dataDir ?? join(tmp, 'data'), migrationsDir: MIGRATIONS, createClient: createNotificationClient, log });

  test('the embedded default is <DATA_DIR>/<context>/<context>.db, migrated', async () => {
    const dataDir = join(tmp, 'data-default');
    const db = await open({ dataDir });
    try {
      expect(db.engine).toBe('sqlite');
      expect(db.where).toBe(join(dataDir, 'notification', 'notification.db'));
      expect(existsSync(db.where)).toBe(true);
      expect(await db.client.message.count()).toBe(0);
    } finally {
      await db.close();
    }
    // Closed: its lock is gone, and it opens again with its data.
    expect(existsSync(`${db.where}.lock`)).toBe(false);
    const again = await open({ dataDir });
    await again.close();
  });

  test('DATABASE_URL (a PostgreSQL server) is not for a SQLite context; DATABASE_URL_<CONTEXT> is', () => {
    const env = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres', DATABASE_URL_NOTIFICATION: undefined };
    expect(databaseUrlFor('notification', env, 'sqlite')).toBeUndefined();
    expect(databaseUrlFor('ordering', env, 'postgres')).toBe('postgresql://postgres@127.0.0.1:5432/ordergraph_ordering');
    expect(databaseUrlFor('notification', { ...env, DATABASE_URL_NOTIFICATION: 'file:/var/lib/og/n.db' }, 'sqlite')).toBe('file:/var/lib/og/n.db');
  });

  test('a PostgreSQL URL for a SQLite context is a clear error at start', async () => {
    await expect(open({ url: 'postgresql://postgres@127.0.0.1:5432/x' })).rejects.toThrow(
      'notification runs on SQLite: DATABASE_URL_NOTIFICATION must be a SQLite URL (file:/path/to/db or libsql://host), not postgresql://postgres@127.0.0.1:5432/x',
    );
  });

  test('a file another live process holds is refused with a clear message', async () => {
    const url = fileUrl('held');
    const holder = spawnChild(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(`${url.slice('file:'.length)}.lock`, String(holder.pid));
      await expect(open({ url })).rejects.toThrow(`notification's embedded database (${url.slice('file:'.length)}) is in use by process ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('outbox, consumer and dead letters on SQLite', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let js: TestJetStream;
  let opened: OpenedDatabase<NotificationDb>;
  let db: NotificationDb;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    js = await openJetStream(nats.url);
    opened = await openDatabase({ context: 'notification', url: fileUrl('platform'), dataDir: tmp, migrationsDir: MIGRATIONS, createClient: createNotificationClient, log });
    db = opened.client;
  });
  afterAll(async () => {
    await opened?.close();
    await nc?.close();
    await js?.close();
    await nats?.stop();
  });

  const sentData = (messageId: string) => ({
    messageId,
    orderId: 'o-sqlite',
    customerId: 'c-sqlite',
    status: 'SHIPPED',
    channel: 'LOG' as const,
    attempts: 1,
    sentAt: new Date().toISOString(),
  });

  test('the generated client and its transactions are recognised as SQLite', async () => {
    expect(platformSqlFor(db).engine).toBe('sqlite');
    await db.$transaction(async (tx) => expect(platformSqlFor(tx).engine).toBe('sqlite'));
  });

  test('addToOutbox writes the envelope as JSON text, numbered in commit order; the relay publishes each once and marks it sent', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await db.$transaction(async (tx) => {
        ids.push((await addToOutbox(tx, MessageSent, sentData(`m-${i}`), { correlationId: 'o-sqlite' })).id);
      });
    }
    const rows = await db.outboxEvent.findMany({ where: { id: { in: ids } }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
    expect(parseEvent(MessageSent, JSON.stringify(rows[0].payload)).data.messageId).toBe('m-0');
    expect(rows.every((r) => r.sentAt === null && r.createdAt.getTime() === r.nextAttemptAt.getTime())).toBe(true);

    await (await jetstreamManager(nc)).streams.add({ name: 'NOTIFICATION', subjects: ['notification.>'] });
    // Not started: driven by hand, one pass publishes every due row (one batch in flight), the next finds none.
    const relay = new OutboxRelay(db, jetstream(nc), log, { pollMs: 60_000 });
    expect([await relay.drain(), await relay.drain()]).toEqual([3, 0]);
    const sent = await db.outboxEvent.findMany({ where: { id: { in: ids } }, orderBy: { seq: 'asc' } });
    expect(sent.every((r) => r.sentAt instanceof Date)).toBe(true);
    expect(sent.map((r) => Number(r.streamSeq))).toEqual([1, 2, 3]);
    const inStream = await js.messages('NOTIFICATION');
    expect(inStream.map((m) => [m.msgId, m.body.id])).toEqual(ids.map((id) => [id, id]));
    expect(await relay.drain()).toBe(0);
  });

  test('a refused publish is retried after its back-off: not due before, due after', async () => {
    const id = randomUUID();
    await db.$transaction(async (tx) => {
      await platformSqlFor(tx).insertOutbox(tx, { id, subject: MessageSent.subject, stream: 'NO_SUCH_STREAM', payload: JSON.stringify({ id }), correlationId: 'o-refused' });
    });
    const relay = new OutboxRelay(db, jetstream(nc), log, { pollMs: 60_000 });
    expect(await relay.drain()).toBe(0);
    const row = await db.outboxEvent.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ attempts: 1, sentAt: null });
    expect(row.lastError).toBeTruthy();
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(row.createdAt.getTime());
    // Within its back-off the row is not due: a pass does not touch it.
    expect(await platformSqlFor(db).dueOutbox(db, 100)).toEqual([]);
    await waitFor(async () => (await platformSqlFor(db).dueOutbox(db, 100)).some((r) => r.id === id), 'the row to be due again', 10_000);
    expect(await relay.drain()).toBe(0);
    expect((await db.outboxEvent.findUniqueOrThrow({ where: { id } })).attempts).toBe(2);
    await db.outboxEvent.delete({ where: { id } });
  });

  test('a consumer records each event once; a poison message is dead-lettered, listed and replayed', async () => {
    const seen: string[] = [];
    let failWith: string | null = null;
    const p = policy<NotificationTx, typeof OrderPlaced>({
      name: 'sqlite-probe',
      event: OrderPlaced,
      async handle(_tx, o) {
        if (failWith) throw new Error(failWith);
        seen.push(o.orderId);
      },
    });
    const jsm = await jetstreamManager(nc);
    const consumer = new PolicyConsumer<NotificationTx>(p, db, jetstream(nc), jsm, log, { context: 'notification', maxDeliver: 1 });
    const env = createEnvelope(OrderPlaced, sampleOrderPlaced({ orderId: 'o-consumed' }), { correlationId: 'o-consumed' });
    expect(await consumer.apply(env)).toBe('processed');
    expect(await consumer.apply(env)).toBe('duplicate');
    expect(seen).toEqual(['o-consumed']);
    const processed = await db.processedEvent.findUniqueOrThrow({ where: { consumer_eventId: { consumer: 'notification--sqlite-probe', eventId: env.id } } });
    expect(processed.processedAt).toBeInstanceOf(Date);

    // Through JetStream: a failing handler with maxDeliver 1 dead-letters the message at once.
    failWith = 'handler cannot do it yet';
    await consumer.start();
    try {
      const failing = createEnvelope(OrderPlaced, sampleOrderPlaced({ orderId: 'o-dead' }), { correlationId: 'o-dead' });
      await jetstream(nc).publish(OrderPlaced.subject, JSON.stringify(failing), { msgID: failing.id });
      const [letter] = await waitFor(async () => {
        const rows = (await listDeadLetters(db)).filter((r) => r.eventId === failing.id);
        return rows.length === 1 ? rows : null;
      }, 'the dead letter');
      expect(letter).toMatchObject({ consumer: 'notification--sqlite-probe', subject: OrderPlaced.subject, error: 'handler cannot do it yet', deliveries: 1, replayedAt: null });
      expect(letter.createdAt).toBeInstanceOf(Date);

      failWith = null;
      expect(await replayDeadLetter(db, [consumer], letter.id)).toEqual({ status: 200, body: { id: letter.id, outcome: 'processed' } });
      expect(seen).toEqual(['o-consumed', 'o-dead']);
      const [replayed] = (await listDeadLetters(db)).filter((r) => r.id === letter.id);
      expect(replayed.replayedAt).toBeInstanceOf(Date);
    } finally {
      await consumer.stop();
    }
  });
});
