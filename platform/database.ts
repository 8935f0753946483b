import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createClient as createLibsqlClient, type Client as LibsqlClient, type InArgs } from '@libsql/client';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { applyMigrations, type SqlRunner } from './migrate';
import type { Logger } from './logger';
import type { SqlEngine } from './sql-dialect';

/** The raw-SQL surface of any generated Prisma client or transaction client; the platform's tables are reached through it. */
export interface RawSql {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
}

/** A context's database as the platform sees it: raw SQL plus interactive transactions. */
export interface PlatformDb<Tx extends RawSql = RawSql> extends RawSql {
  $transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
  $disconnect(): Promise<void>;
}

export type DriverAdapter = PrismaPg | PrismaPGlite | PrismaLibSql;

export interface OpenedDatabase<C> {
  client: C;
  /**
   * `postgres` for a PostgreSQL server given by URL, `pglite` for the embedded PostgreSQL,
   * `sqlite` for a SQLite file, `libsql` for a libsql (SQLite) server given by URL.
   */
  engine: 'postgres' | 'pglite' | 'sqlite' | 'libsql';
  where: string;
  close(): Promise<void>;
}

/**
 * The engine a context's schema is written for, as Prisma recorded it next to the
 * migrations (`migration_lock.toml`, `provider = "sqlite"` or `"postgresql"`).
 */
export function engineOfMigrations(migrationsDir: string): SqlEngine {
  const lock = join(migrationsDir, 'migration_lock.toml');
  const provider = existsSync(lock) ? /^\s*provider\s*=\s*"([^"]+)"/m.exec(readFileSync(lock, 'utf8'))?.[1] : 'postgresql';
  if (provider === 'sqlite') return 'sqlite';
  if (provider === 'postgresql' || provider === 'postgres') return 'postgres';
  throw new Error(`${lock}: provider ${provider} is not supported (postgresql or sqlite)`);
}

/**
 * Opens a context's own database and applies pending migrations first. A context written
 * for PostgreSQL gets PostgreSQL when a URL is given, otherwise an embedded, file-backed
 * PGlite (real Postgres compiled to WASM) under `<dataDir>/<context>/pg` that needs no
 * server install. A context written for SQLite (its migration_lock.toml says so) gets the
 * `file:` or `libsql://` URL given, otherwise the file `<dataDir>/<context>/<context>.db`.
 */
export async function openDatabase<C extends { $disconnect(): Promise<void> }>(opts: {
  context: string;
  url?: string;
  dataDir: string;
  migrationsDir: string;
  createClient: (adapter: DriverAdapter) => C;
  log?: Logger;
  /** Pool size on a PostgreSQL server (node-postgres `max`); default node-postgres' 10. */
  poolMax?: number;
}): Promise<OpenedDatabase<C>> {
  const { context, url, log } = opts;
  const engine = engineOfMigrations(opts.migrationsDir);
  if (url) checkUrlFits(context, engine, url);
  if (engine === 'sqlite') return openSqlite({ ...opts, engine, url: url ?? `file:${join(opts.dataDir, context, `${context}.db`)}` });
  if (url) {
    await ensurePostgresDatabase(url);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await applyMigrations(pgRunner(admin), opts.migrationsDir, log);
    } finally {
      await admin.end();
    }
    // The context's own commits wake its relay in-process: they skip the outbox trigger's NOTIFY (prisma/platform.later.sql.part),
    // which would serialise them on PostgreSQL's cluster-wide notify lock; commits from anywhere else notify (platform/outbox-listener.ts).
    const client = opts.createClient(new PrismaPg({ connectionString: url, max: opts.poolMax ?? 10, options: '-c ordergraph.outbox_notify=off' }));
    return { client, engine: 'postgres', where: redact(url), close: () => client.$disconnect() };
  }
  const dir = join(opts.dataDir, context, 'pg');
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(dir, context);
  const lite = new PGlite(dir);
  await lite.waitReady;
  await applyMigrations(
    {
      exec: async (sql) => void (await lite.exec(sql)),
      query: async <T>(sql: string, params?: unknown[]) => (await lite.query<T>(sql, params)).rows,
    },
    opts.migrationsDir,
    log,
  );
  const client = opts.createClient(new PrismaPGlite(lite));
  return {
    client,
    engine: 'pglite',
    where: dir,
    close: async () => {
      await client.$disconnect();
      await lite.close();
      unlock();
    },
  };
}

/** A URL for the wrong engine is a configuration mistake: say so at start, not at the first query. */
function checkUrlFits(context: string, engine: SqlEngine, url: string): void {
  const scheme = /^([a-z0-9+.-]+):/i.exec(url)?.[1]?.toLowerCase();
  const fits = engine === 'sqlite' ? ['file', 'libsql', 'http', 'https', 'ws', 'wss'] : ['postgres', 'postgresql'];
  if (!scheme || !fits.includes(scheme)) {
    const want = engine === 'sqlite' ? 'a SQLite URL (file:/path/to/db or libsql://host)' : 'a PostgreSQL URL (postgresql://…)';
    throw new Error(`${context} runs on ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: DATABASE_URL_${context.toUpperCase()} must be ${want}, not ${redact(url)}`);
  }
}

async function openSqlite<C extends { $disconnect(): Promise<void> }>(opts: {
  context: string;
  engine: 'sqlite';
  url: string;
  migrationsDir: string;
  createClient: (adapter: DriverAdapter) => C;
  log?: Logger;
}): Promise<OpenedDatabase<C>> {
  const { context, url, log } = opts;
  const file = url.startsWith('file:') ? url.slice('file:'.length).replace(/^\/\/(?=\/)/, '').split('?')[0] : undefined;
  let unlock = () => undefined as void;
  if (file && file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
    // A SQLite file is one process's database here: Prisma's adapter does not wait for
    // another process's write lock. Replicas share a libsql server instead.
    unlock = lockDataDir(file, context);
  }
  try {
    const admin = createLibsqlClient({ url });
    try {
      // WAL: readers (an operator, a test) never block the service's writes. Kept by the file.
      if (file) await whenNotBusy(() => admin.execute('PRAGMA journal_mode = WAL'));
      await applyMigrations(libsqlRunner(admin), opts.migrationsDir, log);
    } finally {
      admin.close();
    }
  } catch (e) {
    unlock();
    throw e;
  }
  const client = opts.createClient(new PrismaLibSql({ url }));
  return {
    client,
    engine: file ? 'sqlite' : 'libsql',
    where: file ?? redact(url),
    close: async () => {
      await client.$disconnect();
      unlock();
    },
  };
}

/** A migration runner on a libsql client (a SQLite file or a libsql server). */
export function libsqlRunner(c: LibsqlClient): SqlRunner {
  const rows = <T>(r: { rows: unknown[] }) => r.rows as T[];
  // libsql waits for a lock synchronously (5 s by default), stalling the event loop; answer
  // SQLITE_BUSY at once instead and wait asynchronously (whenNotBusy). The client opens a
  // new connection after each transaction, so the setting is renewed before each use.
  const noSyncWait = async () => {
    if (c.protocol === 'file') await c.execute('PRAGMA busy_timeout = 0');
  };
  // A statement that failed with SQLITE_BUSY stays "in progress" on its connection until
  // it is garbage-collected, and a later COMMIT there fails: retry on a fresh connection.
  const freshConnection = async () => {
    if (c.protocol === 'file') await c.reconnect();
  };
  return {
    engine: 'sqlite',
    exec: (sql) =>
      whenNotBusy(async () => {
        await noSyncWait();
        await c.executeMultiple(sql);
      }, freshConnection),
    query: <T>(sql: string, params: unknown[] = []) =>
      whenNotBusy(async () => {
        await noSyncWait();
        return rows<T>(await c.execute({ sql, args: params as InArgs }));
      }, freshConnection),
    async writeTransaction(fn) {
      // BEGIN IMMEDIATE: one writer at a time; a second starter waits here for the first.
      const tx = await whenNotBusy(async () => {
        await noSyncWait();
        return c.transaction('write');
      }, freshConnection);
      try {
        const result = await fn({
          engine: 'sqlite',
          exec: async (sql) => void (await tx.executeMultiple(sql)),
          query: async <T>(sql: string, params: unknown[] = []) => rows<T>(await tx.execute({ sql, args: params as InArgs })),
        });
        await whenNotBusy(() => tx.commit());
        return result;
      } catch (e) {
        await tx.rollback().catch(() => undefined);
        throw e;
      } finally {
        tx.close();
      }
    },
  };
}

/** Retries while another connection holds the database (SQLITE_BUSY), for up to 30 s, without blocking the event loop. */
async function whenNotBusy<T>(fn: () => Promise<T>, onBusy: () => Promise<void> = async () => undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!/SQLITE_BUSY/.test(String((e as { code?: string }).code ?? (e as Error).message)) || Date.now() > deadline) throw e;
      await onBusy();
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
    }
  }
}

function pgRunner(c: pg.Client): SqlRunner {
  return {
    exec: async (sql) => void (await c.query(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await c.query(sql, params)).rows as T[],
  };
}

/**
 * Creates the database named in `url` when the server does not have it yet (first start on a
 * fresh server). Safe when replicas start together: PostgreSQL answers the losers of a
 * concurrent CREATE DATABASE with 42P04 (duplicate_database) or, when both passed the name
 * check at once, 23505 on pg_database's unique index; either means "it exists now", so both
 * count as success. Errors: the server unreachable, a name that needs quoting, no CREATEDB right.
 */
export async function ensurePostgresDatabase(url: string): Promise<void> {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') throw new Error(`Cannot reach PostgreSQL at ${redact(url)}: ${(e as Error).message}`);
  } finally {
    await probe.end().catch(() => undefined);
  }
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`Database ${name} does not exist; create it first`);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const c = new pg.Client({ connectionString: maintenance.toString() });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE "${name}"`).catch((e: Error & { code?: string }) => {
      if (e.code !== '42P04' && e.code !== '23505') throw e;
    });
  } finally {
    await c.end();
  }
}

/**
 * PGlite is one process's database: a second process opening the same folder would
 * corrupt it. A pid lock turns that mistake into a clear error.
 */
function lockDataDir(dir: string, context: string): () => void {
  const lock = `${dir}.lock`;
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(lock, 'utf8'));
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(`${context}'s embedded database (${dir}) is in use by process ${holder}. Stop that process first, or give this one DATABASE_URL_${context.toUpperCase()}.`);
    }
    writeFileSync(lock, String(process.pid)); // stale lock from a crashed process
  }
  return () => rmSync(lock, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

export const redact = (url: string) => url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
