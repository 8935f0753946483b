import { startContext, type ContextSpec } from '../../platform/service';
import { createDeliveryClient, type DeliveryDb, type DeliveryTx } from './db';
import { cancelOnPaymentCancelled, openDeliveryOnOrderPlaced, stopOnOrderCancelled } from './policies';
import { deliveryContext, deliveryResolvers, type DeliveryContext } from './resolvers';

export const deliverySpec: ContextSpec<DeliveryDb, DeliveryTx, object, DeliveryContext> = {
  name: 'delivery',
  defaultPort: 4004,
  dir: __dirname,
  createClient: createDeliveryClient,
  produces: true,
  build: ({ db, relay }) => ({
    resolvers: deliveryResolvers(db, () => relay.notify()),
    requestContext: () => deliveryContext(db),
    policies: [openDeliveryOnOrderPlaced, stopOnOrderCancelled, cancelOnPaymentCancelled],
  }),
};

export const startDelivery = (env: NodeJS.ProcessEnv = process.env) => startContext(deliverySpec, env);
