import { z } from 'zod';
import { defineEvent } from '../../platform/events';
import { ORDER_STATUSES } from './rules';

/** Events ordering publishes. Consumers import these schemas and validate against them. */

/** An order stands: it is paid. Carries what downstream contexts need, so none has to call back. */
export const OrderPlaced = defineEvent({
  context: 'ordering',
  name: 'order-placed',
  version: 1,
  data: z.object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    productId: z.string().min(1),
    productName: z.string().min(1),
    storeId: z.string().min(1),
    qty: z.number().int().positive(),
    unitPrice: z.number().int().nonnegative(),
    amount: z.number().int().nonnegative(),
    paymentId: z.string().min(1),
    status: z.enum(ORDER_STATUSES),
    version: z.number().int().positive(),
    placedAt: z.iso.datetime(),
  }),
});

export const OrderStatusChanged = defineEvent({
  context: 'ordering',
  name: 'order-status-changed',
  version: 1,
  data: z.object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    status: z.enum(ORDER_STATUSES),
    previousStatus: z.enum(ORDER_STATUSES),
    /** The order's version after this change; read models apply only newer versions. */
    version: z.number().int().positive(),
    changedAt: z.iso.datetime(),
  }),
});
