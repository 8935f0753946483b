import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './logger';

/** What the runner needs from a SQL connection: run a multi-statement script, and a parameterised query. */
export interface SqlRunner {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
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
  // Two replicas starting together must not both migrate, nor both create the table
  // (concurrent CREATE TABLE IF NOT EXISTS can fail on PostgreSQL's catalog).
  await sql.exec('SELECT pg_advisory_lock(72707369)');
  try {
    await sql.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const applied = new Map(
      (
        await sql.query<{ migration_name: string; checksum: string }>(
          'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        )
      ).map((r) => [r.migration_name, r.checksum]),
    );
    const names = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(migrationsDir, d.name, 'migration.sql')))
      .map((d) => d.name)
      .sort();
    const done: string[] = [];
    for (const name of names) {
      const script = readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(script).digest('hex');
      const known = applied.get(name);
      if (known) {
        if (known !== checksum) throw new Error(`Migration ${name} was changed after it was applied (checksum differs). Add a new migration instead.`);
        continue;
      }
      await sql.exec('BEGIN');
      try {
        await sql.exec(script);
        await sql.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)',
          [randomUUID(), checksum, name],
        );
        await sql.exec('COMMIT');
      } catch (e) {
        await sql.exec('ROLLBACK');
        throw new Error(`Migration ${name} failed: ${(e as Error).message}`);
      }
      log?.info({ migration: name }, 'applied migration');
      done.push(name);
    }
    return done;
  } finally {
    await sql.exec('SELECT pg_advisory_unlock(72707369)');
  }
}
