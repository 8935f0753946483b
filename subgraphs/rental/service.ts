import { startContext, type ContextSpec } from '../../platform/service';
import { createRentalClient, type RentalDb, type RentalTx } from './db';
import { confirmOnStockReserved, failOnStockReservationFailed, rememberProducts } from './policies';
import { rentalResolvers } from './resolvers';

/**
 * Book reservations. Never calls inventory: a request is recorded and announced, and
 * inventory's answer arrives as an event (reservations are taken while it is down).
 */
export const rentalSpec: ContextSpec<RentalDb, RentalTx, object, object> = {
  name: 'rental',
  defaultPort: 4008,
  dir: __dirname,
  createClient: createRentalClient,
  produces: true,
  build: ({ db, relay }) => ({
    resolvers: rentalResolvers(db, () => relay.notify()),
    policies: [rememberProducts, confirmOnStockReserved, failOnStockReservationFailed],
  }),
};

export const startRental = (env: NodeJS.ProcessEnv = process.env) => startContext(rentalSpec, env);
