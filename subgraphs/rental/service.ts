import { idempotencySettings, startKeyPruner, type IdempotencySettings } from '../../platform/idempotency';
import { startContext, type ContextSpec } from '../../platform/service';
import { createRentalClient, type RentalDb, type RentalTx } from './db';
import { confirmOnStockReserved, failOnStockReservationFailed, rememberProducts } from './policies';
import { rentalResolvers } from './resolvers';

/**
 * Book reservations. Never calls inventory: a request is recorded and announced, and
 * inventory's answer arrives as an event (reservations are taken while it is down).
 */
export const rentalSpec: ContextSpec<RentalDb, RentalTx, IdempotencySettings, object> = {
  name: 'rental',
  defaultPort: 4008,
  dir: __dirname,
  createClient: createRentalClient,
  config: idempotencySettings,
  produces: true,
  build: ({ db, relay, config: c, log }) => {
    let stopPruner: (() => Promise<void>) | undefined;
    return {
      resolvers: rentalResolvers(db, () => relay.notify()),
      policies: [rememberProducts, confirmOnStockReserved, failOnStockReservationFailed],
      async start() {
        stopPruner = startKeyPruner(db, c, log);
      },
      stop: async () => stopPruner?.(),
    };
  },
};

export const startRental = (env: NodeJS.ProcessEnv = process.env) => startContext(rentalSpec, env);
