import { z } from 'zod';
import { startContext, type ContextSpec } from '../../platform/service';
import { createCatalogClient, type CatalogDb, type CatalogTx } from './db';
import { catalogContext, catalogResolvers, type CatalogContext } from './resolvers';
import { seedCatalog } from './seed';

const config = z.object({
  /** Load the sample stores and products at start (idempotent). */
  CATALOG_SEED: z.stringbool().default(true),
});

export const catalogSpec: ContextSpec<CatalogDb, CatalogTx, z.infer<typeof config>, CatalogContext> = {
  name: 'catalog',
  defaultPort: 4001,
  dir: __dirname,
  createClient: createCatalogClient,
  config,
  produces: true,
  build: ({ db, config, log }) => ({
    resolvers: catalogResolvers(db),
    requestContext: () => catalogContext(db),
    async start() {
      if (!config.CATALOG_SEED) return;
      const added = await seedCatalog(db);
      log.info({ added }, added ? 'catalog seeded' : 'catalog seed already present');
    },
  }),
};

export const startCatalog = (env: NodeJS.ProcessEnv = process.env) => startContext(catalogSpec, env);
