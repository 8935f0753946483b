import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import pg from 'pg';
import { engineOfMigrations } from '../../platform/database';
import { DEFAULT_TEST_SERVER_URL, redact } from './global-setup';

/**
 * The server tests create their throwaway databases on: TEST_DATABASE_URL, which Jest's global
 * setup (test/support/global-setup.ts) sets to the server it chose or started, else 127.0.0.1:5432.
 */
export const testServerUrl = () => process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_SERVER_URL;
/** The same, read when a test file loads (after the global setup chose the server). */
export const TEST_SERVER_URL = testServerUrl();
const PREFIX = 'og_test_';

/** Refuses anything that is not a throwaway test database: tests drop what they create. */
export function assertTestDatabase(url: string): void {
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (!path.startsWith(tmpdir() + sep) || !path.includes(`${sep}${PREFIX}`)) throw new Error(`Refusing to use SQLite file "${path}" in a test: test files live in ${tmpdir()}/${PREFIX}*`);
    return;
  }
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name.startsWith(PREFIX)) throw new Error(`Refusing to use database "${name}" in a test: test databases are named ${PREFIX}*`);
}

export interface TestDatabases {
  /** DATABASE_URL_<CONTEXT> for every context. */
  env: Record<string, string>;
  url(context: string): string;
  drop(): Promise<void>;
}

/** The engine a context's migrations are written for; names without a prisma folder (scratch databases) are PostgreSQL. */
const engineOf = (context: string) => {
  const dir = resolve(__dirname, '../../prisma', context, 'migrations');
  return existsSync(dir) ? engineOfMigrations(dir) : 'postgres';
};

/**
 * One fresh database per context, for one test file: a PostgreSQL database, or for a
 * context on SQLite a file `<context>.db` in a fresh og_test_ folder under the OS temp dir (drop() removes it).
 */
export async function createTestDatabases(allContexts: string[]): Promise<TestDatabases> {
  const run = `${PREFIX}${randomBytes(4).toString('hex')}`;
  const sqliteContexts = allContexts.filter((c) => engineOf(c) === 'sqlite');
  const contexts = allContexts.filter((c) => !sqliteContexts.includes(c));
  const sqliteDir = sqliteContexts.length > 0 ? mkdtempSync(join(tmpdir(), `${run}-`)) : undefined;
  const files = Object.fromEntries(sqliteContexts.map((c) => [c, `file:${join(sqliteDir!, `${c}.db`)}`]));
  for (const f of Object.values(files)) assertTestDatabase(f);
  const server = testServerUrl();
  const admin = new pg.Client({ connectionString: server });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`Tests need PostgreSQL at ${redact(server)} (set TEST_DATABASE_URL, or let Jest's global setup start one): ${(e as Error).message}`);
  }
  const urls: Record<string, string> = {};
  try {
    for (const c of contexts) {
      const name = `${run}_${c}`;
      await admin.query(`CREATE DATABASE "${name}"`);
      const u = new URL(server);
      u.pathname = `/${name}`;
      urls[c] = u.toString();
      assertTestDatabase(urls[c]);
    }
  } finally {
    await admin.end();
  }
  Object.assign(urls, files);
  return {
    env: Object.fromEntries(allContexts.map((c) => [`DATABASE_URL_${c.toUpperCase()}`, urls[c]])),
    url: (c) => urls[c],
    drop: async () => {
      if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
      if (contexts.length === 0) return;
      const a = new pg.Client({ connectionString: server });
      await a.connect();
      try {
        for (const u of contexts.map((c) => urls[c])) {
          assertTestDatabase(u);
          await a.query(`DROP DATABASE IF EXISTS "${decodeURIComponent(new URL(u).pathname.slice(1))}" WITH (FORCE)`);
        }
      } finally {
        await a.end();
      }
    },
  };
}
