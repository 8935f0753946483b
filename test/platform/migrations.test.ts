// The migration runner (platform/migrate.ts) against real PostgreSQL: each context's
// migrations apply once and are recorded as Prisma records them; an edited migration is refused.
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { applyMigrations, type SqlRunner } from '../../platform/migrate';
import { createTestDatabases, type TestDatabases } from '../support/postgres';

const CONTEXTS = ['catalog', 'ordering', 'payment', 'delivery', 'mypage'] as const;
const migrationsOf = (ctx: string) => resolve(__dirname, '../../prisma', ctx, 'migrations');
const SCRATCH = ['edited', 'added', 'broken', 'concurrent'] as const;

let dbs: TestDatabases;
let tmp: string;
const clients: pg.Client[] = [];
beforeAll(async () => {
  dbs = await createTestDatabases([...CONTEXTS, ...SCRATCH]);
  tmp = mkdtempSync(join(tmpdir(), 'og-migrations-'));
});
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await dbs?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function connect(db: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: dbs.url(db) });
  await c.connect();
  clients.push(c);
  return c;
}

const runner = (c: pg.Client): SqlRunner => ({
  exec: async (sql) => void (await c.query(sql)),
  query: async <T>(sql: string, params?: unknown[]) => (await c.query(sql, params)).rows as T[],
});

const recorded = async (c: pg.Client) =>
  (await c.query(`SELECT id, migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`)).rows;

const tables = async (c: pg.Client) =>
  (await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`)).rows.map((r) => r.table_name as string);

const migrationNames = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

/** A copy of a context's migrations that a test may edit. */
function copyMigrations(ctx: string, name: string): string {
  const dir = join(tmp, name);
  cpSync(migrationsOf(ctx), dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string) {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}

describe.each(CONTEXTS)('%s', (ctx) => {
  test('applies each migration once, records it with its checksum, and a second run applies nothing', async () => {
    const c = await connect(ctx);
    const names = migrationNames(migrationsOf(ctx));
    expect(names.length).toBeGreaterThan(0);

    expect(await applyMigrations(runner(c), migrationsOf(ctx))).toEqual(names);

    const rows = await recorded(c);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const r of rows) {
      const sql = readFileSync(join(migrationsOf(ctx), r.migration_name, 'migration.sql'));
      expect(r.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.rolled_back_at).toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
    // Every table the SQL creates exists, the platform's three included.
    const created = names.flatMap((n) =>
      [...readFileSync(join(migrationsOf(ctx), n, 'migration.sql'), 'utf8').matchAll(/CREATE TABLE "([^"]+)"/g)].map((m) => m[1]),
    );
    expect(created).toEqual(expect.arrayContaining(['OutboxEvent', 'ProcessedEvent', 'DeadLetter']));
    expect(await tables(c)).toEqual([...created, '_prisma_migrations'].sort());

    expect(await applyMigrations(runner(c), migrationsOf(ctx))).toEqual([]);
    expect(await recorded(c)).toEqual(rows);
  });
});

test('a migration changed after it was applied is refused with a clear error, and nothing after it runs', async () => {
  const c = await connect('edited');
  const dir = copyMigrations('delivery', 'edited');
  const [init] = migrationNames(dir);
  await applyMigrations(runner(c), dir);
  const before = await recorded(c);

  appendFileSync(join(dir, init, 'migration.sql'), '\nCREATE TABLE "Sneaky" ("id" INTEGER);\n');
  addMigration(dir, '99990101000000_later', 'CREATE TABLE "Later" ("id" INTEGER);');

  await expect(applyMigrations(runner(c), dir)).rejects.toThrow(
    `Migration ${init} was changed after it was applied (checksum differs). Add a new migration instead.`,
  );
  expect(await recorded(c)).toEqual(before);
  expect(await tables(c)).not.toEqual(expect.arrayContaining(['Sneaky']));
  expect(await tables(c)).not.toEqual(expect.arrayContaining(['Later']));
  // The lock was released: the runner still answers (and still refuses).
  await expect(applyMigrations(runner(c), dir)).rejects.toThrow(/was changed after it was applied/);
});

test('a migration added later is applied on the next run, alone', async () => {
  const c = await connect('added');
  const dir = copyMigrations('mypage', 'added');
  const first = await applyMigrations(runner(c), dir);
  addMigration(dir, '99990101000000_add_note', 'ALTER TABLE "OrderView" ADD COLUMN "note" TEXT;');

  expect(await applyMigrations(runner(c), dir)).toEqual(['99990101000000_add_note']);
  expect((await recorded(c)).map((r) => r.migration_name)).toEqual([...first, '99990101000000_add_note']);
  const { rows } = await c.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'OrderView' AND column_name = 'note'`);
  expect(rows).toHaveLength(1);
});

test('a failing migration is rolled back whole and not recorded; fixed, it applies', async () => {
  const c = await connect('broken');
  const dir = copyMigrations('payment', 'broken');
  const first = await applyMigrations(runner(c), dir);
  const name = '99990101000000_broken';
  addMigration(dir, name, 'CREATE TABLE "Half" ("id" INTEGER);\nINSERT INTO "NoSuchTable" VALUES (1);');

  await expect(applyMigrations(runner(c), dir)).rejects.toThrow(new RegExp(`^Migration ${name} failed: .*NoSuchTable`));
  expect((await recorded(c)).map((r) => r.migration_name)).toEqual(first);
  expect(await tables(c)).not.toEqual(expect.arrayContaining(['Half']));

  writeFileSync(join(dir, name, 'migration.sql'), 'CREATE TABLE "Half" ("id" INTEGER);');
  expect(await applyMigrations(runner(c), dir)).toEqual([name]);
  expect(await tables(c)).toEqual(expect.arrayContaining(['Half']));
});

test('two runners starting together on a fresh database apply each migration once', async () => {
  const names = migrationNames(migrationsOf('ordering'));
  const a = await connect('concurrent');
  const b = await connect('concurrent');
  // Several rounds: a race between the two shows up in some of them.
  for (let round = 0; round < 5; round++) {
    await a.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    const results = await Promise.all([applyMigrations(runner(a), migrationsOf('ordering')), applyMigrations(runner(b), migrationsOf('ordering'))]);
    expect(results.flat().sort()).toEqual(names);
    expect((await recorded(a)).map((r) => r.migration_name)).toEqual(names);
  }
});

test('a missing migrations folder is a clear error', async () => {
  const c = await connect('edited');
  await expect(applyMigrations(runner(c), join(tmp, 'nowhere'))).rejects.toThrow(`No migrations folder at ${join(tmp, 'nowhere')}`);
});
