import { z } from 'zod';
import { defineEvent } from '../../platform/events';

/** Events delivery publishes. */
export const DeliveryAccepted = defineEvent({
  context: 'delivery',
  name: 'delivery-accepted',
  version: 1,
  data: z.object({
    deliveryId: z.string().min(1),
    orderId: z.string().min(1),
    storeId: z.string().min(1),
    acceptedAt: z.iso.datetime(),
  }),
});
