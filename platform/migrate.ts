import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger';
import type { SqlEngine } from './sql-dialect';

/** What the runner needs from a SQL connection: run a multi-statement script, and a parameterised query. */
export interface SqlRunner {
  /** The SQL the connection speaks; PostgreSQL (PGlite included) unless it says otherwise. */
  engine?: SqlEngine;
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` in one write transaction on one connection. SQLite runners must provide it
   * (BEGIN IMMEDIATE: the writer that starts first holds the database until it commits);
   * PostgreSQL runners get BEGIN/COMMIT on their single connection.
   */
  writeTransaction?<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R>;
}

/** How one engine keeps Prisma's `_prisma_migrations` table, as Prisma's own engine does for it. */
interface Ledger {
  /** Serialises concurrent starters (replicas starting together). */
  lock(): Promise<void>;
  unlock(): Promise<void>;
  createTable: string;
  inTransaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R>;
  checksumOf(tx: SqlRunner, name: string): Promise<string | undefined>;
  record(tx: SqlRunner, checksum: string, name: string, startedAt: Date): Promise<void>;
}

const APPLIED = 'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL';

function postgresLedger(sql: SqlRunner): Ledger {
  return {
    // Two replicas starting together must not both migrate, nor both create the table
    // (concurrent CREATE TABLE IF NOT EXISTS can fail on PostgreSQL's catalog).
    lock: () => sql.exec('SELECT pg_advisory_lock(72707369)'),
    unlock: () => sql.exec('SELECT pg_advisory_unlock(72707369)'),
    createTable: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`,
    async inTransaction(fn) {
      await sql.exec('BEGIN');
      try {
        const result = await fn(sql);
        await sql.exec('COMMIT');
        return result;
      } catch (e) {
        await sql.exec('ROLLBACK');
        throw e;
      }
    },
    // The advisory lock is held: what was read before the loop is still true.
    checksumOf: async () => undefined,
    async record(tx, checksum, name) {
      await tx.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)',
        [randomUUID(), checksum, name],
      );
    },
  };
}

function sqliteLedger(sql: SqlRunner): Ledger {
  if (!sql.writeTransaction) throw new Error('A SQLite migration runner needs writeTransaction');
  const inTransaction = <R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R> => sql.writeTransaction!(fn);
  return {
    // No lock to take: each migration runs in a write transaction, and a starter that
    // waited for another's re-reads the ledger inside its own before applying anything.
    lock: async () => undefined,
    unlock: async () => undefined,
    // Prisma's SQLite table, column for column.
    createTable: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
    inTransaction,
    async checksumOf(tx, name) {
      const [row] = await tx.query<{ checksum: string }>(`${APPLIED} AND migration_name = ?`, [name]);
      return row?.checksum;
    },
    // Prisma's engine stores these two timestamps in SQLite as Unix milliseconds.
    async record(tx, checksum, name, startedAt) {
      await tx.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)',
        [randomUUID(), checksum, name, startedAt.getTime(), Date.now()],
      );
    },
  };
}

/**
 * Applies `prisma/<context>/migrations/<name>/migration.sql` in name order, each in its
 * own transaction, and records them in Prisma's own `_prisma_migrations` table with
 * Prisma's checksum (sha256 of the file), so `prisma migrate deploy` and this runner
 * agree on what is applied. The Prisma CLI needs a native engine these machines
 * cannot download; this runner needs nothing but the SQL.
 */
export async function applyMigrations(sql: SqlRunner, migrationsDir: string, log?: Logger): Promise<string[]> {
  if (!existsSync(migrationsDir)) throw new Error(`No migrations folder at ${migrationsDir}`);
  const ledger = sql.engine === 'sqlite' ? sqliteLedger(sql) : postgresLedger(sql);
  await ledger.lock();
  try {
    await ledger.inTransaction((tx) => tx.exec(ledger.createTable));
    const applied = new Map((await sql.query<{ migration_name: string; checksum: string }>(APPLIED)).map((r) => [r.migration_name, r.checksum]));
    const names = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(migrationsDir, d.name, 'migration.sql')))
      .map((d) => d.name)
      .sort();
    const done: string[] = [];
    const refuseChanged = (name: string) => {
      throw new Error(`Migration ${name} was changed after it was applied (checksum differs). Add a new migration instead.`);
    };
    for (const name of names) {
      const script = readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(script).digest('hex');
      const known = applied.get(name);
      if (known) {
        if (known !== checksum) refuseChanged(name);
        continue;
      }
      const startedAt = new Date();
      const outcome = await ledger
        .inTransaction(async (tx) => {
          const now = await ledger.checksumOf(tx, name);
          if (now) return now === checksum ? ('already' as const) : ('changed' as const);
          await tx.exec(script);
          await ledger.record(tx, checksum, name, startedAt);
          return 'applied' as const;
        })
        .catch((e: Error) => {
          throw new Error(`Migration ${name} failed: ${e.message}`);
        });
      if (outcome === 'changed') refuseChanged(name);
      if (outcome === 'already') continue;
      log?.info({ migration: name }, 'applied migration');
      done.push(name);
    }
    return done;
  } finally {
    await ledger.unlock();
  }
}
