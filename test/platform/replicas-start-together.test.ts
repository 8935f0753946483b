// Two replicas of a context started at the same instant against a PostgreSQL database that
// does not exist yet (a fresh cluster, a first deploy with two pods): both must come up.
// Real processes, real nats-server, real PostgreSQL.
import { type ChildProcess } from 'node:child_process';
import { built, spawnChild } from '../support/children';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { ensurePostgresDatabase } from '../../platform/database';
import { startNatsServer, type TestNats } from '../support/nats';
import { freePort, waitFor } from '../support/ports';
import { assertTestDatabase, TEST_SERVER_URL } from '../support/postgres';

let nats: TestNats;
const created: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  try {
    for (const url of created) {
      assertTestDatabase(url);
      await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
  await nats?.stop();
});

/** A URL for a database that does not exist yet (dropped in afterAll). */
function freshDatabaseUrl(): string {
  const u = new URL(TEST_SERVER_URL);
  u.pathname = `/og_test_${randomBytes(4).toString('hex')}_fresh`;
  created.push(u.toString());
  assertTestDatabase(u.toString());
  return u.toString();
}

test('ensurePostgresDatabase: eight concurrent callers for one missing database all succeed', async () => {
  const url = freshDatabaseUrl();
  const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => ensurePostgresDatabase(url)));
  expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.end();
});

test('two replicas of catalog started together on a database that does not exist yet both become ready, migrated and seeded once', async () => {
  const url = freshDatabaseUrl();
  const ports = [await freePort(), await freePort()];
  const stderr: string[] = ['', ''];
  const exits: Array<number | null> = [null, null];
  for (const [i, port] of ports.entries()) {
    const child = spawnChild(process.execPath, [built('subgraphs/catalog/main.ts')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        HOST: '127.0.0.1',
        PORT: String(port),
        NATS_URL: nats.url,
        DATABASE_URL_CATALOG: url,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d) => (stderr[i] += String(d)));
    child.once('exit', (code) => (exits[i] = code ?? -1));
    children.push(child);
  }
  // Both ready, or one exited (then fail at once with its stderr).
  await waitFor(
    async () => {
      if (exits.some((e) => e !== null)) return true;
      const ready = await Promise.all(ports.map((p) => fetch(`http://127.0.0.1:${p}/health/ready`).then((r) => r.ok, () => false)));
      return ready.every(Boolean);
    },
    'both replicas to become ready',
    45_000,
    200,
  );
  expect({ exits, stderr }).toEqual({ exits: [null, null], stderr: ["", ""] });
  expect(stderr.join('')).not.toMatch(/duplicate key|already exists|failed to start/);

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const applied = await c.query(`SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY migration_name`);
    expect(applied.rows.length).toBeGreaterThan(0);
    for (const r of applied.rows) expect(r.n).toBe(1);
    // The seed ran once in effect: each product is announced once.
    const dupes = await c.query(`SELECT "correlationId" FROM "OutboxEvent" GROUP BY "correlationId" HAVING count(*) > 1`);
    expect(dupes.rows).toEqual([]);
  } finally {
    await c.end();
  }
}, 90_000);
