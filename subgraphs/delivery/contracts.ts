import { z } from 'zod';
import { defineEvent } from '../../platform/events';
import { DELIVERY_STATUSES } from './rules';

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

/**
 * What every later step carries: who it is for and the times of the steps taken so far,
 * so a consumer that receives the steps out of order (they travel on separate subjects)
 * knows the whole path up to this one.
 */
const stepFields = {
  deliveryId: z.string().min(1),
  orderId: z.string().min(1),
  storeId: z.string().min(1),
  customerId: z.string().min(1),
  acceptedAt: z.iso.datetime(),
};

/** The store started making the order (the pizza seed's PizzaProductionStarted). */
export const ProductionStarted = defineEvent({
  context: 'delivery',
  name: 'production-started',
  version: 1,
  data: z.object({ ...stepFields, productionStartedAt: z.iso.datetime() }),
});

/** The courier left with the order: it is shipped (the book market's "Shipped"). */
export const DeliveryStarted = defineEvent({
  context: 'delivery',
  name: 'delivery-started',
  version: 1,
  data: z.object({
    ...stepFields,
    /** Null when the store shipped without a production step (a bookstore). */
    productionStartedAt: z.iso.datetime().nullable(),
    deliveryAddress: z.string().min(1).nullable(),
    shippedAt: z.iso.datetime(),
  }),
});

export const DeliveryCompleted = defineEvent({
  context: 'delivery',
  name: 'delivery-completed',
  version: 1,
  data: z.object({
    ...stepFields,
    productionStartedAt: z.iso.datetime().nullable(),
    shippedAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime(),
  }),
});

/** The saga's last compensation: the order's delivery is cancelled (its payment already is). */
export const DeliveryCancelled = defineEvent({
  context: 'delivery',
  name: 'delivery-cancelled',
  version: 1,
  data: z.object({
    deliveryId: z.string().min(1),
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    /** The delivery's status before; null when the cancellation arrived before the order did. */
    previousStatus: z.enum(DELIVERY_STATUSES).nullable(),
    cancelledAt: z.iso.datetime(),
  }),
});

/**
 * The saga cannot finish: the delivery had already left (or arrived) when the payment's
 * cancellation reached delivery. Ordering marks the order CANCELLATION_FAILED for a person to settle.
 */
export const DeliveryCancellationRefused = defineEvent({
  context: 'delivery',
  name: 'delivery-cancellation-refused',
  version: 1,
  data: z.object({
    deliveryId: z.string().min(1),
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    status: z.enum(DELIVERY_STATUSES),
    reason: z.enum(['DELIVERY_ALREADY_STARTED', 'DELIVERY_COMPLETED']),
    refusedAt: z.iso.datetime(),
  }),
});
