// The platform's tables (outbox, processed events, dead letters) are reached with raw SQL
// from platform/ (platform/sql-dialect.ts), whatever the context: every context's schema and
// first migration must hold them verbatim, in the part written for the context's engine.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { engineOfMigrations } from '../../platform/database';
import type { SqlEngine } from '../../platform/sql-dialect';
import { CONTEXT_NAMES } from '../../subgraphs/registry';

const PRISMA = resolve(__dirname, '../../prisma');
const read = (name: string) => readFileSync(join(PRISMA, name), 'utf8');
/** The platform's part of schema.prisma and of the init migration, per engine. */
const parts: Record<SqlEngine, { prisma: string; sql: string; prismaFile: string; sqlFile: string }> = {
  postgres: { prisma: read('platform.prisma.part'), sql: read('platform.sql.part'), prismaFile: 'platform.prisma.part', sqlFile: 'platform.sql.part' },
  sqlite: {
    prisma: read('platform.sqlite.prisma.part'),
    sql: read('platform.sqlite.sql.part'),
    prismaFile: 'platform.sqlite.prisma.part',
    sqlFile: 'platform.sqlite.sql.part',
  },
};
const contexts = readdirSync(PRISMA, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const engineOf = (context: string) => engineOfMigrations(join(PRISMA, context, 'migrations'));

/** Model name → its fields as "name type" (attributes left out). */
function models(prisma: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [, name, body] of prisma.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)) {
    out[name] = body
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([field]) => field && !field.startsWith('@@') && !field.startsWith('//'))
      .map(([field, type]) => `${field} ${type}`);
  }
  return out;
}

test.each(Object.keys(parts) as SqlEngine[])('the %s parts are the three platform tables', (engine) => {
  for (const table of ['OutboxEvent', 'ProcessedEvent', 'DeadLetter']) {
    expect(parts[engine].prisma).toContain(`model ${table} {`);
    expect(parts[engine].sql).toContain(`CREATE TABLE "${table}" (`);
  }
});

test('the SQLite part has the models of the PostgreSQL part, field for field and type for type', () => {
  const postgres = models(parts.postgres.prisma);
  expect(Object.keys(postgres).sort()).toEqual(['DeadLetter', 'OutboxEvent', 'ProcessedEvent']);
  expect(postgres.OutboxEvent).toEqual(expect.arrayContaining(['id String', 'seq BigInt', 'payload Json', 'nextAttemptAt DateTime', 'sentAt DateTime?']));
  expect(models(parts.sqlite.prisma)).toEqual(postgres);
});

test('every context has a Prisma schema folder', () => {
  expect(contexts).toEqual([...CONTEXT_NAMES].sort());
});

test('polyglot persistence: notification runs on SQLite, every other context on PostgreSQL', () => {
  expect(Object.fromEntries(contexts.map((c) => [c, engineOf(c)]))).toEqual(
    Object.fromEntries(contexts.map((c) => [c, c === 'notification' ? 'sqlite' : 'postgres'])),
  );
});

describe.each(contexts)('%s', (context) => {
  const dir = join(PRISMA, context);
  const engine = engineOf(context);
  const part = parts[engine];

  test('migration_lock.toml names the datasource provider of schema.prisma', () => {
    const schema = readFileSync(join(dir, 'schema.prisma'), 'utf8');
    const provider = /datasource\s+\w+\s*\{[^}]*provider\s*=\s*"([^"]+)"/.exec(schema)?.[1];
    expect(provider).toBe(engine === 'sqlite' ? 'sqlite' : 'postgresql');
  });

  test(`schema.prisma contains its engine's platform part verbatim`, () => {
    const schema = readFileSync(join(dir, 'schema.prisma'), 'utf8');
    if (!schema.includes(part.prisma)) {
      throw new Error(`prisma/${context}/schema.prisma does not contain prisma/${part.prismaFile} verbatim: copy the part into it unchanged.`);
    }
    expect(schema.includes(part.prisma)).toBe(true);
  });

  test(`its *_init migration contains its engine's platform SQL part verbatim`, () => {
    const migrations = join(dir, 'migrations');
    const inits = readdirSync(migrations).filter((n) => /_init$/.test(n) && existsSync(join(migrations, n, 'migration.sql')));
    expect(inits.length).toBeGreaterThanOrEqual(1);
    for (const name of inits) {
      const sql = readFileSync(join(migrations, name, 'migration.sql'), 'utf8');
      if (!sql.includes(part.sql)) {
        throw new Error(`prisma/${context}/migrations/${name}/migration.sql does not contain prisma/${part.sqlFile} verbatim.`);
      }
      expect(sql.includes(part.sql)).toBe(true);
    }
  });

  test('the init migration is the first one, so the platform tables exist before anything else runs', () => {
    const names = readdirSync(join(dir, 'migrations'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(names[0]).toMatch(/^\d{14}_init$/);
  });
});
