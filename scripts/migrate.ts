// Migrations as one step of a deployment (the Kubernetes migrations Job runs
// `node dist/scripts/migrate.js`; locally `tsx scripts/migrate.ts`): applies every context's
// pending migrations, then the catalog seed, then exits 0. Any failure exits 1 with one line
// per problem and no stack. Each context also applies its own pending migrations at start
// (platform/database.ts, under a lock), so running this first only makes a release's schema
// change visible, and fail, before any new pod takes traffic.
import { join, resolve } from 'node:path';
import { databaseUrlFor, isProduction } from '../platform/config';
import { engineOfMigrations, openDatabase, redact } from '../platform/database';
import { createLogger, type Logger } from '../platform/logger';
import { createCatalogClient } from '../subgraphs/catalog/db';
import { seedCatalog } from '../subgraphs/catalog/seed';
import { CONTEXT_NAMES, isContextName, type ContextName } from '../subgraphs/registry';

/** `prisma/` beside `scripts/`: the same relative path from the sources and from dist/. */
const PRISMA_DIR = resolve(__dirname, '..', 'prisma');

/**
 * What to migrate, from the environment:
 * - `MIGRATE_CONTEXTS`: comma-separated context names (default: every context of
 *   subgraphs/registry.ts). Kubernetes leaves out notification, whose SQLite file lives on
 *   its own pod's volume and is migrated by notification at start.
 * - `DATABASE_URL_<CONTEXT>` or `DATABASE_URL` (platform/config.ts `databaseUrlFor`); without
 *   either, the embedded database under `DATA_DIR` (development only: refused when
 *   NODE_ENV=production, where a forgotten URL would migrate a throwaway file).
 * - `CATALOG_SEED=false` skips the catalog seed (default: seed when catalog is migrated).
 */
export interface MigratePlan {
  contexts: ContextName[];
  seedCatalog: boolean;
  dataDir: string;
}

/** Reads the plan; throws an Error listing every problem at once. */
export function migratePlan(env: NodeJS.ProcessEnv = process.env): MigratePlan {
  const problems: string[] = [];
  const listed = env.MIGRATE_CONTEXTS?.split(',').map((s) => s.trim()).filter(Boolean);
  const contexts = (listed ?? CONTEXT_NAMES).filter((name): name is ContextName => {
    if (isContextName(name)) return true;
    problems.push(`MIGRATE_CONTEXTS names an unknown context "${name}" (known: ${CONTEXT_NAMES.join(', ')})`);
    return false;
  });
  if (listed && listed.length === 0) problems.push('MIGRATE_CONTEXTS is set but names no context');
  if (env.NODE_ENV === 'production' || isProduction()) {
    for (const c of contexts) {
      const engine = engineOfMigrations(join(PRISMA_DIR, c, 'migrations'));
      if (!databaseUrlFor(c, env, engine)) problems.push(`${c}: DATABASE_URL_${c.toUpperCase()} is required when NODE_ENV=production`);
    }
  }
  const seed = (env.CATALOG_SEED ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(seed)) problems.push(`CATALOG_SEED must be true or false, not "${env.CATALOG_SEED}"`);
  if (problems.length) throw new Error(problems.map((p) => `  - ${p}`).join('\n'));
  return {
    contexts,
    seedCatalog: contexts.includes('catalog') && ['true', '1', 'yes'].includes(seed),
    dataDir: env.DATA_DIR ?? resolve(process.cwd(), '.data'),
  };
}

/**
 * Applies the plan, one context after the other (each under its own migration lock).
 * Returns, per context, the names of the migrations it applied now; the catalog seed adds
 * its missing products (and their ProductAdded events through catalog's outbox, which the
 * catalog process relays). Throws `Error("<context>: <reason>")` at the first failure.
 */
export async function migrateAll(plan: MigratePlan, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string[]>> {
  const log = createLogger('migrate', env);
  const applied: Record<string, string[]> = {};
  for (const context of plan.contexts) {
    const migrationsDir = join(PRISMA_DIR, context, 'migrations');
    const seeding = context === 'catalog' && plan.seedCatalog;
    try {
      const url = databaseUrlFor(context, env, engineOfMigrations(migrationsDir));
      const done: string[] = [];
      // openDatabase applies the pending migrations before it hands out a client; a context
      // other than catalog needs no client, only that step.
      const opened = await openDatabase({
        context,
        url,
        dataDir: plan.dataDir,
        migrationsDir,
        createClient: (adapter) => (seeding ? createCatalogClient(adapter) : { $disconnect: async () => undefined }),
        log: recording(log, done),
      });
      try {
        if (seeding) {
          const added = await seedCatalog(opened.client as ReturnType<typeof createCatalogClient>);
          log.info({ context, added }, added ? 'catalog seeded' : 'catalog seed already present');
        }
      } finally {
        await opened.close();
      }
      applied[context] = done;
      log.info({ context, where: url ? redact(url) : opened.where, applied: done.length }, 'migrated');
    } catch (e) {
      throw new Error(`${context}: ${(e as Error).message}`);
    }
  }
  return applied;
}

/** The logger, noting each migration platform/migrate.ts reports as applied ('applied migration', `{ migration }`). */
function recording(log: Logger, into: string[]): Logger {
  const proxy = Object.create(log) as Logger;
  proxy.info = ((obj: unknown, ...rest: unknown[]) => {
    const name = (obj as { migration?: unknown } | undefined)?.migration;
    if (typeof name === 'string') into.push(name);
    return (log.info as (...a: unknown[]) => void)(obj, ...rest);
  }) as Logger['info'];
  return proxy;
}

if (require.main === module) {
  (async () => {
    let plan: MigratePlan;
    try {
      plan = migratePlan();
    } catch (e) {
      console.error(`migrate: invalid configuration:\n${(e as Error).message}`);
      process.exit(1);
    }
    try {
      const applied = await migrateAll(plan);
      const total = Object.values(applied).reduce((n, a) => n + a.length, 0);
      console.log(`migrate: ${plan.contexts.length} context(s) up to date, ${total} migration(s) applied now${plan.seedCatalog ? ', catalog seed checked' : ''}`);
      process.exit(0);
    } catch (e) {
      console.error(`migrate: failed: ${(e as Error).message}`);
      process.exit(1);
    }
  })();
}
