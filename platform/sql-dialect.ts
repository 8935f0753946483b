import type { RawSql } from './database';
import { newId } from './ids';

/** The database engines a context can run on. PGlite speaks PostgreSQL; a libsql server speaks SQLite. */
export type SqlEngine = 'postgres' | 'sqlite';

export interface DueOutboxRow {
  id: string;
  subject: string;
  stream: string;
  payload: unknown;
  attempts: number;
  /** The row's place in commit order ("seq"; a bigint from PostgreSQL, a number or bigint from SQLite). */
  seq: bigint | number;
}

export interface DeadLetterInsert {
  consumer: string;
  subject: string;
  eventId: string | null;
  payload: string;
  error: string;
  deliveries: number;
  streamSeq: number;
}

/**
 * The platform's own statements on its tables (OutboxEvent, ProcessedEvent, DeadLetter),
 * in one engine's SQL. Tagged templates, so every value stays a bound parameter.
 */
export interface PlatformSql {
  engine: SqlEngine;
  insertOutbox(tx: RawSql, row: { id: string; subject: string; stream: string; payload: string; correlationId: string }): Promise<void>;
  /**
   * Up to `limit` unsent rows whose back-off is over, oldest "seq" first, leaving out the rows
   * whose ids are in `exclude` (the relay's rows still in flight: published, not yet marked sent).
   */
  dueOutbox(db: RawSql, limit: number, exclude?: readonly string[]): Promise<DueOutboxRow[]>;
  markOutboxSent(db: RawSql, id: string, streamSeq: number): Promise<void>;
  /** Marks many rows sent in one statement: each with the stream sequence JetStream acknowledged. */
  markOutboxSentMany(db: RawSql, rows: ReadonlyArray<{ id: string; streamSeq: number }>): Promise<void>;
  markOutboxRetry(db: RawSql, id: string, attempts: number, error: string, delayMs: number): Promise<void>;
  /** Records "consumer processed event"; false when it already had. */
  markProcessed(tx: RawSql, consumer: string, eventId: string): Promise<boolean>;
  /**
   * Records "consumer processed event" for several events in one statement (a consumer's batch
   * transaction). `eventIds` must be distinct. Returns the ids that were new: an id missing from
   * the result was already processed (a duplicate). One bound parameter for the whole list, so
   * the statement text is the same for every batch size.
   */
  markProcessedMany(tx: RawSql, consumer: string, eventIds: readonly string[]): Promise<Set<string>>;
  insertDeadLetter(db: RawSql, row: DeadLetterInsert): Promise<void>;
  markReplayed(db: RawSql, id: string): Promise<void>;
  /** Unpublished outbox rows and the age in seconds of the oldest (0 when none), for metrics. */
  outboxBacklog(db: RawSql): Promise<{ unsent: number; oldestAgeSeconds: number }>;
  /** Dead-letter records not yet replayed, per consumer, for metrics. */
  deadLetterCounts(db: RawSql): Promise<Record<string, number>>;
  /** Deletes up to `limit` outbox rows sent more than `olderThanMs` ago (never an unsent row); returns how many. */
  pruneSentOutbox(db: RawSql, olderThanMs: number, limit: number): Promise<number>;
  /** Deletes up to `limit` processed-event markers written more than `olderThanMs` ago; returns how many. */
  pruneProcessed(db: RawSql, olderThanMs: number, limit: number): Promise<number>;
}

const byConsumer = (rows: Array<{ consumer: string; n: number | bigint }>) => Object.fromEntries(rows.map((r) => [r.consumer, Number(r.n)]));

const postgres: PlatformSql = {
  engine: 'postgres',
  async insertOutbox(tx, r) {
    await tx.$executeRaw`INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId")
    VALUES (${r.id}, ${r.subject}, ${r.stream}, ${r.payload}::jsonb, ${r.correlationId})`;
  },
  // The payload as text: it is published as stored, not parsed into objects and serialised again.
  dueOutbox: async (db, limit, exclude = []) =>
    exclude.length === 0
      ? db.$queryRaw<DueOutboxRow[]>`
        SELECT "id", "subject", "stream", "payload"::text AS "payload", "attempts", "seq" FROM "OutboxEvent"
        WHERE "sentAt" IS NULL AND "nextAttemptAt" <= now()
        ORDER BY "seq" LIMIT ${limit}`
      : db.$queryRaw<DueOutboxRow[]>`
        SELECT "id", "subject", "stream", "payload"::text AS "payload", "attempts", "seq" FROM "OutboxEvent"
        WHERE "sentAt" IS NULL AND "nextAttemptAt" <= now()
          AND "id" NOT IN (SELECT jsonb_array_elements_text(${JSON.stringify(exclude)}::jsonb))
        ORDER BY "seq" LIMIT ${limit}`,
  async markOutboxSent(db, id, streamSeq) {
    await db.$executeRaw`UPDATE "OutboxEvent" SET "sentAt" = now(), "streamSeq" = ${streamSeq} WHERE "id" = ${id}`;
  },
  async markOutboxSentMany(db, rows) {
    if (rows.length === 0) return;
    await db.$executeRaw`UPDATE "OutboxEvent" AS o SET "sentAt" = now(), "streamSeq" = u."streamSeq"
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS u("id" text, "streamSeq" bigint) WHERE o."id" = u."id"`;
  },
  async markOutboxRetry(db, id, attempts, error, delayMs) {
    await db.$executeRaw`UPDATE "OutboxEvent" SET "attempts" = ${attempts}, "lastError" = ${error},
            "nextAttemptAt" = now() + make_interval(secs => ${delayMs / 1000}) WHERE "id" = ${id}`;
  },
  markProcessed: async (tx, consumer, eventId) =>
    (await tx.$executeRaw`INSERT INTO "ProcessedEvent" ("consumer", "eventId") VALUES (${consumer}, ${eventId}) ON CONFLICT DO NOTHING`) > 0,
  async markProcessedMany(tx, consumer, eventIds) {
    if (eventIds.length === 0) return new Set();
    const rows = await tx.$queryRaw<Array<{ eventId: string }>>`INSERT INTO "ProcessedEvent" ("consumer", "eventId")
        SELECT ${consumer}, e FROM unnest(${eventIds}::text[]) AS e ON CONFLICT DO NOTHING RETURNING "eventId"`;
    return new Set(rows.map((r) => r.eventId));
  },
  async insertDeadLetter(db, r) {
    await db.$executeRaw`INSERT INTO "DeadLetter" ("id", "consumer", "subject", "eventId", "payload", "error", "deliveries", "streamSeq")
        VALUES (gen_random_uuid()::text, ${r.consumer}, ${r.subject}, ${r.eventId}, ${r.payload}, ${r.error}, ${r.deliveries}, ${r.streamSeq})`;
  },
  async markReplayed(db, id) {
    await db.$executeRaw`UPDATE "DeadLetter" SET "replayedAt" = now() WHERE "id" = ${id}`;
  },
  async outboxBacklog(db) {
    // "createdAt" is a timestamp without time zone written by the column default (CURRENT_TIMESTAMP): compare with LOCALTIMESTAMP.
    const [r] = await db.$queryRaw<Array<{ unsent: number; age: number | null }>>`
        SELECT count(*)::int AS "unsent", EXTRACT(EPOCH FROM (LOCALTIMESTAMP - MIN("createdAt")))::float8 AS "age"
        FROM "OutboxEvent" WHERE "sentAt" IS NULL`;
    return { unsent: Number(r?.unsent ?? 0), oldestAgeSeconds: Math.max(0, Number(r?.age ?? 0)) };
  },
  deadLetterCounts: async (db) =>
    byConsumer(await db.$queryRaw<Array<{ consumer: string; n: number }>>`
        SELECT "consumer", count(*)::int AS "n" FROM "DeadLetter" WHERE "replayedAt" IS NULL GROUP BY "consumer"`),
  // "sentAt" (now()) and "processedAt" (CURRENT_TIMESTAMP) are timestamps without time zone in the
  // session's zone: the cut-off is computed the same way (LOCALTIMESTAMP), never from the JS clock.
  pruneSentOutbox: async (db, olderThanMs, limit) =>
    db.$executeRaw`DELETE FROM "OutboxEvent" WHERE "id" IN (
        SELECT "id" FROM "OutboxEvent" WHERE "sentAt" < LOCALTIMESTAMP - make_interval(secs => ${olderThanMs / 1000}) LIMIT ${limit})`,
  pruneProcessed: async (db, olderThanMs, limit) =>
    db.$executeRaw`DELETE FROM "ProcessedEvent" WHERE ("consumer", "eventId") IN (
        SELECT "consumer", "eventId" FROM "ProcessedEvent" WHERE "processedAt" < LOCALTIMESTAMP - make_interval(secs => ${olderThanMs / 1000}) LIMIT ${limit})`,
};

/**
 * SQLite has no jsonb, now(), intervals, gen_random_uuid() or sequences on a non-key column.
 * Timestamps are written as bound JS Dates, which Prisma's SQLite adapter stores as
 * ISO-8601 text (`2026-11-21T09:30:00.000+00:00`), the same text the generated client
 * writes: comparisons like "nextAttemptAt <= now" are then plain text comparisons of one
 * format. (A column's SQL default, CURRENT_TIMESTAMP, has another format; the platform
 * never relies on it.) Json is TEXT. "seq" is numbered here: SQLite runs one writer at a
 * time, so MAX + 1 inside the writing transaction is commit order.
 */
const sqlite: PlatformSql = {
  engine: 'sqlite',
  async insertOutbox(tx, r) {
    const now = new Date();
    await tx.$executeRaw`INSERT INTO "OutboxEvent" ("id", "subject", "stream", "payload", "correlationId", "seq", "createdAt", "nextAttemptAt")
    VALUES (${r.id}, ${r.subject}, ${r.stream}, ${r.payload}, ${r.correlationId},
      (SELECT COALESCE(MAX("seq"), 0) + 1 FROM "OutboxEvent"), ${now}, ${now})`;
  },
  dueOutbox: async (db, limit, exclude = []) =>
    db.$queryRaw<DueOutboxRow[]>`
        SELECT "id", "subject", "stream", "payload", "attempts", "seq" FROM "OutboxEvent"
        WHERE "sentAt" IS NULL AND "nextAttemptAt" <= ${new Date()}
          AND "id" NOT IN (SELECT value FROM json_each(${JSON.stringify(exclude)}))
        ORDER BY "seq" LIMIT ${limit}`,
  async markOutboxSent(db, id, streamSeq) {
    await db.$executeRaw`UPDATE "OutboxEvent" SET "sentAt" = ${new Date()}, "streamSeq" = ${streamSeq} WHERE "id" = ${id}`;
  },
  async markOutboxSentMany(db, rows) {
    if (rows.length === 0) return;
    await db.$executeRaw`UPDATE "OutboxEvent" SET "sentAt" = ${new Date()},
        "streamSeq" = (SELECT u.value ->> '$.streamSeq' FROM json_each(${JSON.stringify(rows)}) AS u WHERE u.value ->> '$.id' = "OutboxEvent"."id")
        WHERE "id" IN (SELECT u.value ->> '$.id' FROM json_each(${JSON.stringify(rows)}) AS u)`;
  },
  async markOutboxRetry(db, id, attempts, error, delayMs) {
    await db.$executeRaw`UPDATE "OutboxEvent" SET "attempts" = ${attempts}, "lastError" = ${error},
            "nextAttemptAt" = ${new Date(Date.now() + delayMs)} WHERE "id" = ${id}`;
  },
  markProcessed: async (tx, consumer, eventId) =>
    (await tx.$executeRaw`INSERT INTO "ProcessedEvent" ("consumer", "eventId", "processedAt") VALUES (${consumer}, ${eventId}, ${new Date()}) ON CONFLICT DO NOTHING`) > 0,
  // `WHERE true`: SQLite's parser needs it between an INSERT … SELECT and its ON CONFLICT clause.
  async markProcessedMany(tx, consumer, eventIds) {
    if (eventIds.length === 0) return new Set();
    const rows = await tx.$queryRaw<Array<{ eventId: string }>>`INSERT INTO "ProcessedEvent" ("consumer", "eventId", "processedAt")
        SELECT ${consumer}, e.value, ${new Date()} FROM json_each(${JSON.stringify(eventIds)}) AS e WHERE true ON CONFLICT DO NOTHING RETURNING "eventId"`;
    return new Set(rows.map((r) => r.eventId));
  },
  async insertDeadLetter(db, r) {
    await db.$executeRaw`INSERT INTO "DeadLetter" ("id", "consumer", "subject", "eventId", "payload", "error", "deliveries", "streamSeq", "createdAt")
        VALUES (${newId()}, ${r.consumer}, ${r.subject}, ${r.eventId}, ${r.payload}, ${r.error}, ${r.deliveries}, ${r.streamSeq}, ${new Date()})`;
  },
  async markReplayed(db, id) {
    await db.$executeRaw`UPDATE "DeadLetter" SET "replayedAt" = ${new Date()} WHERE "id" = ${id}`;
  },
  async outboxBacklog(db) {
    const [r] = await db.$queryRaw<Array<{ unsent: number | bigint; oldest: string | Date | null }>>`
        SELECT count(*) AS "unsent", MIN("createdAt") AS "oldest" FROM "OutboxEvent" WHERE "sentAt" IS NULL`;
    const oldest = r?.oldest ? new Date(r.oldest).getTime() : NaN;
    return { unsent: Number(r?.unsent ?? 0), oldestAgeSeconds: Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0 };
  },
  deadLetterCounts: async (db) =>
    byConsumer(await db.$queryRaw<Array<{ consumer: string; n: number | bigint }>>`
        SELECT "consumer", count(*) AS "n" FROM "DeadLetter" WHERE "replayedAt" IS NULL GROUP BY "consumer"`),
  // Both columns hold the ISO-8601 text of a bound Date (see above): a text comparison with one.
  pruneSentOutbox: async (db, olderThanMs, limit) =>
    db.$executeRaw`DELETE FROM "OutboxEvent" WHERE "id" IN (
        SELECT "id" FROM "OutboxEvent" WHERE "sentAt" IS NOT NULL AND "sentAt" < ${new Date(Date.now() - olderThanMs)} LIMIT ${limit})`,
  pruneProcessed: async (db, olderThanMs, limit) =>
    db.$executeRaw`DELETE FROM "ProcessedEvent" WHERE ("consumer", "eventId") IN (
        SELECT "consumer", "eventId" FROM "ProcessedEvent" WHERE "processedAt" < ${new Date(Date.now() - olderThanMs)} LIMIT ${limit})`,
};

export const PLATFORM_SQL: Record<SqlEngine, PlatformSql> = { postgres, sqlite };

/**
 * The platform SQL for a generated Prisma client or one of its transaction clients: they
 * carry the provider their schema was generated for. Anything else is taken for PostgreSQL.
 */
export function platformSqlFor(db: RawSql): PlatformSql {
  const provider = (db as { _activeProvider?: unknown })._activeProvider;
  return provider === 'sqlite' ? sqlite : postgres;
}
