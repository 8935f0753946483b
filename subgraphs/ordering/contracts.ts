import { z } from 'zod';
import { defineEvent } from '../../platform/events';
import { MAX_ADDRESS, MAX_REASON, ORDER_STATUSES, PAYMENT_METHODS } from './rules';

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
    // Added with the pizza and book-market scenarios. Optional so that events already in the
    // stream (written before) still satisfy the contract; ordering always writes them now.
    paymentMethod: z.enum(PAYMENT_METHODS).optional(),
    /** Null: collected at the store. */
    deliveryAddress: z.string().min(1).max(MAX_ADDRESS).nullable().optional(),
  }),
});

export const OrderStatusChanged = defineEvent({
  context: 'ordering',
  name: 'order-status-changed',
  version: 1,
  data: z.object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    /** Added with live status (the router routes store staff's subscriptions by it); optional for events written before. */
    storeId: z.string().min(1).optional(),
    status: z.enum(ORDER_STATUSES),
    previousStatus: z.enum(ORDER_STATUSES),
    /** The order's version after this change; read models apply only newer versions. */
    version: z.number().int().positive(),
    changedAt: z.iso.datetime(),
  }),
});

/**
 * The customer cancelled the order and ordering accepted it (the order is CANCELLING):
 * the start of the cancellation saga. Payment refunds; delivery stops every further step.
 */
export const OrderCancelled = defineEvent({
  context: 'ordering',
  name: 'order-cancelled',
  version: 1,
  data: z.object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    storeId: z.string().min(1),
    paymentId: z.string().min(1).nullable(),
    amount: z.number().int().nonnegative(),
    reason: z.string().min(1).max(MAX_REASON).nullable(),
    /** The status the order had when it was cancelled (PAID, CONFIRMED or IN_PRODUCTION). */
    previousStatus: z.enum(ORDER_STATUSES),
    version: z.number().int().positive(),
    requestedAt: z.iso.datetime(),
  }),
});
