import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { applyMigrations, type SqlRunner } from './migrate';
import type { Logger } from './logger';

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

export type DriverAdapter = PrismaPg | PrismaPGlite;

export interface OpenedDatabase<C> {
  client: C;
  /** `postgres` for a server given by URL, `pglite` for the embedded default. */
  engine: 'postgres' | 'pglite';
  where: string;
  close(): Promise<void>;
}

/**
 * Opens a context's own database: PostgreSQL when a URL is given, otherwise an
 * embedded, file-backed PGlite (real Postgres compiled to WASM) under
 * `<dataDir>/<context>/pg` that needs no server install. Applies pending migrations first.
 */
export async function openDatabase<C extends { $disconnect(): Promise<void> }>(opts: {
  context: string;
  url?: string;
  dataDir: string;
  migrationsDir: string;
  createClient: (adapter: DriverAdapter) => C;
  log?: Logger;
}): Promise<OpenedDatabase<C>> {
  const { context, url, log } = opts;
  if (url) {
    await ensurePostgresDatabase(url);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await applyMigrations(pgRunner(admin), opts.migrationsDir, log);
    } finally {
      await admin.end();
    }
    const client = opts.createClient(new PrismaPg({ connectionString: url }));
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

function pgRunner(c: pg.Client): SqlRunner {
  return {
    exec: async (sql) => void (await c.query(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await c.query(sql, params)).rows as T[],
  };
}

/** Creates the database named in `url` when the server does not have it yet (first start on a fresh server). */
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
    await c.query(`CREATE DATABASE "${name}"`).catch((e: Error) => {
      if (!/already exists/.test(e.message)) throw e;
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
