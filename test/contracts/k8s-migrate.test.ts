// The migrations Job's entry point (k8s/base/migrations-job.yaml runs `node dist/scripts/migrate.js`),
// as a process from the build, against real PostgreSQL: it migrates and seeds, exits 0, and a
// second run changes nothing; a bad configuration or an unreachable database exits 1 with a
// clear message and no stack.
import { built, spawnChild } from '../support/children';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabases, type TestDatabases } from '../support/postgres';
import { catalogSeed } from '../../subgraphs/catalog/seed';
import { ROOT } from './k8s-render';

const CONTEXTS = ['catalog', 'payment'];
let dbs: TestDatabases;

/** Runs the built entry point; resolves with its exit code and output. */
function migrate(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawnChild(process.execPath, [join(ROOT, 'dist', 'scripts', 'migrate.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const count = async (url: string, sql: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(sql)).rows[0].n);
  } finally {
    await c.end();
  }
};

beforeAll(async () => {
  // The build is what the image runs (incremental: only what changed).
  const built = await new Promise<number | null>((resolve) => spawnChild(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore' }).on('exit', resolve));
  if (built !== 0) throw new Error('npm run build failed');
  dbs = await createTestDatabases(CONTEXTS);
}, 120_000);
afterAll(() => dbs?.drop());

it('applies every listed context’s migrations and the catalog seed, exits 0, and changes nothing when run again', async () => {
  const env = { NODE_ENV: 'production', MIGRATE_CONTEXTS: CONTEXTS.join(','), ...dbs.env };
  const first = await migrate(env);
  expect(first).toMatchObject({ code: 0 });
  expect(first.out).toMatch(/2 context\(s\) up to date, [1-9]\d* migration\(s\) applied now, catalog seed checked/);
  const products = catalogSeed.flatMap((s) => s.products).length;
  expect(await count(dbs.url('catalog'), 'SELECT count(*) AS n FROM "Product"')).toBe(products);
  // Each product announced once, through the outbox the catalog process relays.
  expect(await count(dbs.url('catalog'), `SELECT count(*) AS n FROM "OutboxEvent" WHERE subject = 'catalog.product-added.v1'`)).toBe(products);
  expect(await count(dbs.url('payment'), 'SELECT count(*) AS n FROM "_prisma_migrations"')).toBeGreaterThan(0);

  const again = await migrate(env);
  expect(again).toMatchObject({ code: 0 });
  expect(again.out).toMatch(/0 migration\(s\) applied now/);
  expect(await count(dbs.url('catalog'), `SELECT count(*) AS n FROM "OutboxEvent"`)).toBe(products);
}, 120_000);

it('refuses a bad configuration before touching anything: every problem listed, exit 1', async () => {
  const r = await migrate({ NODE_ENV: 'production', MIGRATE_CONTEXTS: 'catalog,shipping' });
  expect(r.code).toBe(1);
  expect(r.out).toContain('MIGRATE_CONTEXTS names an unknown context "shipping"');
  expect(r.out).toContain('catalog: DATABASE_URL_CATALOG is required when NODE_ENV=production');
  expect(r.out).not.toMatch(/\n\s+at /);
});

it('names the context and the unreachable server when a database cannot be reached, exit 1, no stack', async () => {
  const r = await migrate({ MIGRATE_CONTEXTS: 'payment', DATABASE_URL_PAYMENT: 'postgresql://ordergraph:secret-password@127.0.0.1:1/og_test_nowhere' });
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/migrate: failed: payment: Cannot reach PostgreSQL at postgresql:\/\/ordergraph:\*\*\*@127\.0\.0\.1:1/);
  expect(r.out).not.toContain('secret-password');
  expect(r.out).not.toMatch(/\n\s+at /);
});
