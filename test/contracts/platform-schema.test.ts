// The platform's tables (outbox, processed events, dead letters) are reached with raw SQL
// from platform/, whatever the context: every context's schema and first migration must hold them verbatim.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PRISMA = resolve(__dirname, '../../prisma');
const prismaPart = readFileSync(join(PRISMA, 'platform.prisma.part'), 'utf8');
const sqlPart = readFileSync(join(PRISMA, 'platform.sql.part'), 'utf8');
const contexts = readdirSync(PRISMA, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test('the parts are the three platform tables', () => {
  for (const table of ['OutboxEvent', 'ProcessedEvent', 'DeadLetter']) {
    expect(prismaPart).toContain(`model ${table} {`);
    expect(sqlPart).toContain(`CREATE TABLE "${table}" (`);
  }
});

test('every context has a Prisma schema folder', () => {
  expect(contexts).toEqual(['catalog', 'delivery', 'mypage', 'ordering', 'payment']);
});

describe.each(contexts)('%s', (context) => {
  const dir = join(PRISMA, context);

  test('schema.prisma contains prisma/platform.prisma.part verbatim', () => {
    const schema = readFileSync(join(dir, 'schema.prisma'), 'utf8');
    if (!schema.includes(prismaPart)) {
      throw new Error(`prisma/${context}/schema.prisma does not contain prisma/platform.prisma.part verbatim: copy the part into it unchanged.`);
    }
    expect(schema.includes(prismaPart)).toBe(true);
  });

  test('its *_init migration contains prisma/platform.sql.part verbatim', () => {
    const migrations = join(dir, 'migrations');
    const inits = readdirSync(migrations).filter((n) => /_init$/.test(n) && existsSync(join(migrations, n, 'migration.sql')));
    expect(inits.length).toBeGreaterThanOrEqual(1);
    for (const name of inits) {
      const sql = readFileSync(join(migrations, name, 'migration.sql'), 'utf8');
      if (!sql.includes(sqlPart)) {
        throw new Error(`prisma/${context}/migrations/${name}/migration.sql does not contain prisma/platform.sql.part verbatim.`);
      }
      expect(sql.includes(sqlPart)).toBe(true);
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
