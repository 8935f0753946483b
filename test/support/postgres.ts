import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests create their throwaway databases on. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PREFIX = 'og_test_';

/** Refuses anything that is not a throwaway test database: tests drop what they create. */
export function assertTestDatabase(url: string): void {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name.startsWith(PREFIX)) throw new Error(`Refusing to use database "${name}" in a test: test databases are named ${PREFIX}*`);
}

export interface TestDatabases {
  /** DATABASE_URL_<CONTEXT> for every context. */
  env: Record<string, string>;
  url(context: string): string;
  drop(): Promise<void>;
}

/** One fresh PostgreSQL database per context, for one test file. */
export async function createTestDatabases(contexts: string[]): Promise<TestDatabases> {
  const run = `${PREFIX}${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`Tests need PostgreSQL at ${TEST_SERVER_URL} (set TEST_DATABASE_URL): ${(e as Error).message}`);
  }
  const urls: Record<string, string> = {};
  try {
    for (const c of contexts) {
      const name = `${run}_${c}`;
      await admin.query(`CREATE DATABASE "${name}"`);
      const u = new URL(TEST_SERVER_URL);
      u.pathname = `/${name}`;
      urls[c] = u.toString();
      assertTestDatabase(urls[c]);
    }
  } finally {
    await admin.end();
  }
  return {
    env: Object.fromEntries(contexts.map((c) => [`DATABASE_URL_${c.toUpperCase()}`, urls[c]])),
    url: (c) => urls[c],
    drop: async () => {
      const a = new pg.Client({ connectionString: TEST_SERVER_URL });
      await a.connect();
      try {
        for (const u of Object.values(urls)) {
          assertTestDatabase(u);
          await a.query(`DROP DATABASE IF EXISTS "${decodeURIComponent(new URL(u).pathname.slice(1))}" WITH (FORCE)`);
        }
      } finally {
        await a.end();
      }
    },
  };
}
