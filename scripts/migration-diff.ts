// Writes the next migration of a bounded context, or checks that none is missing:
//
//   npx tsx scripts/migration-diff.ts <context> [--name <migration_name>] [--check]
//
// The SQL is what takes a database from "every prisma/<context>/migrations/*/migration.sql
// applied" to "prisma/<context>/schema.prisma" — what `prisma migrate dev --create-only`
// would write. That CLI needs the native schema engine, which offline machines cannot
// download, so this runs the same engine compiled to WebAssembly
// (@prisma/schema-engine-wasm, pinned to the engine build of our prisma version).
// The engine replays the migrations in a "shadow database" to learn what they produce;
// an in-memory PGlite serves as one, so no PostgreSQL server is needed.
//
// Exit codes: 0 ok / in sync, 1 --check found changes not covered by a migration, 2 error.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

const root = join(__dirname, '..');

// tsconfig's libs (ES2023, no DOM) and @types/node 20 do not type WebAssembly; just what is used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

function usage(message: string): never {
  console.error(`${message}\nusage: tsx scripts/migration-diff.ts <context> [--name <migration_name>] [--check]`);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  let context: string | undefined;
  let name = 'migration';
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') check = true;
    else if (arg === '--name') name = argv[++i] ?? usage('--name needs a value');
    else if (arg.startsWith('--name=')) name = arg.slice('--name='.length);
    else if (arg.startsWith('-') || context) usage(`unexpected argument: ${arg}`);
    else context = arg;
  }
  if (!context) usage('missing <context>');
  // Folder names in the style `prisma migrate dev --name` gives them: lowercase, underscores.
  const slug = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 200);
  if (!slug) usage(`invalid migration name: ${name}`);
  return { context, name: slug, check };
}

// The package's own entry imports the .wasm as an ES module, which Node 20 only allows
// behind --experimental-wasm-modules; instantiating it here lets plain `tsx` run this.
let loaded: typeof engineBindings.SchemaEngine | undefined;
// Once per process: a second instantiation of the module panics.
function loadSchemaEngine() {
  if (loaded) return loaded;
  const dir = dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const module = new WebAssembly.Module(readFileSync(join(dir, 'schema_engine_bg.wasm')));
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': engineBindings });
  engineBindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return (loaded = engineBindings.SchemaEngine);
}

// Mirrors platform/migrate.ts: folders holding a migration.sql, in name order.
function readMigrations(migrationsDir: string): engineBindings.MigrationList {
  const names = existsSync(migrationsDir)
    ? readdirSync(migrationsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(migrationsDir, d.name, 'migration.sql')))
        .map((d) => d.name)
        .sort()
    : [];
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    // The engine takes the SQL dialect from the lock file and refuses to guess without one.
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : 'provider = "postgresql"\n',
    },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

// A fresh in-memory PostgreSQL per connection. pglite-prisma-adapter 0.7.2's executeScript
// does not await PGlite, so a failing migration would surface as an unhandled rejection
// rather than as the engine's error naming the migration; and a plain Error reaches the
// engine only as "External error id#0", while a 'postgres' DriverAdapterError shows its text.
type PgError = Error & { code?: string; severity?: string; detail?: string; column?: string; hint?: string };

async function connectPGlite(): Promise<SqlDriverAdapter> {
  const pg = new PGlite();
  const adapter = await new PrismaPGlite(pg).connect();
  adapter.executeScript = async (script) => {
    try {
      await pg.exec(script);
    } catch (e) {
      const { code = 'XX000', severity = 'ERROR', message, detail, column, hint } = e as PgError;
      throw new DriverAdapterError({ kind: 'postgres', code, severity, message, detail, column, hint });
    }
  };
  adapter.dispose = () => pg.close();
  return adapter;
}

const pgliteFactory: SqlMigrationAwareDriverAdapterFactory = {
  provider: 'postgres',
  adapterName: 'pglite',
  connect: connectPGlite,
  connectToShadowDb: connectPGlite,
};

function timestamp(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

async function diff(context: string) {
  const schemaPath = join(root, 'prisma', context, 'schema.prisma');
  if (!existsSync(schemaPath)) usage(`no schema at ${relative(root, schemaPath)}`);
  const migrationsDir = join(root, 'prisma', context, 'migrations');
  const migrations = readMigrations(migrationsDir);

  const SchemaEngine = loadSchemaEngine();
  const adapter = bindMigrationAwareSqlAdapterFactory(pgliteFactory);
  const engine = await SchemaEngine.new({ datamodels: undefined }, () => {}, adapter);
  let result;
  try {
    result = await engine.diff({
      from: { tag: 'migrations', ...migrations },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: readFileSync(schemaPath, 'utf8') }] },
      script: true,
      exitCode: true, // makes exitCode 2 when the diff is not empty
      filters: { externalTables: [], externalEnums: [] },
    });
  } finally {
    engine.free();
  }
  return { changed: result.exitCode === 2, sql: result.stdout ?? '', migrations, migrationsDir };
}

/** Contexts are the folders of prisma/ that hold a schema.prisma. */
const allContexts = () => readdirSync(join(root, 'prisma')).filter((d) => existsSync(join(root, 'prisma', d, 'schema.prisma')));

async function main() {
  const { context, name, check } = parseArgs(process.argv.slice(2));

  if (check) {
    // `--check all` checks every context in one process (the engine loads once).
    for (const ctx of context === 'all' ? allContexts() : [context]) {
      const { changed, sql } = await diff(ctx);
      if (!changed) {
        console.log(`${ctx}: migrations match schema.prisma`);
        continue;
      }
      console.log(`${ctx}: schema.prisma has changes no migration covers; the missing migration is:\n`);
      process.stdout.write(sql);
      process.exitCode = 1;
    }
    return;
  }

  const { changed, sql, migrations, migrationsDir } = await diff(context);
  if (!changed) {
    console.log('no schema changes');
    return;
  }
  // The runner applies migrations in name order, so a new one must sort after the newest
  // existing folder even if that one carries a timestamp ahead of this machine's clock.
  let at = new Date();
  const newest = migrations.migrationDirectories.at(-1)?.path.slice(0, 14);
  if (newest && /^\d{14}$/.test(newest) && timestamp(at) <= newest) {
    const [y, mo, d, h, mi, s] = newest.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/)!.slice(1).map(Number);
    at = new Date(Date.UTC(y, mo - 1, d, h, mi, s + 1));
  }
  const dir = join(migrationsDir, `${timestamp(at)}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql);
  console.log(`wrote ${relative(root, join(dir, 'migration.sql'))}`);
}

main().catch((e: Error) => {
  // Engine errors end in a Rust span trace ("   0: schema_engine_wasm::..."), noise here.
  console.error(String(e.message ?? e).replace(/\n\s+0: [\s\S]*$/, ''));
  process.exit(2);
});
