import { z } from 'zod';
import { idempotencySettings, startKeyPruner } from '../../platform/idempotency';
import { startContext, type ContextSpec } from '../../platform/service';
import { createInventoryClient, type InventoryDb, type InventoryTx } from './db';
import { rememberProducts, stockPolicies } from './policies';
import { inventoryContext, inventoryResolvers, type InventoryContext } from './resolvers';
import { defaultInstanceId } from './rules';

const config = z.object({
  /** This process's name in stock movements (e.g. the pod name); tells replicas apart. */
  INSTANCE_ID: z.string().trim().min(1).max(100).default(defaultInstanceId),
  ...idempotencySettings.shape,
});

/**
 * Stock per product. Any number of replicas may run on one database: they share each
 * durable consumer (every event to one of them) and the stock rules hold in SQL.
 */
export const inventorySpec: ContextSpec<InventoryDb, InventoryTx, z.infer<typeof config>, InventoryContext> = {
  name: 'inventory',
  defaultPort: 4007,
  dir: __dirname,
  createClient: createInventoryClient,
  config,
  produces: true,
  build: ({ db, relay, config: c, log }) => {
    const { reserveOnRequest, releaseOnCancel } = stockPolicies(c.INSTANCE_ID);
    let stopPruner: (() => Promise<void>) | undefined;
    return {
      resolvers: inventoryResolvers(db, { instanceId: c.INSTANCE_ID, onCommit: () => relay.notify() }),
      requestContext: () => inventoryContext(db),
      policies: [rememberProducts, reserveOnRequest, releaseOnCancel],
      async start() {
        log.info({ instanceId: c.INSTANCE_ID }, 'inventory instance');
        stopPruner = startKeyPruner(db, c, log);
      },
      stop: async () => stopPruner?.(),
    };
  },
};

export const startInventory = (env: NodeJS.ProcessEnv = process.env) => startContext(inventorySpec, env);
